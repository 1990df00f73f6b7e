"""Where each part of a rule file came from: positions of keys and values, without PyYAML.

The positional parser (yamlpos.py) builds these; the cache of the shipped rule files
(doccache.py) stores and restores them, so a process that loads a cached built-in set never
imports PyYAML.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reliable_rules.errors import Problem

__all__ = ["Path", "SourceMap", "YamlDocument", "decode", "iter_paths"]

# Keys are usually strings and list indexes ints, but YAML allows null, bool and float keys too;
# the path keeps the key exactly as constructed so schema errors about it can be located.
Path = tuple[Any, ...]


class SourceMap:
    """Positions (1-based line, column) of the values and keys of one YAML document.

    Internal, so a plain class: a dataclass costs every fresh process ~1 ms to create.
    """

    __slots__ = ("file", "keys", "rejected", "unreadable", "values")

    def __init__(
        self,
        file: str,
        values: dict[Path, tuple[int, int]] | None = None,
        keys: dict[Path, tuple[int, int]] | None = None,
        rejected: set[Path] | None = None,
        unreadable: set[Path] | None = None,
    ) -> None:
        self.file = file
        self.values: dict[Path, tuple[int, int]] = {} if values is None else values
        self.keys: dict[Path, tuple[int, int]] = {} if keys is None else keys
        # Every path that is, or contains, a node the schema rejected: such subtrees are
        # reported and then left alone by the compiler, which may assume schema-valid shapes.
        self.rejected: set[Path] = set() if rejected is None else rejected
        # Nodes YAML itself could not turn into data (unsupported tags): already reported, so
        # the schema's complaint about the resulting null would only repeat it.
        self.unreadable: set[Path] = set() if unreadable is None else unreadable

    def _fields(self) -> tuple[object, ...]:
        return (self.file, self.values, self.keys, self.rejected, self.unreadable)

    def __eq__(self, other: object) -> bool:
        # as the dataclass compared (the parse cache checks a round trip with it)
        if not isinstance(other, SourceMap) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable tables: unhashable, as before

    def __repr__(self) -> str:
        return f"SourceMap(file={self.file!r})"

    def reject(self, path: Path) -> None:
        """Mark ``path`` (and so each of its ancestors) as holding a schema problem."""
        for end in range(len(path) + 1):
            self.rejected.add(path[:end])

    def is_rejected(self, path: Path) -> bool:
        """Whether ``path`` holds a schema problem somewhere inside it."""
        return path in self.rejected

    def value(self, path: Path) -> tuple[int, int]:
        """Where the value at ``path`` starts, or the nearest enclosing value's position."""
        return self._nearest(self.values, path)

    def key(self, path: Path) -> tuple[int, int]:
        """Where the mapping key that ends ``path`` starts (falls back to the value)."""
        if path in self.keys:
            return self.keys[path]
        return self.value(path)

    def problem(self, path: Path, message: str, code: str, *, at_key: bool = False) -> Problem:
        """A problem pointing at ``path`` in this document."""
        line, column = self.key(path) if at_key else self.value(path)
        return Problem(self.file, line, column, message, code)

    @staticmethod
    def _nearest(table: dict[Path, tuple[int, int]], path: Path) -> tuple[int, int]:
        for end in range(len(path), -1, -1):
            found = table.get(path[:end])
            if found is not None:
                return found
        return (1, 1)


class YamlDocument:
    """The plain data of a document (dicts, lists, scalars) and where each part came from."""

    __slots__ = ("data", "source")

    def __init__(self, data: Any, source: SourceMap) -> None:
        self.data = data
        self.source = source



def decode(file: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    """Decode rule-file bytes as UTF-8 (a BOM is allowed), or say exactly where it fails."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        byte = raw[error.start]
        return None, [
            Problem(
                file,
                line,
                column,
                f"file is not valid UTF-8: byte 0x{byte:02x} at offset {error.start} "
                f"({error.reason}); save it as UTF-8",
                "encoding",
            )
        ]
    return text, []


def iter_paths(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) pair of a constructed document, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*path, index))
