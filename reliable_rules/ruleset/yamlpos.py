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
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reliable_rules.errors import Problem
from reliable_rules.ruleset.sourcemap import Path, SourceMap, YamlDocument, decode, iter_paths

# Path, SourceMap, YamlDocument, decode and iter_paths live in sourcemap.py (no PyYAML there:
# loading a cached built-in set never imports it); re-exported here for existing callers.
__all__ = ["Path", "SourceMap", "YamlDocument", "decode", "iter_paths", "parse_yaml"]


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
