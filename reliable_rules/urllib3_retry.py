"""A ``urllib3`` :class:`~urllib3.util.Retry` that retries as the rules decide.

    import requests
    from requests.adapters import HTTPAdapter
    from reliable_rules.urllib3_retry import RulesRetry

    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=RulesRetry(rules="builtin:default")))

Which responses are retried: a response of status 400 or above is classified (status, headers,
and the body when it can be seen, see below) and retried when the decision's action is
``retry`` and its category is retryable; a 401, 403, 400 or a quota 429 (``insufficient_quota``,
Z.AI ``1113``...) is handed back at once. ``status_forcelist`` still forces retries of the
statuses it lists. Statuses below 400 are never retried (redirects are urllib3's own business).
Connection errors and timeouts count against urllib3's ``connect``/``read``/``other`` counters
as usual, and are classified too: an error the rules call non-retryable ends retrying at once
with :class:`~urllib3.exceptions.MaxRetryError`.

The body: urllib3 calls :meth:`Retry.is_retry` with the status and the presence of
Retry-After only. ``RulesRetry`` finds the response being decided in the calling frame of
urllib3's ``urlopen`` (both 1.26 and 2.x name it ``response``); when it cannot, it decides from
the status alone and :meth:`increment` re-checks with the full response (a veto then ends
retrying as exhaustion does: :class:`~urllib3.exceptions.MaxRetryError`, or the response with
``raise_on_status=False``). The body is used only when it is already in memory (urllib3's
``preload_content=True``, the default of ``PoolManager.request``). ``requests`` always streams
(``preload_content=False``), so by default a quota 429 recognised only by its body is retried
like any 429. With ``peek_body=True`` an error response whose ``Content-Length`` is at most
``peek_limit`` bytes is read into memory and put back, so the caller still reads the same
bytes (gzip/deflate bodies are decompressed for classification only).

Methods: by default urllib3's idempotent methods **plus POST**, because LLM APIs are called with
POST and the failures retried here (overload, rate limits, dropped connections, timeouts) leave
no state behind — but a read timeout or a dropped connection after the request was sent may
mean the provider did run (and bill) the completion. Pass ``allowed_methods=`` (e.g.
``Retry.DEFAULT_ALLOWED_METHODS``) to exclude POST, or None to retry every method.

Waits follow the rule set's :class:`~reliable_rules.ruleset.loader.Policy`, not urllib3's
``backoff_factor``: the n-th consecutive retry waits the policy's backoff (base, doubling up to
the maximum, jitter), or the Retry-After the rules extracted (``retry-after``,
``retry-after-ms``, body hints...) capped at ``retry_after_cap_ms`` and never below that backoff.
Under ``over_cap: next_provider`` a Retry-After above the cap is not waited for: retrying stops.

The ``x-should-retry`` header counts only as far as the rules use it (``builtin:default`` does
not). Pickling keeps the rule set by its source (reloaded on unpickling); ``last_decision`` is
not pickled.
"""

from __future__ import annotations

import io
import os
import random
import sys
import time
import zlib
from collections.abc import Mapping
from itertools import takewhile
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from reliable_rules.decision import Decision
from reliable_rules.executor.backoff import Backoff
from reliable_rules.executor.capture import CaptureLog
from reliable_rules.ruleset.loader import load_rules
from reliable_rules.ruleset.model import RuleSet
from reliable_rules.taxonomy import Action

if TYPE_CHECKING:
    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

__all__ = ["DEFAULT_ALLOWED_METHODS", "RulesRetry"]

#: urllib3's idempotent methods plus POST (LLM APIs are POST).
DEFAULT_ALLOWED_METHODS: frozenset[str] = frozenset(Retry.DEFAULT_ALLOWED_METHODS) | {"POST"}

_PEEK_LIMIT = 64 * 1024
_FRAMES_UP = 4
_GZIP_OR_ZLIB = 47  # zlib wbits: accept a gzip or a zlib header


class RulesRetry(Retry):
    """A :class:`urllib3.util.Retry` whose retry decisions and waits come from a rule set."""

    def __init__(
        self,
        total: bool | int | None = 3,
        *,
        rules: RuleSet | str | os.PathLike[str] | None = None,
        provider: str | None = None,
        model: str | None = None,
        peek_body: bool = False,
        peek_limit: int = _PEEK_LIMIT,
        base_backoff_ms: int | None = None,
        last_decision: Decision | None = None,
        capture: CaptureLog | str | os.PathLike[str] | None = None,
        **retry_kwargs: Any,
    ) -> None:
        """Args:
        total: retries allowed in all (urllib3's meaning; False disables retrying).
        rules: a rule set, a path or ``builtin:NAME`` (``builtin:default`` when None).
        provider, model: passed to every classification, for scoped rules.
        peek_body: read small streamed error bodies (and put them back) to classify them.
        peek_limit: the largest body, in bytes, ``peek_body`` reads.
        base_backoff_ms: the first backoff; None uses the policy's (the floor applies).
        last_decision: the decision of the previous attempt (set by :meth:`increment`).
        capture: a path or :class:`~reliable_rules.executor.capture.CaptureLog`: append
            every failure no specific rule recognised, for ``reliable-rules suggest``.
        retry_kwargs: any other :class:`urllib3.util.Retry` argument; ``allowed_methods``
            defaults to :data:`DEFAULT_ALLOWED_METHODS`. ``backoff_factor``, ``backoff_max``
            and ``backoff_jitter`` are ignored: the policy decides the waits.
        """
        if "allowed_methods" not in retry_kwargs and "method_whitelist" not in retry_kwargs:
            retry_kwargs["allowed_methods"] = DEFAULT_ALLOWED_METHODS
        super().__init__(total=total, **retry_kwargs)
        ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules or "builtin:default")
        self.rules: RuleSet = ruleset
        self.provider = provider
        self.model = model
        self.peek_body = peek_body
        self.peek_limit = peek_limit
        self.base_backoff_ms = base_backoff_ms
        self.backoff = Backoff.from_policy(ruleset.policy, base_ms=base_backoff_ms)
        #: The decision that led to this Retry (None before the first retry).
        self.last_decision = last_decision
        self.capture = CaptureLog.of(capture)

    # ── immutability and pickling ────────────────────────────────────────────────────────

    def new(self, **kw: Any) -> Self:
        """A copy with some counters changed, keeping the rules and options."""
        kw.setdefault("rules", self.rules)
        kw.setdefault("provider", self.provider)
        kw.setdefault("model", self.model)
        kw.setdefault("peek_body", self.peek_body)
        kw.setdefault("peek_limit", self.peek_limit)
        kw.setdefault("base_backoff_ms", self.base_backoff_ms)
        kw.setdefault("last_decision", self.last_decision)
        kw.setdefault("capture", self.capture)
        return super().new(**kw)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["rules"] = self.rules.source  # compiled rule sets do not pickle; reload by source
        state["last_decision"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.rules = load_rules(state["rules"])

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(total={self.total}, connect={self.connect}, "
            f"read={self.read}, redirect={self.redirect}, status={self.status}, "
            f"rules={self.rules.source!r})"
        )

    # ── deciding ─────────────────────────────────────────────────────────────────────────

    def classify_response(self, response: BaseHTTPResponse) -> Decision:
        """The rules' decision for a response: status, headers, and the body when visible."""
        return self.rules.classify(
            status=response.status,
            headers=dict(response.headers.items()),
            body=self._visible_body(response),
            provider=self.provider,
            model=self.model,
        )

    def classify_error(self, error: Exception) -> Decision:
        """The rules' decision for a connection error or timeout."""
        return self.rules.classify(error, provider=self.provider, model=self.model)

    def allows(self, decision: Decision) -> bool:
        """Whether this decision allows another attempt (the counters aside)."""
        if decision.action != Action.RETRY or not decision.retryable:
            return False
        after = decision.retry_after_ms
        return not (
            after is not None
            and after > self.backoff.retry_after_cap_ms
            and self.backoff.over_cap != "cap"
        )

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Whether to retry this response: the method is allowed and the rules say retry."""
        if not self._is_method_retryable(method):
            return False
        if self.status_forcelist and status_code in self.status_forcelist:
            return True
        if status_code < 400:
            return False
        response = _calling_response(status_code)
        if response is not None:
            decision = self.classify_response(response)
        else:
            decision = self.rules.classify(
                status=status_code, provider=self.provider, model=self.model
            )
        return self.allows(decision)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        """The next Retry, with the attempt in ``history`` and its ``last_decision``; raises
        :class:`~urllib3.exceptions.MaxRetryError` when the rules say retrying cannot help."""
        decision: Decision | None = None
        if error is not None:
            decision = self.classify_error(error)
        elif response is not None and not response.get_redirect_location():
            decision = self.classify_response(response)
            if self.status_forcelist and response.status in self.status_forcelist:
                decision = None  # forced by the caller: no veto
        if decision is not None and self.capture is not None:
            self.capture.record(decision)
        if decision is not None and self.total is not False and not self.allows(decision):
            reason = error or ResponseError(
                f"not retried: {decision.category} ({decision.rule_id}) -> {decision.action}"
            )
            raise MaxRetryError(_pool, url, reason) from reason  # type: ignore[arg-type]  # urllib3 types the pool as non-optional
        new_retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if decision is not None:
            new_retry.last_decision = decision  # a fresh object nobody else holds yet
        return new_retry

    # ── waiting ──────────────────────────────────────────────────────────────────────────

    def backoff_ms(self) -> int:
        """The policy's backoff before the current retry, in ms (0 before any failure)."""
        failures = len(
            list(takewhile(lambda h: h.redirect_location is None, reversed(self.history)))
        )
        if failures == 0:
            return 0
        wait = self.backoff.base_ms
        for _ in range(failures - 1):
            wait = self.backoff.next_backoff(wait)
        return wait

    def get_backoff_time(self) -> float:
        """The policy's (jittered) backoff in seconds."""
        backoff = self.backoff_ms()
        if backoff <= 0:
            return 0.0
        return self.backoff.wait(backoff, None, random.random)[0] / 1000

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        """The Retry-After the rules extracted, in seconds: capped at the policy's cap and
        never below the current backoff; None when the provider asked for none."""
        decision = self.last_decision
        if decision is None or decision.failure.status != response.status:
            decision = self.rules.classify(
                status=response.status,
                headers=dict(response.headers.items()),
                provider=self.provider,
                model=self.model,
            )
        if decision.retry_after_ms is None:
            return None
        wait, _over_cap = self.backoff.wait(self.backoff_ms(), decision.retry_after_ms)
        return wait / 1000

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        """Sleep for the response's Retry-After (per the policy); False when it has none."""
        retry_after = self.get_retry_after(response)
        if retry_after:
            time.sleep(retry_after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            time.sleep(backoff)

    # ── the body ─────────────────────────────────────────────────────────────────────────

    def _visible_body(self, response: BaseHTTPResponse) -> bytes | None:
        cached = getattr(response, "_body", None)
        if isinstance(cached, bytes) and cached:
            return cached
        if not self.peek_body or response.status < 400:
            return None
        return _peek(response, self.peek_limit)


def _calling_response(status_code: int) -> BaseHTTPResponse | None:
    """The response urllib3's ``urlopen`` is deciding about (the ``response`` local of the
    frame that called ``is_retry``), or None."""
    from urllib3.response import HTTPResponse  # noqa: PLC0415 — keep the module import light

    base: type[Any] = getattr(sys.modules["urllib3.response"], "BaseHTTPResponse", HTTPResponse)
    frame: FrameType | None = sys._getframe(2)  # 0: here, 1: is_retry, 2: urlopen
    try:
        # A few frames up, in case a subclass's is_retry calls this one.
        for _ in range(_FRAMES_UP):
            if frame is None:
                break
            candidate = frame.f_locals.get("response")
            if isinstance(candidate, base) and getattr(candidate, "status", None) == status_code:
                found: BaseHTTPResponse = candidate
                return found
            frame = frame.f_back
    finally:
        del frame
    return None


def _peek(response: BaseHTTPResponse, limit: int) -> bytes | None:
    """Read a small streamed body and put it back so the caller reads the same bytes."""
    headers: Mapping[str, str] = response.headers
    fp = getattr(response, "_fp", None)
    length = headers.get("content-length", "")
    if fp is None:
        return None
    if isinstance(fp, io.BytesIO):  # peeked already (is_retry, then increment)
        data = fp.getvalue() if fp.tell() == 0 else b""
    elif not length.strip().isdigit() or int(length) > limit:
        return None
    else:
        try:
            data = fp.read(int(length))
        except Exception as error:  # noqa: BLE001 — a broken stream keeps what arrived
            data = getattr(error, "partial", b"") or b""
        response._fp = io.BytesIO(data)  # type: ignore[attr-defined]  # put the bytes back
    if not data:
        return None
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            return zlib.decompressobj(_GZIP_OR_ZLIB).decompress(data, limit * 16)
        except zlib.error:
            return None
    return data if encoding in ("", "identity") else None
