"""Parse YAML once, keeping the line and column of every key and value.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two duplicate keys.
Here the document is *composed* into a node tree with the safe loader, then constructed by
hand so that every path (``("rules", 3, "when", "contains")``) maps back to its node, and so
that duplicate keys, merge keys, recursive aliases and alias bombs are reported instead of
accepted. Scalars are still typed by PyYAML's safe constructor (ints, bools, nulls, dates).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reliable_rules.errors import Problem

__all__ = ["Path", "SourceMap", "YamlDocument", "parse_yaml"]

# Keys are usually strings and list indexes ints, but YAML allows null, bool and float keys too;
# the path keeps the key exactly as constructed so schema errors about it can be located.
Path = tuple[Any, ...]

# Expanding aliases can turn a few lines into billions of nodes ("billion laughs"); nothing
# legitimate in a rule file comes near this many.
MAX_EXPANDED_NODES = 200_000
# Deeper than any sensible rule file, and shallow enough that validation and compilation never
# approach Python's recursion limit.
MAX_DEPTH = 48
_PLAIN_TAGS: dict[type[Node], str] = {
    MappingNode: "tag:yaml.org,2002:map",
    SequenceNode: "tag:yaml.org,2002:seq",
}
_MERGE_TAG = "tag:yaml.org,2002:merge"
# libyaml composes ~10x faster and reports the same marks; pure Python is the fallback.
_ComposeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Positions (1-based line, column) of the values and keys of one YAML document."""

    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # Every path that is, or contains, a node the schema rejected: such subtrees are reported
    # and then left alone by the compiler, which may assume schema-valid shapes.
    rejected: set[Path] = field(default_factory=set)
    # Nodes YAML itself could not turn into data (unsupported tags): already reported, so the
    # schema's complaint about the resulting null would only repeat it.
    unreadable: set[Path] = field(default_factory=set)

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


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The plain data of a document (dicts, lists, scalars) and where each part came from."""

    data: Any
    source: SourceMap


class _Lines:
    """1-based line and column of a character offset, counting line breaks as editors do.

    YAML 1.1 (PyYAML, libyaml) also breaks lines at U+0085, U+2028 and U+2029, so its own line
    numbers drift from what editors, ``grep -n`` and CI annotations show; only ``\n``, ``\r\n``
    and ``\r`` count here. Offsets past the end point at the end of the last line.
    """

    _BREAK = re.compile(r"\r\n|\r|\n")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = [0, *(match.end() for match in self._BREAK.finditer(text))]

    def at(self, index: int) -> tuple[int, int]:
        if (
            index >= len(self._text)
            and len(self._starts) > 1
            and self._starts[-1] == len(self._text)
        ):
            index = max(0, len(self._text) - 1)  # "unexpected end of stream": stay on a real line
        line = bisect.bisect_right(self._starts, index)
        return line, index - self._starts[line - 1] + 1


class _Builder:
    def __init__(self, file: str, lines: _Lines) -> None:
        self.source = SourceMap(file)
        self._lines = lines
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")
        self._active: set[int] = set()
        self._expanded = 0

    def pos(self, node: Node) -> tuple[int, int]:
        return self._lines.at(node.start_mark.index)

    def problem(self, node: Node, message: str, code: str) -> None:
        line, column = self.pos(node)
        self.problems.append(Problem(self.source.file, line, column, message, code))

    def build(self, node: Node, path: Path) -> Any:
        self._expanded += 1
        if self._expanded > MAX_EXPANDED_NODES:
            raise _Abort(
                node, f"document expands to more than {MAX_EXPANDED_NODES} nodes through aliases"
            )
        self.source.values.setdefault(path, self.pos(node))
        if len(path) > MAX_DEPTH:
            raise _Abort(node, f"the document nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
            if value is _UNREADABLE:
                self.source.unreadable.add(path)
                return None
            return value
        expected_tag = _PLAIN_TAGS.get(type(node))
        if expected_tag is not None and node.tag != expected_tag:
            self.problem(
                node, f"unsupported YAML tag {node.tag!r}: rule files hold plain data", "yaml-tag"
            )
            self.source.unreadable.add(path)
            return None
        if id(node) in self._active:
            raise _Abort(node, "recursive alias: a node contains itself")
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            self.problem(node, f"unsupported YAML node {type(node).__name__}", "yaml-syntax")
            return None
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            self.problem(node, f"cannot read value {node.value!r}: {_describe(error)}", "yaml-tag")
            return _UNREADABLE

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self.problem(
                    key_node,
                    "merge keys ('<<') are not supported in rule files; repeat the keys or use "
                    "a named condition",
                    "yaml-merge",
                )
                continue
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, "mapping keys must be plain scalars", "yaml-key")
                continue
            key = self._scalar(key_node)
            if key is _UNREADABLE:
                continue
            if not isinstance(key, str | int | bool | float) and key is not None:
                self.problem(
                    key_node, f"mapping key {key_node.value!r} is not a scalar", "yaml-key"
                )
                continue
            if key in first_seen:
                line, column = first_seen[key]
                self.problem(
                    key_node,
                    f"duplicate key {key!r} (first defined at line {line}, column {column}); "
                    "YAML would silently keep only the last one",
                    "duplicate-key",
                )
                continue
            first_seen[key] = self.pos(key_node)
            child: Path = (*path, key)
            self.source.keys[child] = self.pos(key_node)
            result[key] = self.build(value_node, child)
        return result


_UNREADABLE = object()


class _Abort(Exception):
    """An alias problem that makes the rest of the document meaningless to build."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _describe(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        parts = [part for part in (error.context, error.problem) if part]
        return "; ".join(parts) or "invalid YAML"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _yaml_error_problem(file: str, lines: _Lines, error: yaml.YAMLError) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        line, column = lines.at(error.problem_mark.index)
        return Problem(file, line, column, f"YAML syntax error: {_describe(error)}", "yaml-syntax")
    if isinstance(error, yaml.reader.ReaderError):
        line, column = lines.at(error.position)
        return Problem(
            file,
            line,
            column,
            f"YAML cannot contain character U+{error.character:04X} ({error.reason})"
            if isinstance(error.character, int)
            else f"YAML cannot read this file: {error.reason}",
            "yaml-syntax",
        )
    return Problem(file, 1, 1, f"YAML syntax error: {_describe(error)}", "yaml-syntax")


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


def parse_yaml(file: str, text: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML document with positions; every problem found is returned, none raised."""
    lines = _Lines(text)
    try:
        loader = _ComposeLoader(text)
    except yaml.YAMLError as error:  # the reader rejects control characters up front
        return None, [_yaml_error_problem(file, lines, error)]
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as error:
        return None, [_yaml_error_problem(file, lines, error)]
    except RecursionError:
        return None, [Problem(file, 1, 1, "YAML document is nested too deeply", "yaml-syntax")]
    finally:
        loader.dispose()
    if root is None:
        return None, [
            Problem(file, 1, 1, "the file is empty: expected a rule set mapping", "empty")
        ]
    builder = _Builder(file, lines)
    try:
        data = builder.build(root, ())
    except _Abort as error:
        line, column = builder.pos(error.node)
        return None, [Problem(file, line, column, error.message, "yaml-alias")]
    except RecursionError:
        return None, [Problem(file, 1, 1, "YAML document is nested too deeply", "yaml-syntax")]
    return YamlDocument(data, builder.source), builder.problems


def iter_paths(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) pair of a constructed document, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*path, index))
