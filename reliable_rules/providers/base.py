"""What the provider adapters share: the HTTP session, error raising and an SSE parser.

Only non-2xx answers are turned into exceptions here (:class:`ProviderHTTPError`). Connection
failures and timeouts from ``requests`` before the answer's headers propagate unchanged: the
rule sets classify them by exception type (``ConnectionError``, ``Timeout``), and wrapping them
would hide that. Bodies are read here, not by ``requests``, through
:mod:`reliable_rules.providers._transport`: bounded in size (:class:`ResponseTooLarge`) and in
time (:class:`ResponseTimeout`, a ``TimeoutError``), and a connection that breaks while the
body is read raises :class:`ResponseInterrupted` (a ``ConnectionError``).

Every exception message is built with :func:`reliable_rules.sanitize.compact`, so an error
body that echoes an API key, or a URL that carries one in its query, never shows it in
``str()`` or ``repr()``. The raw ``body``, ``headers`` and ``response`` stay available as
attributes, unsanitised, for the rules to look at.
"""

from __future__ import annotations

import copy
import functools
import http
import json
import re
import time
import weakref
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from reliable_rules.chat import ChatRequest, ChatResponse, StreamEvent, rate_limit_headers
from reliable_rules.errors import ReliableRulesError
from reliable_rules.providers import _transport as transport
from reliable_rules.providers._transport import DEFAULT_LIMITS, Guard, GuardedStream, Limits
from reliable_rules.providers.sse import (
    SSEMessage,
    bounded_events,
    iter_sse,
    iter_text_lines,
)
from reliable_rules.sanitize import REDACTED, compact, sanitize

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_BODY_CHARS",
    "Limits",
    "MalformedResponseError",
    "ProviderHTTPError",
    "ProviderStreamError",
    "ResponseInterrupted",
    "ResponseTimeout",
    "ResponseTooLarge",
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


def _decode_body(
    response: requests.Response,
    *,
    limit: int = DEFAULT_LIMITS.max_error_body_bytes,
    guard: Guard | None = None,
    read_timeout: float | None = None,
) -> str:
    """The response body as text, from at most ``limit`` bytes of it (the rest is not read);
    never raises for odd encodings (undecodable bytes become U+FFFD) or a broken connection
    (what arrived is kept)."""
    if getattr(response, "_content_consumed", False):
        try:
            raw = response.content or b""
        except (requests.exceptions.RequestException, RuntimeError):
            raw = b""
    else:
        raw = _read_prefix(response, limit, guard or Guard(), read_timeout)
    # Decoding more than 4 bytes per kept character is never needed; bound the work.
    raw = raw[: min(limit, MAX_BODY_CHARS * 4)]
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


def _read_prefix(
    response: requests.Response, limit: int, guard: Guard, read_timeout: float | None
) -> bytes:
    parts: list[bytes] = []
    size = 0
    try:
        for piece in transport.read_chunks(response, guard, read_timeout=read_timeout, limit=None):
            parts.append(piece[: limit - size])
            size += len(parts[-1])
            if size >= limit:
                break
        else:
            response._content = b"".join(parts)
            setattr(response, "_content_consumed", True)  # noqa: B010 — not in the stubs
    except (transport.Stopped, transport.Broken, transport.TooLarge):
        pass  # keep what arrived: an error body is evidence, not a contract
    return b"".join(parts)


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
    def from_response(
        cls,
        provider: str,
        response: requests.Response,
        *,
        limit: int = DEFAULT_LIMITS.max_error_body_bytes,
        guard: Guard | None = None,
        read_timeout: float | None = None,
    ) -> ProviderHTTPError:
        """The error for a non-2xx ``response``: at most ``limit`` bytes of its body are read
        (then it can be closed), within the ``guard``'s deadlines."""
        return cls(
            provider,
            response.status_code,
            reason=response.reason or "",
            headers=dict(response.headers.items()),
            body=_decode_body(response, limit=limit, guard=guard, read_timeout=read_timeout),
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


class ResponseTooLarge(MalformedResponseError):
    """A 2xx answer (or one line of a stream) went past the adapter's size limit
    (:attr:`Limits.max_body_bytes`, :attr:`Limits.max_sse_line_bytes`), counted after
    decompression; the rest was not read. ``limit`` is the bound in bytes; ``body`` is empty.
    The rule sets classify it like any malformed answer."""

    limit: int

    def __init__(self, provider: str, what: str, *, limit: int, status_code: int | None) -> None:
        super().__init__(provider, f"{what} exceeds the limit of {limit:,} bytes",
                         status_code=status_code)
        self.limit = limit
        self._what = what

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_too_large, (self.provider, self._what, self.limit, self.status_code))


def _rebuild_too_large(
    provider: str, what: str, limit: int, status_code: int | None
) -> ResponseTooLarge:
    return ResponseTooLarge(provider, what, limit=limit, status_code=status_code)


class ResponseTimeout(ReliableRulesError, TimeoutError):
    """Reading an answer outlived a time bound: ``bound`` names it (``total``: the
    adapter's total budget, ``idle``: the wait between two stream events, ``read``: the
    read timeout between two bytes, ``attempt``/``deadline``: the executor's bounds) and
    ``seconds`` says how long it was. A ``TimeoutError``, so the rule sets classify it as a
    timeout."""

    def __init__(self, provider: str, bound: str, seconds: float | None) -> None:
        self.provider = provider
        self.bound = bound
        self.seconds = seconds
        limit = "" if seconds is None else f" of {seconds:g}s"
        super().__init__(
            f"{compact(provider, limit=100)}: reading the answer exceeded the {bound} time "
            f"bound{limit}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (ResponseTimeout, (self.provider, self.bound, self.seconds))


class ResponseInterrupted(ReliableRulesError, ConnectionError):
    """The connection broke, or the call was cancelled, while the answer was being read
    (``requests`` would raise ``ChunkedEncodingError`` or ``ConnectionError``; the original
    is the ``__cause__``). A ``ConnectionError``, so the rule sets classify it as a network
    error. ``cancelled`` is True when :meth:`Guard.cancel` stopped it."""

    def __init__(self, provider: str, detail: str, *, cancelled: bool = False) -> None:
        self.provider = provider
        self.detail = detail
        self.cancelled = cancelled
        super().__init__(f"{compact(provider, limit=100)}: {compact(detail, limit=300)}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_interrupted, (self.provider, self.detail, self.cancelled))


def _rebuild_interrupted(provider: str, detail: str, cancelled: bool) -> ResponseInterrupted:
    return ResponseInterrupted(provider, detail, cancelled=cancelled)


# --- Session handling -------------------------------------------------------------------------


#: What ``requests`` accepts as a timeout: seconds, (connect, read) seconds, or None.
TimeoutSpec: TypeAlias = "float | tuple[float, float] | None"
_Self = TypeVar("_Self", bound="HTTPAdapterBase")


@dataclass(frozen=True, slots=True)
class _Reading:
    """How the body of one response is read (kept beside the response, for :meth:`_sse`)."""

    guard: Guard
    read_timeout: float | None
    limits: Limits


_READING: weakref.WeakKeyDictionary[requests.Response, _Reading] = weakref.WeakKeyDictionary()


def _split_timeout(timeout: TimeoutSpec) -> tuple[float | None, float | None]:
    if isinstance(timeout, tuple):
        return timeout[0], timeout[1]
    return timeout, timeout


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

    Every call is bounded by :attr:`limits` (:data:`DEFAULT_LIMITS` unless changed with
    :meth:`with_limits`): body sizes, the total time of a call, the wait between stream events
    and the length of a stream line. ``timeout`` stays what ``requests`` gets for connecting
    and for the wait between two reads.
    """

    name: str
    base_url: str
    timeout: TimeoutSpec
    headers: dict[str, str]
    #: The bounds of every call (see :class:`Limits`); change them with :meth:`with_limits`.
    limits: Limits = DEFAULT_LIMITS
    _guard: Guard | None = None

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

    # --- bounds -----------------------------------------------------------------------------

    def _copy(self: _Self) -> _Self:
        clone = copy.copy(self)
        clone._owns_session = False  # the original owns (and closes) the shared session
        return clone

    def with_limits(self: _Self, limits: Limits | None = None, **changes: Any) -> _Self:
        """A copy of this adapter with other bounds: ``limits`` as given, or the current ones
        with ``changes`` (``adapter.with_limits(max_body_bytes=50_000_000)``). The copy shares
        the session and never closes it."""
        clone = self._copy()
        clone.limits = replace(limits or self.limits, **changes)
        return clone

    def with_timeout(self: _Self, seconds: float | None) -> _Self:
        """A copy whose calls, streamed or not, end within ``seconds`` in total (None: no
        total bound, on purpose)."""
        return self.with_limits(total_timeout_s=seconds, stream_total_timeout_s=seconds)

    def with_guard(self: _Self, guard: Guard | None = None) -> _Self:
        """A copy whose calls obey ``guard`` (a new one by default, then :attr:`guard`): its
        deadlines and its :meth:`Guard.cancel`, from any thread (the executor bounds an
        attempt this way, without a worker thread)."""
        clone = self._copy()
        clone._guard = guard if guard is not None else Guard()
        return clone

    @property
    def guard(self) -> Guard | None:
        """The guard given to :meth:`with_guard`, if this copy has one."""
        return self._guard

    def _new_guard(self, name: str, seconds: float | None) -> Guard:
        guard = self._guard if self._guard is not None else Guard()
        if seconds is not None:
            guard.set_deadline(name, time.monotonic() + seconds)
        return guard

    def _stopped(self, stop: transport.Stopped, *, stream: bool = False) -> ReliableRulesError:
        """The typed error for a read the guard stopped."""
        reason = stop.reason
        if reason == "cancelled":
            return ResponseInterrupted(self.name, "call cancelled", cancelled=True)
        seconds: float | None = None
        if reason == "total":
            limits = self.limits
            seconds = limits.stream_total_timeout_s if stream else limits.total_timeout_s
        elif reason == "idle":
            seconds = self.limits.stream_idle_timeout_s
        elif reason == "read":
            seconds = _split_timeout(self.timeout)[1]
        return ResponseTimeout(self.name, reason, seconds)

    def _read_error(
        self, error: Exception, status_code: int | None, *, stream: bool = False
    ) -> ReliableRulesError:
        """The typed error for a failure of :mod:`transport` while reading an answer."""
        if isinstance(error, transport.Stopped):
            return self._stopped(error, stream=stream)
        if isinstance(error, transport.TooLarge):
            return ResponseTooLarge(
                self.name, error.what, limit=error.limit, status_code=status_code
            )
        return ResponseInterrupted(self.name, str(error))

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
        """Send ``request`` to ``model`` and return the answer.

        The answer is read up to :attr:`Limits.max_body_bytes` (past it:
        :class:`ResponseTooLarge`) within :attr:`Limits.total_timeout_s` from the start
        (past it: :class:`ResponseTimeout`).
        """
        body = self.build_body(request, model)
        guard = self._new_guard("total", self.limits.total_timeout_s)
        response = self._post(self.url, body, self._auth(api_key), stream=False, guard=guard)
        try:
            data = self._json_body(response, guard)
            answer = self._parse(data, response)
            limits = rate_limit_headers(response.headers)
            return replace(answer, rate_limit_headers=limits) if limits else answer
        finally:
            guard.detach()
            response.close()

    def stream(
        self, request: ChatRequest, model: str, *, api_key: str | None = None
    ) -> Iterator[StreamEvent]:
        """Stream the answer: ``text`` deltas, one ``tool_call`` per completed call, then
        ``final``.

        The request is sent on the first ``next()``; a non-2xx status raises
        :class:`ProviderHTTPError` there, before any event. An error inside the stream raises
        :class:`ProviderStreamError`. The wait for each event is bounded by
        :attr:`Limits.stream_idle_timeout_s` and the whole stream by
        :attr:`Limits.stream_total_timeout_s` (:class:`ResponseTimeout`); a broken
        connection raises :class:`ResponseInterrupted` and a line longer than
        :attr:`Limits.max_sse_line_bytes` :class:`ResponseTooLarge`. The response is closed
        however iteration ends (exhausted, raised, or the generator closed early). The
        response's rate-limit headers are in the returned stream's ``rate_limit_headers``
        once it opened.
        """
        body = self.build_body(request, model, stream=True)
        guard = self._new_guard("total", self.limits.stream_total_timeout_s)
        opened: dict[str, str] = {}
        return GuardedStream(self._stream_events(body, api_key, guard, opened), guard, opened)

    def _stream_events(
        self, body: Mapping[str, Any], api_key: str | None, guard: Guard, opened: dict[str, str]
    ) -> Generator[StreamEvent, None, None]:
        idle = self.limits.stream_idle_timeout_s
        if idle is not None:
            guard.set_deadline("idle", time.monotonic() + idle)
        response = self._post(self.url, body, self._auth(api_key), stream=True, guard=guard)
        opened.update(rate_limit_headers(response.headers))
        try:
            for event in self._events(response):
                yield event
                if idle is not None:
                    # The consumer's own time between two next() calls is not idleness.
                    guard.set_deadline("idle", time.monotonic() + idle)
        except (transport.Stopped, transport.TooLarge, transport.Broken) as error:
            raise self._read_error(error, response.status_code, stream=True) from (
                error.__cause__ if isinstance(error, transport.Broken) else None
            )
        finally:
            guard.detach()
            response.close()

    def _post(
        self,
        url: str,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        *,
        stream: bool,
        guard: Guard | None = None,
    ) -> requests.Response:
        """POST ``body`` as JSON; raise :class:`ProviderHTTPError` (after reading at most
        :attr:`Limits.max_error_body_bytes` of the body and closing the response) for a
        non-2xx status, redirects included. Connection errors and timeouts before the
        headers propagate from ``requests``; the body is left unread for the caller.
        """
        guard = guard if guard is not None else Guard()
        merged = {
            "content-type": "application/json",
            "accept": "application/json",
            # Only encodings this module decompresses itself, each step bounded.
            "accept-encoding": "gzip, deflate",
        }
        if stream:
            merged["accept"] = "text/event-stream"
        merged.update(self.headers)
        merged.update(headers)
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        connect, read = _split_timeout(self.timeout)
        try:
            guard.check()
            # Redirects are not followed: requests strips only ``Authorization`` when a
            # redirect changes host, so following one could hand ``x-api-key`` to another
            # server. A 3xx is reported as a ProviderHTTPError like any other non-2xx answer.
            # The wait for the headers is cut to the guard's earliest deadline.
            response = self.session.post(
                url,
                data=payload,
                headers=merged,
                timeout=(connect, guard.wait_s(read)),
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout as error:
            try:
                guard.check()
            except transport.Stopped as stop:
                raise self._stopped(stop, stream=stream) from error
            raise
        except transport.Stopped as stop:
            raise self._stopped(stop, stream=stream) from None
        guard.attach(response)
        _READING[response] = _Reading(guard, read, self.limits)
        if not 200 <= response.status_code < 300:
            try:
                failure = ProviderHTTPError.from_response(
                    self.name,
                    response,
                    limit=self.limits.max_error_body_bytes,
                    guard=guard,
                    read_timeout=read,
                )
            finally:
                guard.detach()
                response.close()
            raise failure
        try:
            guard.check()
        except transport.Stopped as stop:
            guard.detach()
            response.close()
            raise self._stopped(stop, stream=stream) from None
        return response

    def _reading(self, response: requests.Response) -> _Reading:
        reading = _READING.get(response)
        if reading is None:
            reading = _Reading(Guard(), _split_timeout(self.timeout)[1], self.limits)
        return reading

    def _json_body(self, response: requests.Response, guard: Guard | None = None) -> Any:
        """The decoded JSON of a 2xx answer (at most :attr:`Limits.max_body_bytes` of it), or
        :class:`MalformedResponseError`."""
        reading = self._reading(response)
        try:
            raw = transport.read_body(
                response,
                guard or reading.guard,
                read_timeout=reading.read_timeout,
                limit=self.limits.max_body_bytes,
            )
        except (transport.Stopped, transport.TooLarge, transport.Broken) as error:
            raise self._read_error(error, response.status_code) from (
                error.__cause__ if isinstance(error, transport.Broken) else None
            )
        response._content = raw
        setattr(response, "_content_consumed", True)  # noqa: B010 — not in the stubs
        encoding = response.encoding or "utf-8"
        try:
            text = raw.decode(encoding, "replace")
        except LookupError:
            text = raw.decode("utf-8", "replace")
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
        reading = self._reading(response)
        chunks = transport.read_chunks(
            response, reading.guard, read_timeout=reading.read_timeout, limit=None
        )
        line_limit = reading.limits.max_sse_line_bytes
        lines = iter_text_lines(chunks, max_line_chars=line_limit)
        return iter_sse(bounded_events(lines, reading.limits.max_body_bytes))

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
