"""Server-sent events: the line splitter and the event parser the stream adapters use.

Both are bounded on request: :func:`iter_text_lines` refuses a line past ``max_line_chars``
and :func:`bounded_events` an event whose lines add up past a limit (both raise the
transport's internal ``TooLarge``, which the adapters turn into ``ResponseTooLarge``).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reliable_rules.providers import _transport as transport
from reliable_rules.providers._transport import LineTooLong

__all__ = ["SSEMessage", "bounded_events", "iter_sse", "iter_text_lines"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class SSEMessage:
    """One dispatched server-sent event: its ``event`` type (None when the stream named none)
    and its ``data`` (several ``data:`` lines joined with ``\\n``)."""

    event: str | None
    data: str


def _as_str(line: str | bytes) -> str:
    if isinstance(line, str):
        return line
    return bytes(line).decode("utf-8", "replace")


def iter_sse(lines: Iterable[str | bytes]) -> Iterator[SSEMessage]:
    """Parse server-sent events from ``lines`` (WHATWG HTML "event stream interpretation").

    Each item is one line, with or without its terminator (``\\n``, ``\\r\\n`` or ``\\r``); an
    item holding several terminated lines is split. Bytes are decoded as UTF-8 (bad bytes
    become U+FFFD) and a leading byte-order mark is dropped. Lines starting with ``:`` are
    comments (keep-alives); a blank line dispatches the event collected so far; an event with
    no ``data`` is not dispatched. Fields other than ``event`` and ``data`` are ignored.

    One deviation from the specification: an event still pending when ``lines`` ends is
    dispatched rather than dropped, because some servers close the connection right after
    their last ``data:`` line without the blank line.

    Never raises on any input text.
    """
    event: str | None = None
    data: list[str] = []
    first = True
    for item in lines:
        text = _as_str(item)
        if first:
            first = False
            if text.startswith("\ufeff"):
                text = text[1:]
        if "\r" in text or "\n" in text:
            pieces = _LINE_BREAK.split(text)
            # A terminated item ends in an empty piece that is not a line of its own.
            if pieces[-1] == "":
                pieces.pop()
        else:
            pieces = [text]
        for line in pieces:
            if line == "":
                if data:
                    yield SSEMessage(event, "\n".join(data))
                event = None
                data = []
                continue
            if line.startswith(":"):
                continue
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
    if data:
        yield SSEMessage(event, "\n".join(data))


def iter_text_lines(
    chunks: Iterable[bytes], *, max_line_chars: int | None = None
) -> Iterator[str]:
    """Split a byte stream, chunked arbitrarily, into lines of text without terminators.

    Unlike ``requests.Response.iter_lines`` this keeps a ``\\r\\n`` split across two chunks
    as one line break, and decodes UTF-8 incrementally (a character split across chunks
    survives). A last line without a terminator is yielded too. A line longer than
    ``max_line_chars`` raises :class:`LineTooLong` as soon as that many characters are held.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    parts: list[str] = []  # the current, unterminated line (kept in pieces: no quadratic +=)
    held = 0
    for chunk in chunks:
        text = decoder.decode(chunk) if chunk else ""
        if not text:
            continue
        held_cr = bool(parts) and parts[-1].endswith("\r")
        if not held_cr and "\r" not in text and "\n" not in text:
            parts.append(text)
            held += len(text)
            if max_line_chars is not None and held > max_line_chars:
                raise LineTooLong(max_line_chars)
            continue
        parts.append(text)
        pending = "".join(parts)
        # A trailing "\r" may be the first half of "\r\n": wait for the next chunk.
        cut = len(pending) - 1 if pending.endswith("\r") else len(pending)
        *complete, rest = _LINE_BREAK.split(pending[:cut])
        if max_line_chars is not None and any(len(line) > max_line_chars for line in complete):
            raise LineTooLong(max_line_chars)
        yield from complete
        parts = [rest + pending[cut:]]
        held = len(parts[0])
        if max_line_chars is not None and held > max_line_chars:
            raise LineTooLong(max_line_chars)
    pending = "".join(parts) + decoder.decode(b"", final=True)
    if pending:
        pieces = _LINE_BREAK.split(pending)
        if pieces[-1] == "":
            pieces.pop()
        yield from pieces




def bounded_events(lines: Iterable[str], limit: int | None) -> Iterator[str]:
    """``lines``, failing once one event (the lines between two blank lines) holds more than
    ``limit`` characters: many short ``data:`` lines must not add up without bound."""
    held = 0
    for line in lines:
        held = 0 if line == "" else held + len(line)
        if limit is not None and held > limit:
            raise transport.TooLarge("a stream event", limit)
        yield line
