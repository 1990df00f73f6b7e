"""A cache of the loaded built-in rule sets, whole: a fresh process skips parsing, layering,
compiling and indexing ``builtin:NAME``.

Loading ``builtin:default`` from its parsed files (:mod:`doccache`) and compiled code
(:mod:`codecache`) still builds every node, rule, test case, gate and the literal automaton:
most of what a fresh process spends on ``load_rules()``. The finished :class:`RuleSet` is
stored as one entry beside those caches (``state-VERSION/`` under the directory of
:mod:`cachefiles`), and the next process reads it back instead.

An entry is read by parts (:mod:`lazyparts`, :func:`_encode`): one pickle of what classifying
needs (the verdicts, masks and Retry-After functions: a few objects per rule), then one pickle
per part decoded on first use: the set's ``rules`` and their test cases
(``RuleSet.__getattr__``), the classifier's condition trees, literal table, gate index and
literal sets (``StoredClassifier.__getattr__``), and each rule's matcher, decoded the first
time the rule's gate holds (``LazyMatcher``). A load costs a few objects per rule, and the
cycle collector (at every collection, and at exit) walks only the parts in use.

Each part carries its own CRC-32, and a part is checked when it is read, not before: a warm
load checks the entry's key and tables, its first pickle and the parts that share that
pickle's objects (the rules: about an eighth of the entry), and leaves the rest (the literal
table, the gate index, the bounded-key checks and every rule's matcher, tens of megabytes for
builtin:default) unread until they are used. A part found damaged when it is first decoded is
replaced by the same part of the set built again from its files (built once, in this process),
and the damaged entry is removed, so the next process writes a good one: a damaged entry
costs a rebuild, never a wrong decision or an exception while classifying.

An entry is named by the set's name and a digest of everything its contents depend on: the
package version, this Python (``sys.hexversion`` and its cache tag), the size and mtime of
every module that builds a set (the package's top level, ``engine/``, ``ruleset/``), whether
the accelerators are installed or switched off, the size and mtime of every shipped rule file,
and the layout of the classes it stores (:mod:`statelayout`). The entry
repeats that key in full and carries a CRC-32 of its key and part table, and the table one of
each pickle; an entry that does not match, does not decode, is not a rule set of that name, or
whose set has another shape than this code builds (:func:`statelayout.mismatch`) is ignored,
and the set is built (and the entry written) again; a set of another shape is never written.

Trust: unlike ``marshal`` data, a pickle can run code when it is loaded, so these entries are
held to the rules of the code entries (:mod:`codecache`): read only from a directory and file
owned by the current user and writable by nobody else (never through a symlink); written only
by loads of ``builtin:NAME``; ``RELIABLE_RULES_CACHE=0`` switches them off. Loading also only
resolves classes and functions of this package and a few named others (``_FOREIGN``).

What cannot be pickled as it stands is written as what rebuilds it: generated classifier
functions and the closures of ``value_test`` as their code (``marshal``) and namespace,
read-only mappings as their contents, the "not built yet" sentinels and module namespaces by
name. RE2 objects are never stored (the prefilters build at their first use), and nothing is
stored after a set was used: ``load_rules`` writes the entry before returning the set.
"""

from __future__ import annotations

# the C module itself: pickle.py adds imports (struct, _compat_pickle) a warm load never uses
import _pickle as pickle
import contextlib
import gc
import importlib
import io
import logging
import marshal
import mmap
import os
import sys
import threading
import zlib
from importlib.util import find_spec as find
from types import CellType, CodeType, FunctionType, MappingProxyType, ModuleType
from typing import Any

from reliable_rules._version import __version__
from reliable_rules.ruleset.cachefiles import base_dir, private, store
from reliable_rules.ruleset.resources import rules_path
from reliable_rules.ruleset.statelayout import FIELD_NAMES, field_names, mismatch
from reliable_rules.ruleset.statelayout import digest as layout_digest

__all__ = ["ENTRIES_KEPT", "directory", "load", "save"]

logger = logging.getLogger("reliable_rules")

# 2: the rules, the classifier's rules and each rule's matcher are parts of their own
# 3: a CRC-32 per pickle, each part checked when it is first decoded
_FORMAT = 3
_PROTOCOL = 5
_SHARED_PROTOCOL = 3
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Objects whose identity matters (``x is _UNBUILT``): stored by name, never copied.
_SENTINELS = (
    ("reliable_rules.engine.nodes", "_UNBUILT"),
    ("reliable_rules.engine.prefilter", "_UNBUILT"),
)
# Globals an entry may name outside this package (anything else is refused).
_FOREIGN = frozenset(
    {
        ("builtins", "getattr"),
        ("builtins", "bool"),
        ("builtins", "float"),
        ("builtins", "int"),
        ("builtins", "frozenset"),
        ("builtins", "set"),
        ("re", "_compile"),
        # a compiled `regex` pattern (the shipped sets defer theirs: none is stored today)
        ("regex._regex", "compile"),
        ("ahocorasick", "Automaton"),
    }
)
_MODULES = ("reliable_rules", "ahocorasick", "re2")


# The code that builds a set and defines what it holds: the package's top-level modules (the
# vocabulary), the engine and this package, which import nothing else of reliable_rules
# (tests/integration/test_architecture.py keeps it so).
_CODE_DIRS = ("", "engine", "ruleset")


def _code_fingerprint() -> list[str]:
    """The size and mtime of every module that builds a set (an edited checkout's change)."""
    parts = []
    for sub in _CODE_DIRS:
        folder = os.path.join(_PACKAGE, sub)
        try:
            with os.scandir(folder) as listing:
                names = sorted(item.name for item in listing if item.name.endswith(".py"))
        except OSError:
            continue
        for name in names:
            info = os.stat(os.path.join(folder, name))
            parts.append(f"{sub}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return parts


def _rule_files(rules: str) -> list[str]:
    """The size and mtime of every shipped rule file (the sets extend one another), as for the
    modules and as Python's own bytecode cache checks its sources: reading the files' bytes
    for a digest would cost a fresh process more than the rest of its load (5 MB for
    builtin:default), and an edit changes the mtime."""
    parts = []
    for directory, subdirectories, files in os.walk(rules):
        subdirectories.sort()
        for name in sorted(files):
            info = os.stat(os.path.join(directory, name))
            parts.append(f"{directory[len(rules) :]}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return parts


def _accelerators() -> list[str]:
    """The accelerator switch, and which build of each accelerator is installed (an entry
    holds a pickled automaton: another pyahocorasick must not read it)."""
    parts = [os.environ.get("RELIABLE_RULES_ACCELERATOR", "1")]
    for name in ("ahocorasick", "daachorse", "re2"):
        spec = find(name)
        origin = None if spec is None else spec.origin
        if origin is None:
            parts.append(f"{name}:-")
        else:
            info = os.stat(origin)
            parts.append(f"{name}:{origin}:{info.st_size}:{info.st_mtime_ns}")
    return parts


def _rules_root() -> str:
    return rules_path()


def _key(reference: str) -> tuple[str, str] | None:
    """(entry file name, full key) for ``reference``, or None when it cannot be keyed."""
    try:
        parts = [
            str(_FORMAT),
            __version__,
            f"{sys.hexversion}:{sys.implementation.cache_tag}",
            reference,
            layout_digest(),
            *_accelerators(),
            *_code_fingerprint(),
            *_rule_files(_rules_root()),
        ]
    except (OSError, ValueError):
        return None
    key = "\n".join(parts)
    name = reference.removeprefix("builtin:")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:64]
    return f"state-{safe}-{zlib.crc32(key.encode('utf-8', 'surrogatepass')):08x}.pickle", key


def _function(
    code: CodeType,
    namespace: dict[str, Any],
    name: str,
    defaults: tuple[Any, ...] | None,
    cells: tuple[Any, ...] | None,
) -> FunctionType:
    closure = None if cells is None else tuple(CellType(value) for value in cells)
    return FunctionType(code, namespace, name, defaults, closure)


def _code(raw: bytes) -> CodeType:
    code = marshal.loads(raw)
    if type(code) is not CodeType:
        raise pickle.UnpicklingError("not code")
    return code


def _proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _frozen(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> object:
    """A frozen dataclass instance from its field values (``dataclasses``' own
    ``__setstate__`` looks the fields up again for every object: most of a warm load)."""
    if names is not FIELD_NAMES.get(cls) and names != field_names(cls):
        raise pickle.UnpicklingError(f"{cls.__qualname__}: stored fields are not the class's")
    instance: Any = object.__new__(cls)
    setter = object.__setattr__
    for name, value in zip(names, values, strict=True):
        setter(instance, name, value)
    return instance


def _ruleset(cls: type, state: dict[str, Any]) -> object:
    # ``_pending_rules``: a Part, decoded by model.RuleSet
    instance: Any = object.__new__(cls)
    instance.__dict__.update(state)
    return instance


def _classifier() -> object:
    """A stored classifier, its state set by ``__setstate__`` (its verdicts refer to it)."""
    from reliable_rules.ruleset.lazyparts import StoredClassifier  # noqa: PLC0415 — see above

    return object.__new__(StoredClassifier)


def _global_names(code: CodeType) -> set[str]:
    """The global names ``code`` (and any code nested in it) may read."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if type(constant) is CodeType:
            names |= _global_names(constant)
    return names


class _Later:
    """Stands in the first pickle for a part pickled after it (see :func:`_encode`)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _encode(obj: object) -> bytes:
    """``obj`` as one pickle of what it needs at once and one pickle per part it decodes later.

    The parts (:mod:`lazyparts`): a rule set's rules, a classifier's rules and each rule's
    matcher. The first pickle holds a persistent id for each part (:class:`_Later`); the
    parts follow it, in order. A part that refers to objects of the first pickle (a rule's
    category, a verdict's classifier) is pickled with the first pickle's memo, so it reads them
    back by their index instead of copying them; a matcher refers to none and stands alone.
    Layout: the length of the marshalled table, the table (the first pickle's end and CRC-32,
    then (start, end, shared, CRC-32) per part, offsets from the start of the first pickle),
    the first pickle, the parts.
    """
    stream = io.BytesIO()
    first = _FirstPickler(stream)
    first.dump(obj)
    first_end = stream.tell()
    table = []
    for part, shared in first.later:
        start = stream.tell()
        # A shared part is written with protocol 3, whose memo opcodes name their index: the C
        # unpickler given a memo (``Unpickler.memo = ...``) numbers the implicit ones of
        # protocol 4 from 0 again, over the first pickle's objects.
        pickler = _Pickler(stream, _SHARED_PROTOCOL if shared else _PROTOCOL)
        if shared:
            pickler.memo = first.memo
        pickler.dump(part)
        table.append((start, stream.tell(), shared))
    data = stream.getbuffer()
    head = marshal.dumps(
        (
            first_end,
            _crc(data, 0, first_end),
            tuple((start, end, shared, _crc(data, start, end)) for start, end, shared in table),
        )
    )
    del data  # a buffer exported from the stream keeps it from being read out
    return len(head).to_bytes(4, "big") + head + stream.getvalue()


def _crc(raw: bytes | mmap.mmap | memoryview, start: int, end: int) -> int:
    """The CRC-32 of ``raw[start:end]``, read in place (no copy of a part)."""
    with memoryview(raw) as view, view[start:end] as span:
        return zlib.crc32(span)



class _Stored:
    """The bytes of one entry read back, for its parts decoded later."""

    __slots__ = ("_fresh", "checks", "entry", "memo", "raw", "reference", "table")

    def __init__(
        self,
        raw: bytes | mmap.mmap,
        table: tuple[int, ...],
        checks: dict[int, tuple[int, int]],
        *,
        reference: str | None,
        entry: str | None,
    ) -> None:
        self.raw = raw
        #: per part: where its pickle starts in ``raw``, times 2, plus 1 when it is shared
        self.table = table
        #: the parts not checked yet, by their ``table`` value: (end, CRC-32)
        self.checks = checks
        self.memo: Any = None  # the first pickle's memo (an UnpicklerMemoProxy), once read
        self.reference = reference  # the set's ``builtin:NAME``, to build it again
        self.entry = entry  # the entry's file, removed when a part of it is found damaged
        self._fresh: Any = None

    def decode(self, start: int) -> Any:
        """The part at ``start // 2`` (with the first pickle's memo when ``start`` is odd).

        Raises:
            lazyparts._DamagedPart: its bytes do not match their CRC-32.
        """
        check = self.checks.get(start)
        if check is not None:
            if _crc(self.raw, start >> 1, check[0]) != check[1]:
                from reliable_rules.ruleset.lazyparts import _DamagedPart  # noqa: PLC0415 — see above

                raise _DamagedPart(f"part at {start >> 1} of the stored {self.reference}")
            self.checks.pop(start, None)
        return _unpickle(self.raw, start >> 1, memo=self.memo if start & 1 else None)

    def rebuilt(self) -> Any:
        """The set built again from its files, once (a part of the entry was damaged); the
        entry is removed so the next process stores a good one."""
        with _rebuild_lock:
            if self._fresh is None:
                if self.reference is None:
                    from reliable_rules.ruleset.lazyparts import _DamagedPart  # noqa: PLC0415

                    raise _DamagedPart("a damaged part of an entry read without its set's name")
                logger.warning(
                    "reliable_rules: the cached rule set %s is damaged; building it again",
                    self.reference,
                )
                if self.entry is not None:
                    with contextlib.suppress(OSError):
                        os.remove(self.entry)
                from reliable_rules.ruleset.layering import build  # noqa: PLC0415 — rarely

                self._fresh = build(self.reference, ())
            return self._fresh


_rebuild_lock = threading.Lock()


def _decode(
    raw: bytes | mmap.mmap,
    start: int = 0,
    *,
    reference: str | None = None,
    entry: str | None = None,
) -> Any:
    """What :func:`_encode` encoded, from ``raw[start:]``; its parts decode when first used.

    The first pickle and the parts that share its objects are checked against their CRC-32
    now; every other part when it is first decoded (:meth:`_Stored.decode`)."""
    size = int.from_bytes(raw[start : start + 4], "big")
    head = marshal.loads(raw[start + 4 : start + 4 + size])
    base = start + 4 + size
    if type(head) is not tuple or len(head) != 3 or type(head[2]) is not tuple:
        raise pickle.UnpicklingError("bad part table")
    first_end, first_crc, parts = head
    if not base + first_end <= len(raw) or _crc(raw, base, base + first_end) != first_crc:
        raise pickle.UnpicklingError("the first pickle does not match its CRC-32")
    table = []
    checks = {}
    for begin, end, shared, crc in parts:
        if not first_end <= begin <= end <= len(raw) - base:
            raise pickle.UnpicklingError("a part outside the entry")
        position = (base + begin) << 1 | (shared is True)
        if shared is True:
            # a shared part is decoded with the first pickle's memo: the objects it refers to
            # are this load's, so it is checked now (a damaged one cannot be swapped later)
            if _crc(raw, base + begin, base + end) != crc:
                raise pickle.UnpicklingError("a shared part does not match its CRC-32")
        else:
            checks[position] = (base + end, crc)
        table.append(position)
    stored = _Stored(raw, tuple(table), checks, reference=reference, entry=entry)
    return _unpickle(raw, base, stored=stored)


class _Pickler(pickle.Pickler):
    def __init__(self, stream: io.BytesIO, protocol: int = _PROTOCOL) -> None:
        super().__init__(stream, protocol=protocol)
        from reliable_rules.engine.classifier import Classifier  # noqa: PLC0415 — see below
        from reliable_rules.ruleset.lazyparts import (  # noqa: PLC0415 — see above
            LAZY_ATTRIBUTES,
            SHARED_ATTRIBUTES,
            StoredClassifier,
        )
        from reliable_rules.ruleset.model import RuleSet  # noqa: PLC0415 — no cycle at import

        self._ruleset = RuleSet
        self._classifier = Classifier
        self._stored = StoredClassifier
        self._lazy = LAZY_ATTRIBUTES
        self._shared = SHARED_ATTRIBUTES
        self._sentinels = {
            id(getattr(sys.modules[module], name)): (module, name)
            for module, name in _SENTINELS
            if module in sys.modules
        }
        self._namespaces = {
            id(module.__dict__): name
            for name, module in list(sys.modules.items())
            if isinstance(module, ModuleType) and name.partition(".")[0] in _MODULES
        }

    def reducer_override(self, obj: Any) -> Any:
        # Called for objects of other types than the built-in containers and atoms (which the
        # C pickler writes itself): no per-object Python call for most of a set.
        kind = type(obj)
        if kind is FunctionType:
            if obj.__module__ is not None and "<" not in obj.__qualname__:
                return NotImplemented  # an importable function: by reference
            cells = (
                None
                if obj.__closure__ is None
                else tuple(cell.cell_contents for cell in obj.__closure__)
            )
            namespace = obj.__globals__
            module = self._namespaces.get(id(namespace))
            if module is not None:
                namespace = _ModuleGlobals(module)  # a closure of a module: its own globals
            elif "__builtins__" in namespace:
                raise pickle.PicklingError("generated code's namespace holds the builtins")
            return _function, (obj.__code__, namespace, obj.__name__, obj.__defaults__, cells)
        if kind is object:
            sentinel = self._sentinels.get(id(obj))
            if sentinel is None:
                raise pickle.PicklingError("an anonymous sentinel cannot keep its identity")
            return _sentinel, sentinel
        if kind is ModuleType:
            return _namespace, (obj.__name__, False)
        if kind is CodeType:
            return _code, (marshal.dumps(obj),)
        if kind is self._ruleset or kind is self._stored:
            raise pickle.PicklingError("a rule set is stored as the first pickle's")
        if kind is MappingProxyType:
            return _proxy, (dict(obj),)
        params = getattr(kind, "__dataclass_params__", None)
        if params is not None and params.frozen and "__slots__" in kind.__dict__:
            names = field_names(kind)
            return _frozen, (kind, names, tuple(getattr(obj, name) for name in names))
        return NotImplemented


def _module(name: str) -> ModuleType:
    if name.partition(".")[0] not in _MODULES:
        raise pickle.UnpicklingError(f"module {name} is not allowed here")
    module = sys.modules.get(name)
    return module if module is not None else importlib.import_module(name)


def _namespace(name: str, globals_: bool = True) -> Any:
    """A module's globals (where a closure of that module runs), or the module itself."""
    module = _module(name)
    return module.__dict__ if globals_ else module


class _FirstPickler(_Pickler):
    """The first pickle of an entry: a rule set and its classifier, their parts left for
    later (:func:`_encode`)."""

    def __init__(self, stream: io.BytesIO) -> None:
        super().__init__(stream)
        #: (object, shared) of every part, in the order of their persistent ids
        self.later: list[tuple[object, bool]] = []

    def persistent_id(self, obj: Any) -> int | None:
        return obj.index if type(obj) is _Later else None

    def _part(self, obj: object, *, shared: bool) -> _Later:
        self.later.append((obj, shared))
        return _Later(len(self.later) - 1)

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is self._ruleset:
            state = dict(obj.__dict__)
            rules = state.pop("rules", None)
            if rules is None:
                raise pickle.PicklingError("a rule set read back is not stored again")
            state["_pending_rules"] = self._part(rules, shared=True)
            return _ruleset, (kind, state)
        if kind is self._stored:
            raise pickle.PicklingError("a classifier read back is not stored again")
        if kind is self._classifier:
            state = dict(obj.__dict__)
            if "_pending" in state:
                raise pickle.PicklingError("a classifier has an attribute named _pending")
            pending: dict[str, tuple[tuple[str, ...], _Later]] = {}
            for names in self._lazy:
                if all(name in state for name in names):
                    part = self._part(
                        tuple(state.pop(name) for name in names),
                        shared=not self._shared.isdisjoint(names),
                    )
                    pending.update((name, (names, part)) for name in names)
            state["_pending"] = pending
            functions = state.get("_matchers")
            if type(functions) is tuple:
                state["_matchers"] = tuple(
                    self._part(self._alone(function), shared=False)
                    if type(function) is FunctionType
                    else function
                    for function in functions
                )
            return _classifier, (), state
        return super().reducer_override(obj)

    def _alone(self, function: FunctionType) -> FunctionType:
        """``function`` with a namespace of only the names it reads (a generated matcher's
        namespace holds every rule's constants: each part stores its own), unless it runs in
        a module's namespace (stored by name)."""
        namespace = function.__globals__
        if id(namespace) in self._namespaces:
            return function
        names = _global_names(function.__code__)
        own = {name: value for name, value in namespace.items() if name in names}
        return FunctionType(
            function.__code__, own, function.__name__, function.__defaults__, function.__closure__
        )


class _ModuleGlobals:
    """Stands for a module's globals in a stored function (never its contents)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self) -> tuple[Any, ...]:
        return _namespace, (self.name,)


def _sentinel(module: str, name: str) -> object:
    if (module, name) not in _SENTINELS:
        raise pickle.UnpicklingError(f"{module}.{name} is not a sentinel")
    return getattr(_module(module), name)


class _Unpickler(pickle.Unpickler):
    def __init__(self, stream: io.BytesIO, stored: _Stored | None) -> None:
        super().__init__(stream)
        self._stored = stored

    def persistent_load(self, pid: Any) -> Any:
        # Only the first pickle of an entry holds persistent ids: its parts' indices.
        stored = self._stored
        if stored is None or type(pid) is not int or not 0 <= pid < len(stored.table):
            raise pickle.UnpicklingError("unknown persistent id")
        from reliable_rules.ruleset.lazyparts import Part  # noqa: PLC0415 — imported already

        return Part(stored, stored.table[pid])

    def find_class(self, module: str, name: str) -> Any:
        if module.partition(".")[0] != "reliable_rules" and (module, name) not in _FOREIGN:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")
        return super().find_class(module, name)


# POSIX keeps a mapping of a file valid after another file is renamed over it (Windows refuses
# the rename while a mapping is open, which would stop other processes' writes).
_MAPS = os.name == "posix"


class _MappedReader:
    """A file-like reader of a mapped entry from ``start``, with a position of its own: each
    decode reads its part through its own reader (parts decode on any thread), and reading
    copies only the frames the unpickler asks for, not the whole entry."""

    __slots__ = ("_data", "_position")

    def __init__(self, data: mmap.mmap, start: int) -> None:
        self._data = data
        self._position = start

    def read(self, size: int = -1) -> bytes:
        start = self._position
        end = len(self._data) if size < 0 else min(start + size, len(self._data))
        self._position = end
        return self._data[start:end]

    def readline(self) -> bytes:
        start = self._position
        found = self._data.find(b"\n", start)
        end = len(self._data) if found < 0 else found + 1
        self._position = end
        return self._data[start:end]


def _mapped(stream: Any) -> bytes | mmap.mmap:
    """The entry open as ``stream``, mapped read-only where POSIX keeps a mapping valid when the
    file is replaced (the writer renames a new file into place, never rewrites one), else read:
    a warm load decodes about an eighth of the entry (its first pickle) and a mapping reads
    only the pages touched (the parts checked and decoded), not a copy of all of it."""
    if _MAPS:
        with contextlib.suppress(OSError, ValueError):  # an empty file cannot be mapped
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    raw: bytes = stream.read()
    return raw


def _unpickle(
    raw: bytes | mmap.mmap, start: int = 0, *, stored: _Stored | None = None, memo: Any = None
) -> Any:
    # Thousands of new containers would run the cycle collector a few times over (a third of
    # the time), for no garbage: none is made here.
    if isinstance(raw, bytes):
        stream: Any = io.BytesIO(raw)  # shares ``raw``'s buffer: no copy of a megabyte or two
        stream.seek(start)
    else:
        stream = _MappedReader(raw, start)
    collecting = gc.isenabled()
    gc.disable()
    try:
        unpickler = _Unpickler(stream, stored)
        if memo is not None:
            unpickler.memo = memo
        loaded = unpickler.load()
        if stored is not None:
            stored.memo = unpickler.memo
        return loaded
    finally:
        if collecting:
            gc.enable()


#: Entries of one set a state directory keeps, the most recently written: each install of the
#: same version (another Python, the accelerators on or off, edited rule files) has its own.
ENTRIES_KEPT = 3


def directory() -> str | None:
    """Where this version's entries live, or None when caching is off."""
    base = base_dir()
    return None if base is None else os.path.join(base, f"state-{__version__}")


def load(reference: str) -> Any:
    """The cached rule set ``reference`` (``builtin:NAME``), or None."""
    folder = directory()
    keyed = None if folder is None else _key(reference)
    if folder is None or keyed is None:
        return None
    entry = os.path.join(folder, keyed[0])
    if not private(folder) or not private(entry):
        return None
    try:
        with open(entry, "rb") as stream:
            raw = _mapped(stream)
        if len(raw) < 12:
            return None
        size = int.from_bytes(raw[4:8], "big")
        # the CRC-32 up front covers the key and the part table; the table holds the pickles'
        checked = 12 + size + int.from_bytes(raw[8 + size : 12 + size], "big")
        if checked > len(raw) or int.from_bytes(raw[:4], "big") != _crc(raw, 4, checked):
            return None
        header = marshal.loads(raw[8 : 8 + size])
        if header != (_FORMAT, keyed[1]):
            return None
        ruleset = _decode(raw, 8 + size, reference=reference, entry=entry)
    except Exception:  # a damaged or foreign entry means: build it again
        logger.debug("reliable_rules: cached rule set %s not used", reference, exc_info=True)
        return None
    from reliable_rules.ruleset.model import RuleSet  # noqa: PLC0415 — imported by the entry

    if type(ruleset) is not RuleSet or ruleset.source != reference:
        return None
    wrong = mismatch(ruleset)
    if wrong is not None:
        logger.debug("reliable_rules: cached rule set %s not used: %s", reference, wrong)
        return None
    return ruleset


def _sealed(key: str, body: bytes) -> bytes:
    """An entry's bytes: the CRC-32 of its key and part table, the key, then ``body``
    (:func:`_encode`'s: the table, which holds each pickle's CRC-32, and the pickles)."""
    header = marshal.dumps((_FORMAT, key))
    payload = len(header).to_bytes(4, "big") + header + body
    checked = len(header) + 8 + int.from_bytes(body[:4], "big")
    return _crc(payload, 0, checked).to_bytes(4, "big") + payload


def save(reference: str, ruleset: Any) -> None:
    """Store ``ruleset`` (just built from ``reference``, never used yet); never raises."""
    folder = directory()
    keyed = None if folder is None else _key(reference)
    if folder is None or keyed is None:
        return
    wrong = mismatch(ruleset)
    if wrong is not None:
        logger.debug("reliable_rules: rule set %s not cached: %s", reference, wrong)
        return
    try:
        body = _encode(ruleset)
    except Exception as error:  # noqa: BLE001 — an object that cannot be stored: no entry
        logger.debug("reliable_rules: rule set %s not cached: %s", reference, error)
        return
    with contextlib.suppress(Exception):
        store(
            os.path.join(folder, keyed[0]),
            _sealed(keyed[1], body),
            group=keyed[0].rsplit("-", 1)[0] + "-",
            keep=ENTRIES_KEPT,
        )
