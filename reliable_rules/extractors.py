"""Compiled Retry-After sources (``retry_after:`` in a rule file), tried in order."""

from __future__ import annotations

import logging

import regex

from .matchers import REGEX_TIMEOUT_S, Probe, resolve_path
from .retry_after import parse_duration_ms, parse_seed_number_ms

__all__ = ["Extractor", "HeaderSource", "JsonSource", "PrefixSource", "RegexSource"]

logger = logging.getLogger("reliable_rules")

_SCALE = {"s": 10**9, "ms": 10**6, "auto": 10**9}


class Extractor:
    """One place a wait time can come from."""

    __slots__ = ("unit",)
    unit: str

    def extract(self, probe: Probe) -> int | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class HeaderSource(Extractor):
    __slots__ = ("name",)

    def __init__(self, name: str, unit: str) -> None:
        self.name = name.lower()
        self.unit = unit

    def extract(self, probe: Probe) -> int | None:
        value = probe.headers.get(self.name)
        return None if value is None else parse_duration_ms(value, unit=self.unit)

    def describe(self) -> str:
        return f"header {self.name} ({self.unit})"


class PrefixSource(Extractor):
    """The seed's parser: the first case-insensitive occurrence of a prefix, then a number."""

    __slots__ = ("literal",)

    def __init__(self, prefix: str, unit: str) -> None:
        self.literal = prefix.lower()
        self.unit = unit

    def extract(self, probe: Probe) -> int | None:
        # Read from the lowercased text: digits, dots and white space are the same there, and
        # positions stay consistent even where lowercasing changes a character's length.
        lower = probe.lower
        start = lower.find(self.literal)
        if start < 0:
            return None
        rest = lower[start + len(self.literal) :]
        return parse_seed_number_ms(rest, scale_nanos=_SCALE[self.unit])

    def describe(self) -> str:
        return f"text after {self.literal!r} ({self.unit})"


class RegexSource(Extractor):
    __slots__ = ("compiled",)

    def __init__(self, compiled: regex.Pattern[str], unit: str) -> None:
        self.compiled = compiled
        self.unit = unit

    def extract(self, probe: Probe) -> int | None:
        try:
            match = self.compiled.search(probe.text, timeout=REGEX_TIMEOUT_S)
        except TimeoutError:
            logger.warning("retry_after regex %r timed out", self.compiled.pattern)
            return None
        if match is None:
            return None
        captured = match.group(1) if self.compiled.groups else match.group(0)
        return None if captured is None else parse_duration_ms(captured, unit=self.unit)

    def describe(self) -> str:
        return f"regex {self.compiled.pattern!r} ({self.unit})"


class JsonSource(Extractor):
    __slots__ = ("path", "segments")

    def __init__(self, path: str, unit: str) -> None:
        self.path = path
        self.segments = tuple(path.split("."))
        self.unit = unit

    def extract(self, probe: Probe) -> int | None:
        document = probe.json()
        if document is None:
            return None
        for value in resolve_path(document, self.segments):
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float | str):
                parsed = parse_duration_ms(str(value), unit=self.unit)
                if parsed is not None:
                    return parsed
        return None

    def describe(self) -> str:
        return f"json {self.path} ({self.unit})"
