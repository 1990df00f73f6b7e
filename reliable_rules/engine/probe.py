"""The per-call probe the matchers read, and the JSON and number helpers they share.

A :class:`Probe` is built once per classification; everything costly it offers (the digit
runs, the embedded JSON document, the regex prefilter's answer) is computed at most once, on
first use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from reliable_rules.engine.rarity import WORD
from reliable_rules.engine.regex_literals import gates_hold
from reliable_rules.engine.regex_safety import REGEX_BUDGET_MS
from reliable_rules.failure import Failure

__all__ = [
    "GATE_MAX_TEXT",
    "JSON_WALK_MAX_DEPTH",
    "JSON_WALK_MAX_NODES",
    "REGEX_BUDGET_S",
    "WORD",
    "Probe",
    "find_keys",
    "parse_number",
    "resolve_path",
    "words",
]

#: Longer texts are not prefiltered by RE2 (see ``prefilter.py``).
GATE_MAX_TEXT = 65_536
#: The default regex budget of one classification, in seconds (see ``regex_safety``).
REGEX_BUDGET_S = REGEX_BUDGET_MS / 1000
_DIGIT_RUNS = re.compile(r"[0-9]+")
_JSON_START = re.compile(r"[\[{]")
_MAX_JSON_PROBES = 8
_MISSING = object()
#: ``json: {key: ...}`` looks at most this deep and at this many values of the document.
JSON_WALK_MAX_DEPTH = 32
JSON_WALK_MAX_NODES = 10_000
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class Probe:
    """Everything the matchers of one classification look at, computed at most once.

    ``found`` is the set of rule literals present in the lowercased text when the classifier
    scanned for them (large rule sets), or None when matchers should search the text directly
    (small rule sets, where a few substring tests are cheaper than any scan).
    """

    __slots__ = (
        "_data", "_digits", "_json", "_wide", "failure", "found", "lower", "prefilter",
        "regex_left_s", "regex_skipped", "status", "text",
    )  # fmt: skip

    def __init__(
        self,
        failure: Failure,
        text: str,
        lower: str,
        found: set[str] | None,
        prefilter: Callable[[str, int], Any] | None = None,
    ) -> None:
        # The regex time budget of this classification: what timed searches may still spend,
        # and the rules whose searches were skipped once it ran out.
        self.regex_left_s = REGEX_BUDGET_S
        self.regex_skipped: list[str] | None = None
        self.failure = failure
        self.text = text
        self.lower = lower
        self.found = found
        self.status = failure.status
        self._digits: list[int | None] | None = None
        self._json: Any = _MISSING
        # Builds the RE2 prefilter of a regex (prefilter.compile_gate) when the accelerator is
        # on; what the prefilters read is made once, at the first regex search.
        self.prefilter = prefilter
        self._data: Any = _MISSING
        self._wide: Any = _MISSING

    def gate_data(self) -> bytes | None:
        """The text as the regex prefilters read it (None: not prefiltered)."""
        data = self._data
        if data is _MISSING:
            text = self.text
            data = self._data = (
                text.encode("ascii") if len(text) <= GATE_MAX_TEXT and text.isascii() else None
            )
        return data  # type: ignore[no-any-return]

    def wide_data(self) -> bytes | None:
        """A text that is not ASCII as the wide prefilters read it (``Re2Gate.refuses_wide``):
        its UTF-8 bytes, or None when it is long, holds a letter of ``FOLDS_TO_ASCII`` or a
        lone surrogate (no UTF-8), or is ASCII (``gate_data`` serves it)."""
        data = self._wide
        if data is _MISSING:
            text = self.text
            data = None
            if len(text) <= GATE_MAX_TEXT and not text.isascii() and gates_hold(text):
                try:
                    data = text.encode("utf-8")
                except UnicodeEncodeError:
                    data = None
            self._wide = data
        return data  # type: ignore[no-any-return]

    @property
    def headers(self) -> Mapping[str, str]:
        """Response headers, lowercased names."""
        return self.failure.headers

    def digit_runs(self) -> list[int | None]:
        """Values of the maximal runs of ASCII digits, in order (None: too large to matter)."""
        if self._digits is None:
            # Leading zeros count for nothing ("0429" is 429); a run with more than six
            # significant digits is beyond any status or code a rule can name.
            runs = (run.lstrip("0") for run in _DIGIT_RUNS.findall(self.text))
            self._digits = [int(run or "0") if len(run) <= 6 else None for run in runs]
        return self._digits

    def json(self) -> Any:
        """The JSON body, else the first JSON object or array embedded in the text, else None."""
        if self._json is _MISSING:
            self._json = _find_json(self.failure.body, self.text)
        return self._json


def _find_json(body: str | None, text: str) -> Any:
    import json  # noqa: PLC0415 — on first use: loading a shipped set never needs json
    decoder = json.JSONDecoder()
    for candidate in (body, text):
        if not candidate:
            continue
        stripped = candidate.strip()
        if stripped[:1] in ("{", "["):
            try:
                return json.loads(stripped)
            except (ValueError, RecursionError):
                pass
        for count, match in enumerate(_JSON_START.finditer(candidate)):
            if count >= _MAX_JSON_PROBES:
                break
            try:
                value, _ = decoder.raw_decode(candidate, match.start())
            except (ValueError, RecursionError):
                continue
            if isinstance(value, dict | list) and value:
                return value
    return None


def resolve_path(document: Any, segments: tuple[str, ...]) -> list[Any]:
    """Values at a dotted path; ``*`` fans out over list items and mapping values."""
    current = [document]
    for segment in segments:
        following: list[Any] = []
        for value in current:
            if isinstance(value, dict):
                if segment == "*":
                    following.extend(value.values())
                elif segment in value:
                    following.append(value[segment])
            elif isinstance(value, list):
                if segment == "*":
                    following.extend(value)
                elif segment.isdigit() and int(segment) < len(value):
                    following.append(value[int(segment)])
        current = following
        if not current:
            break
    return current


def words(text: str) -> list[str]:
    """The words of ``text``: maximal runs of Unicode letters and digits, in order."""
    return WORD.findall(text)


def find_keys(document: Any, keys: frozenset[str]) -> list[Any]:
    """Values of every object member named one of ``keys``, at any depth (arrays included).

    The walk is bounded: it visits at most :data:`JSON_WALK_MAX_NODES` values and goes at
    most :data:`JSON_WALK_MAX_DEPTH` containers deep, so a hostile document costs little.
    """
    found: list[Any] = []
    stack: list[tuple[Any, int]] = [(document, 0)]
    budget = JSON_WALK_MAX_NODES
    while stack and budget > 0:
        value, depth = stack.pop()
        budget -= 1
        if isinstance(value, dict):
            for name, member in value.items():
                if name in keys:
                    found.append(member)
                if depth < JSON_WALK_MAX_DEPTH and isinstance(member, dict | list):
                    stack.append((member, depth + 1))
        elif isinstance(value, list) and depth < JSON_WALK_MAX_DEPTH:
            stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return found


def parse_number(value: Any) -> float | None:
    """A JSON number, or a string that is a plain decimal number after stripping white space."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 64 or not _NUMBER.fullmatch(value):
            return None
    elif not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None
