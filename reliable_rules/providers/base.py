"""What the provider adapters share: the HTTP session, error raising and an SSE parser.

Only non-2xx answers are turned into exceptions here (:class:`ProviderHTTPError`). Connection
failures and timeouts from ``requests`` propagate unchanged: the rule sets classify them by
exception type (``ConnectionError``, ``Timeout``), and wrapping them would hide that.

Every exception message is built with :func:`reliable_rules.sanitize.compact`, so an error
body that echoes an API key, or a URL that carries one in its query, never shows it in
``str()`` or ``repr()``. The raw ``body``, ``headers`` and ``response`` stay available as
attributes, unsanitised, for the rules to look at.
"""

from __future__ import annotations

import codecs
import functools
import http
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from reliable_rules.chat import ChatRequest, ChatResponse, StreamEvent
from reliable_rules.errors import ReliableRulesError
from reliable_rules.sanitize import REDACTED, compact, sanitize

__all__ = [
    "MAX_BODY_CHARS",
    "MalformedResponseError",
    "ProviderHTTPError",
    "ProviderStreamError",
    "SSEMessage",
    "iter_sse",
    "iter_text_lines",
    "safe_url",
]

#: Error bodies are kept up to this many characters (the limit ``to_failure`` applies too).
MAX_BODY_CHARS = 1_000_000
_MESSAGE_BODY_CHARS = 600
_SNIPPET_CHARS = 200

_SECRET_QUERY = re.compile(
    r"(?i)^(?:.*[_-])?(?:key|apikey|token|secret|password|passwd|pwd|sig|signature|auth"
    r"|authorization|credential|credentials|code)$"
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def safe_url(url: str) -> str:
    """``url`` without user info, with secret-looking query values replaced by ``[REDACTED]``.

    Anything ``sanitize`` would catch elsewhere in the URL (a key in the path) is scrubbed too.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode(
                [(name, REDACTED if _SECRET_QUERY.match(name) else value) for name, value in pairs],
                safe="[]",
            )
        cleaned = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        cleaned = url
    return sanitize(cleaned)


def _decode_body(response: requests.Response) -> str:
    """The response body as text, at most :data:`MAX_BODY_CHARS` characters; never raises
    for odd encodings (undecodable bytes become U+FFFD)."""
    try:
        raw = response.content or b""
    except (requests.exceptions.RequestException, RuntimeError):
        # The connection broke while reading an error body, or it was already consumed.
        raw = b""
    # Decoding more than 4 bytes per kept character is never needed; bound the work.
    raw = raw[: MAX_BODY_CHARS * 4]
    encoding = response.encoding or "utf-8"
    try:
        text = raw.decode(encoding, "replace")
    except LookupError:
        text = raw.decode("utf-8", "replace")
    return text[:MAX_BODY_CHARS]


@functools.lru_cache(maxsize=256)
def _short_name(name: str) -> str:
    # the same few provider names and reason phrases on every error: sanitised once each
    return compact(name, limit=100)


def _reason_phrase(status_code: int, reason: object) -> str:
    if isinstance(reason, bytes):
        reason = reason.decode("latin-1")
    if isinstance(reason, str) and reason.strip():
        return _short_name(reason)
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return ""


class ProviderHTTPError(ReliableRulesError):
    """A provider answered with a non-2xx status.

    Attributes: ``provider`` (the adapter's name), ``status_code``, ``headers`` (lower-case
    names), ``body`` (decoded text, at most :data:`MAX_BODY_CHARS` characters), ``response``
    (the ``requests.Response``, or None when built by hand) and ``url`` (secrets removed).

    ``str(error)`` reads ``"<provider> API error (<status> <reason>): <body>"`` with the body
    sanitised and folded onto one line of at most 600 characters.
    """

    provider: str
    status_code: int
    reason: str
    headers: dict[str, str]
    body: str
    response: requests.Response | None
    url: str

    def __init__(
        self,
        provider: str,
        status_code: int,
        *,
        reason: str = "",
        headers: Mapping[str, str] | None = None,
        body: str = "",
        response: requests.Response | None = None,
        url: str = "",
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.reason = _reason_phrase(status_code, reason)
        self.headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
        self.body = body[:MAX_BODY_CHARS]
        self.response = response
        self.url = safe_url(url) if url else ""
        status = f"{status_code} {self.reason}".rstrip()
        detail = compact(self.body, limit=_MESSAGE_BODY_CHARS)
        message = f"{_short_name(provider)} API error ({status})"
        super().__init__(f"{message}: {detail}" if detail else message)

    @classmethod
    def from_response(cls, provider: str, response: requests.Response) -> ProviderHTTPError:
        """The error for a non-2xx ``response`` (its body is read, so it can then be closed)."""
        return cls(
            provider,
            response.status_code,
            reason=response.reason or "",
            headers=dict(response.headers.items()),
            body=_decode_body(response),
            response=response,
            url=response.url or "",
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle without the live response (it holds a connection and the request's headers).
        fields = {
            "reason": self.reason,
            "headers": self.headers,
            "body": self.body,
            "url": self.url,
        }
        return (_rebuild_http_error, (self.provider, self.status_code, fields))


def _rebuild_http_error(
    provider: str, status_code: int, fields: dict[str, Any]
) -> ProviderHTTPError:
    return ProviderHTTPError(provider, status_code, **fields)


class MalformedResponseError(ReliableRulesError):
    """A 2xx answer whose body is not the JSON shape the adapter expects.

    ``what`` says what was missing or wrong (``"missing 'choices'"``); ``status_code`` and
    ``body`` (at most :data:`MAX_BODY_CHARS` characters) are those of the answer, or of the
    stream chunk for a malformed event in a stream.
    """

    provider: str
    what: str
    status_code: int | None
    body: str

    def __init__(
        self, provider: str, what: str, *, status_code: int | None = None, body: str = ""
    ) -> None:
        self.provider = provider
        self.what = what
        self.status_code = status_code
        self.body = body[:MAX_BODY_CHARS]
        http_part = f" (HTTP {status_code})" if status_code is not None else ""
        snippet = compact(self.body, limit=_SNIPPET_CHARS)
        message = (
            f"{compact(provider, limit=100)} returned a malformed response{http_part}: "
            f"{compact(what, limit=200)}"
        )
        super().__init__(f"{message}; body: {snippet}" if snippet else message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_malformed, (self.provider, self.what, self.status_code, self.body))


def _rebuild_malformed(
    provider: str, what: str, status_code: int | None, body: str
) -> MalformedResponseError:
    return MalformedResponseError(provider, what, status_code=status_code, body=body)


class ProviderStreamError(ReliableRulesError):
    """The provider reported an error inside a stream that had started with a 2xx status
    (an OpenAI-style ``{"error": ...}`` chunk, an Anthropic ``error`` event), or the stream
    ended before the provider said it was complete.

    ``body`` is the error event's data (JSON text) and ``status_code`` is always None: the
    HTTP status was a success and says nothing about this error.
    """

    provider: str
    body: str
    status_code: int | None
    headers: dict[str, str]

    def __init__(self, provider: str, body: str, *, what: str = "stream error") -> None:
        self.provider = provider
        self.body = body[:MAX_BODY_CHARS]
        self.status_code = None
        self.headers = {}
        self.what = what
        detail = compact(self.body, limit=_MESSAGE_BODY_CHARS)
        message = f"{compact(provider, limit=100)} API {compact(what, limit=100)}"
        super().__init__(f"{message}: {detail}" if detail else message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_stream_error, (self.provider, self.body, self.what))


def _rebuild_stream_error(provider: str, body: str, what: str) -> ProviderStreamError:
    return ProviderStreamError(provider, body, what=what)


# --- Server-sent events -----------------------------------------------------------------------


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


def iter_text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Split a byte stream, chunked arbitrarily, into lines of text without terminators.

    Unlike ``requests.Response.iter_lines`` this keeps a ``\\r\\n`` split across two chunks
    as one line break, and decodes UTF-8 incrementally (a character split across chunks
    survives). A last line without a terminator is yielded too.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    parts: list[str] = []  # the current, unterminated line (kept in pieces: no quadratic +=)
    for chunk in chunks:
        text = decoder.decode(chunk) if chunk else ""
        if not text:
            continue
        held_cr = bool(parts) and parts[-1].endswith("\r")
        if not held_cr and "\r" not in text and "\n" not in text:
            parts.append(text)
            continue
        parts.append(text)
        pending = "".join(parts)
        # A trailing "\r" may be the first half of "\r\n": wait for the next chunk.
        cut = len(pending) - 1 if pending.endswith("\r") else len(pending)
        *complete, rest = _LINE_BREAK.split(pending[:cut])
        yield from complete
        parts = [rest + pending[cut:]]
    pending = "".join(parts) + decoder.decode(b"", final=True)
    if pending:
        pieces = _LINE_BREAK.split(pending)
        if pieces[-1] == "":
            pieces.pop()
        yield from pieces


# --- Session handling -------------------------------------------------------------------------


#: What ``requests`` accepts as a timeout: seconds, (connect, read) seconds, or None.
TimeoutSpec: TypeAlias = "float | tuple[float, float] | None"
_Self = TypeVar("_Self", bound="HTTPAdapterBase")


class HTTPAdapterBase:
    """What the adapters share: the session, the POST, and the chat and stream plumbing.

    An adapter states only its wire shape: :attr:`url`, :meth:`build_body` (the payload),
    :meth:`_auth` (its key header), :meth:`_parse` (a 2xx JSON answer) and :meth:`_events`
    (the stream's events, read with :meth:`_sse` and :meth:`_event_json`).

    With ``session=None`` the adapter creates one ``requests.Session`` and reuses it for every
    call, so connections are pooled. The executor may call one adapter from several threads:
    ``requests`` does not promise that a session is thread-safe, but its connection pool is,
    and these adapters use no cookies, auth handlers or per-call session state, which is how
    sessions are shared across threads in practice. Pass your own session (one per thread, or
    one with custom adapters and retries) to control that; :meth:`close` never closes a session
    it was given.
    """

    name: str
    base_url: str
    timeout: TimeoutSpec
    headers: dict[str, str]

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None,
        timeout: TimeoutSpec,
        name: str,
        headers: Mapping[str, str] | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._owns_session = session is None
        self.session: requests.Session = requests.Session() if session is None else session

    def close(self) -> None:
        """Close the session if this adapter created it; a session passed in stays open."""
        if self._owns_session:
            self.session.close()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        # Never the key; the URL without secrets.
        return f"{type(self).__name__}(name={self.name!r}, base_url={safe_url(self.base_url)!r})"

    # --- what an adapter states ---------------------------------------------------------

    @property
    def url(self) -> str:
        """Where requests go."""
        raise NotImplementedError

    def build_body(
        self, request: ChatRequest, model: str, *, stream: bool = False
    ) -> dict[str, Any]:
        """The JSON body for ``request`` (exposed for tests and debugging)."""
        raise NotImplementedError

    def _auth(self, api_key: str | None) -> dict[str, str]:
        """The headers that carry ``api_key`` (or the adapter's own key)."""
        raise NotImplementedError

    def _parse(self, data: Any, response: requests.Response) -> ChatResponse:
        """The answer in a 2xx JSON body, or :class:`MalformedResponseError`."""
        raise NotImplementedError

    def _events(self, response: requests.Response) -> Iterator[StreamEvent]:
        """The events of a 2xx streamed response, ending with ``final``."""
        raise NotImplementedError

    # --- chat and stream ------------------------------------------------------------------

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Send ``request`` to ``model`` and return the answer."""
        body = self.build_body(request, model)
        with self._post(self.url, body, self._auth(api_key), stream=False) as response:
            data = self._json_body(response)
            return self._parse(data, response)

    def stream(
        self, request: ChatRequest, model: str, *, api_key: str | None = None
    ) -> Iterator[StreamEvent]:
        """Stream the answer: ``text`` deltas, one ``tool_call`` per completed call, then
        ``final``.

        The request is sent on the first ``next()``; a non-2xx status raises
        :class:`ProviderHTTPError` there, before any event. An error inside the stream raises
        :class:`ProviderStreamError`. The response is closed however iteration ends
        (exhausted, raised, or the generator closed early).
        """
        body = self.build_body(request, model, stream=True)
        response = self._post(self.url, body, self._auth(api_key), stream=True)
        with response:
            yield from self._events(response)

    def _post(
        self, url: str, body: Mapping[str, Any], headers: Mapping[str, str], *, stream: bool
    ) -> requests.Response:
        """POST ``body`` as JSON; raise :class:`ProviderHTTPError` (after reading the body and
        closing the response) for a non-2xx status, redirects included. Connection errors and
        timeouts propagate.
        """
        merged = {"content-type": "application/json", "accept": "application/json"}
        if stream:
            merged["accept"] = "text/event-stream"
        merged.update(self.headers)
        merged.update(headers)
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        # Redirects are not followed: requests strips only ``Authorization`` when a redirect
        # changes host, so following one could hand ``x-api-key`` to another server. A 3xx is
        # reported as a ProviderHTTPError like any other non-2xx answer.
        response = self.session.post(
            url,
            data=payload,
            headers=merged,
            timeout=self.timeout,
            stream=stream,
            allow_redirects=False,
        )
        if not 200 <= response.status_code < 300:
            try:
                error = ProviderHTTPError.from_response(self.name, response)
            finally:
                response.close()
            raise error
        return response

    def _json_body(self, response: requests.Response) -> Any:
        """The decoded JSON of a 2xx answer, or :class:`MalformedResponseError`."""
        text = _decode_body(response)
        try:
            return json.loads(text)
        except ValueError:
            raise MalformedResponseError(
                self.name, "body is not JSON", status_code=response.status_code, body=text
            ) from None

    def _malformed(self, what: str, response: requests.Response) -> MalformedResponseError:
        return MalformedResponseError(
            self.name, what, status_code=response.status_code, body=_decode_body(response)
        )

    def _sse(self, response: requests.Response) -> Iterator[SSEMessage]:
        return iter_sse(iter_text_lines(response.iter_content(chunk_size=None)))

    def _event_json(self, data: str, response: requests.Response, what: str) -> dict[str, Any]:
        """The JSON object in a stream event's ``data`` (``what`` names it in the error), or
        :class:`MalformedResponseError`."""
        try:
            decoded = json.loads(data)
        except ValueError:
            raise MalformedResponseError(
                self.name, f"{what} is not JSON", status_code=response.status_code, body=data
            ) from None
        if not isinstance(decoded, dict):
            raise MalformedResponseError(
                self.name,
                f"{what} is not a JSON object",
                status_code=response.status_code,
                body=data,
            )
        return decoded

    def _unfinished(self) -> ProviderStreamError:
        """The error for a stream that ended before the provider finished its answer."""
        return ProviderStreamError(
            self.name, "", what="stream ended before the provider finished its answer"
        )


def tool_function(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``{name, description, parameters}`` part of a tool spec given either bare or in the
    OpenAI ``{"type": "function", "function": {...}}`` shape."""
    inner = spec.get("function")
    if isinstance(inner, Mapping) and spec.get("type", "function") == "function":
        return inner
    return spec


def as_int(value: object) -> int | None:
    """``value`` when it is a real int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def json_text(value: object) -> str:
    """JSON text for a value parsed from a response (``json.dumps`` defaults)."""
    return json.dumps(value)
