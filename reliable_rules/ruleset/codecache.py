"""A cache of the compiled classifier code of the shipped rule sets.

A built-in set's classifier is Python source generated from its rules (engine/codegen.py);
compiling that source is the largest single cost of loading ``builtin:default`` in a fresh
process. The code object is stored with ``marshal`` beside the parsed files of
:mod:`reliable_rules.ruleset.doccache` (same directory, same version and code fingerprint in
its name), under the CRC-32 and length of the source.

Trust: the same as the parsed files (a directory and entry owned by the current user that
nobody else can write; ``RELIABLE_RULES_CACHE=0`` switches it off), and more, because this
entry is code: it is used only when it holds exactly the source being compiled and was
written by the same Python (``sys.hexversion`` and the implementation's cache tag), and its
bytes carry a CRC-32 that a truncated or damaged entry fails. Anything else is ignored and
the source is compiled (and the entry written) again.
"""

from __future__ import annotations

import marshal
import sys
import zlib
from types import CodeType

from reliable_rules.ruleset import doccache

__all__ = ["compiled"]

_FORMAT = 1
_TAG = (_FORMAT, sys.hexversion, sys.implementation.cache_tag)


def _key(source: str) -> str:
    data = source.encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}-{len(data)}.code"


def _load(raw: bytes, source: str, filename: str) -> CodeType | None:
    """The code object of a well-formed entry for exactly ``source``, else None."""
    if len(raw) < 4 or int.from_bytes(raw[:4], "big") != zlib.crc32(raw[4:]):
        return None
    try:
        payload = marshal.loads(raw[4:])
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(payload, tuple) or len(payload) != 6 or payload[:3] != _TAG:
        return None
    _, _, _, stored_filename, stored_source, code = payload
    if stored_filename != filename or stored_source != source or type(code) is not CodeType:
        return None
    return code


def compiled(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")``, from the cache when it holds this source."""
    directory = doccache.cache_dir()
    entry = None if directory is None else directory / _key(source)
    if entry is not None and doccache.private(entry.parent) and doccache.private(entry):
        try:
            code = _load(entry.read_bytes(), source, filename)
        except OSError:
            code = None
        if code is not None:
            return code
    code = compile(source, filename, "exec", dont_inherit=True)
    if entry is not None:
        payload = marshal.dumps((*_TAG, filename, source, code))
        doccache.store(
            entry, zlib.crc32(payload).to_bytes(4, "big") + payload, keep=doccache.ENTRIES_KEPT
        )
    return code
