"""The shared store: provider state in Redis, for many processes and hosts.

Every update is one Lua script or one command (atomic); every key lives under
``{<namespace>}:`` (the braces are a Redis Cluster hash tag: one namespace, one slot) and has
a TTL; time is Redis's (key TTLs, and ``TIME`` inside the rate-budget script), never a host's
clock. Redis is never a single point of failure: an error or a timeout (tens of
milliseconds) switches this process to its local :class:`MemoryState` for a while, logs once,
counts the fallback (:attr:`RedisState.fallbacks`, ``on_fallback``) and probes Redis again
with a growing backoff; a call never fails and never waits long because of the store.

Key layout (``ns`` is the namespace)::

    {ns}:cool:<provider>            provider cooldown: a key whose PTTL is the wait left
    {ns}:key:<digest>               API key cooldown (a digest, never the key)
    {ns}:cb:<provider>:<model>:n    circuit breaker: consecutive failures (TTL one day)
    {ns}:cb:<provider>:<model>:open circuit open: exists while open (PTTL = reset_after_s)
    {ns}:ring:<name>:<digest>       key ring position (an INCR counter, TTL one day)
    {ns}:rate:<provider>            rate budget: sorted set of admissions (Redis TIME, us)
    {ns}:rate:<provider>:seq        their unique member counter
    {ns}:rate:<provider>:tok        token budget: sorted set of charges ``<seq>:<tokens>``
    {ns}:rate:<provider>:tok:sum    the tokens in that window
    {ns}:cool:<provider>:<model>    provider+model cooldown (a model-scoped failure)
    {ns}:learn:<provider>:<model>:requests / :tokens
                                    what the provider's headers said is left (TTL = reset)
"""

from __future__ import annotations

import importlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from reliable_rules.errors import MissingExtra
from reliable_rules.executor.store.base import Quota, RateBudget
from reliable_rules.executor.store.memory import MemoryState
from reliable_rules.sanitize import compact

if TYPE_CHECKING:
    import redis

__all__ = ["RedisState"]

logger = logging.getLogger("reliable_rules.executor.store")

T = TypeVar("T")

#: How long counters without a natural end (failures, ring positions) are kept unused.
IDLE_TTL_MS = 24 * 3600 * 1000
#: The first pause after Redis fails, doubled at each failed probe up to the last.
FIRST_BACKOFF_S = 0.25
MAX_BACKOFF_S = 10.0

_COOL_DOWN = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
"""

_CIRCUIT_FAILURE = """
local threshold = tonumber(ARGV[1])
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if n < threshold then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('SET', KEYS[1], threshold - 1, 'PX', ARGV[3])
return 1
"""

_NEXT_KEY = """
local count = tonumber(ARGV[1])
local start = redis.call('INCR', KEYS[1]) - 1
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for step = 0, #KEYS - 2 do
  local index = (start + step) % count
  if redis.call('EXISTS', KEYS[index + 2]) == 0 then
    if step > 0 then redis.call('INCRBY', KEYS[1], step) end
    return index
  end
end
return start % count
"""

_TURN_KEY = """
local count = tonumber(ARGV[1])
local used = tonumber(ARGV[2])
local position = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= 0 then
  position = redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
for step = 0, #KEYS - 2 do
  local index = (position + step) % count
  if redis.call('EXISTS', KEYS[index + 2]) == 0 then
    if step > 0 and used >= 0 then redis.call('INCRBY', KEYS[1], step) end
    return index
  end
end
return position % count
"""

# KEYS: requests window, its counter, tokens window, its sum, learned requests, learned tokens.
# ARGV: request limit (0: none), window (us), token limit (0: none), tokens, learned (0/1),
# the longest learned wait honoured (ms, -1: any). Everything fits, or nothing is charged.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local req_limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tok_limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local learned = ARGV[5] == '1'
local learned_max = tonumber(ARGV[6])
local ttl = math.floor(window / 1000) + 1000
local wait = 0
if learned then
  for i = 5, 6 do
    local left = redis.call('GET', KEYS[i])
    if left and tonumber(left) <= 0 then
      local pttl = redis.call('PTTL', KEYS[i])
      if pttl > 0 and (learned_max < 0 or pttl <= learned_max) then
        wait = math.max(wait, pttl * 1000)
      end
    end
  end
end
if req_limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if redis.call('ZCARD', KEYS[1]) >= req_limit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
local total = 0
if tok_limit > 0 then
  local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - window)
  if redis.call('ZCARD', KEYS[3]) > #gone then
    total = tonumber(redis.call('GET', KEYS[4]) or '0')
    for _, member in ipairs(gone) do
      total = total - tonumber(string.match(member, ':(%d+)$'))
    end
    total = math.max(0, total)
  end
  if #gone > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
    redis.call('SET', KEYS[4], total, 'PX', ttl)
  end
  local excess = total + cost - tok_limit
  if excess > 0 then
    local charged = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
    for i = 1, #charged, 2 do
      excess = excess - tonumber(string.match(charged[i], ':(%d+)$'))
      if excess <= 0 then
        wait = math.max(wait, tonumber(charged[i + 1]) + window - now)
        break
      end
    end
  end
end
if wait > 0 then return {math.max(1, wait), ''} end
local seq = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ttl)
if req_limit > 0 then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. seq)
  redis.call('PEXPIRE', KEYS[1], ttl)
end
local ticket = '0:' .. cost
if tok_limit > 0 then
  ticket = seq .. ':' .. cost
  redis.call('ZADD', KEYS[3], now, ticket)
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('SET', KEYS[4], total + cost, 'PX', ttl)
end
if learned then
  if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('DECRBY', KEYS[5], 1) end
  if cost > 0 and redis.call('EXISTS', KEYS[6]) == 1 then redis.call('DECRBY', KEYS[6], cost) end
end
return {0, ticket}
"""

# KEYS: tokens window, its sum, learned tokens. ARGV: ticket, tokens, learned (0/1).
_SETTLE = """
local seq, old = string.match(ARGV[1], '^(%d+):(%d+)$')
if not seq then return 0 end
local tokens = tonumber(ARGV[2])
local delta = tokens - tonumber(old)
if delta == 0 then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if seq ~= '0' and ttl > 0 then
  local total = tonumber(redis.call('GET', KEYS[2]) or '0')
  local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if score then
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('ZADD', KEYS[1], score, seq .. ':' .. tokens)
    total = total + delta
  elseif delta > 0 then
    -- The charge left the window already: what it used beyond it counts from now.
    local clock = redis.call('TIME')
    local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
    redis.call('ZADD', KEYS[1], now, 'late' .. seq .. ':' .. delta)
    total = total + delta
  end
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('SET', KEYS[2], math.max(0, total), 'PX', ttl)
end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('DECRBY', KEYS[3], delta)
end
return 1
"""


def _redis() -> ModuleType:
    """The ``redis`` package, imported on first use (``import reliable_rules`` never does)."""
    try:
        return importlib.import_module("redis")
    except ImportError as error:
        raise MissingExtra("RedisState", "redis", "redis") from error


class RedisState:
    """Provider state shared through Redis by every process using the same ``namespace``.

    Build it with :meth:`from_url` (or from your own ``redis.Redis`` client, whose timeouts
    should then be short) and pass it to every executor: ``ReliableExecutor(...,
    state=RedisState.from_url("redis://localhost:6379/0", namespace="myapp"))``.

    Args:
        client: a ``redis.Redis`` client.
        namespace: the prefix of every key; processes with the same namespace share state.
        on_fallback: called with the operation's name (``"cooling"``, ``"acquire"``, ...)
            each time an operation is answered from local state because Redis is unavailable
            (a metrics counter, for example). What it raises is logged, never raised.
        local: the local state used while Redis is unavailable (a new :class:`MemoryState`
            by default).

    Attributes:
        fallbacks: operations answered from local state so far.
        outages: times Redis went from available to unavailable.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        namespace: str = "reliable_rules",
        on_fallback: Callable[[str], object] | None = None,
        local: MemoryState | None = None,
    ) -> None:
        if not namespace or any(char in namespace for char in "{}\r\n "):
            raise ValueError("namespace must be non-empty, without braces, spaces or newlines")
        self.client = client
        self.namespace = namespace
        self.on_fallback = on_fallback
        self.local = local if local is not None else MemoryState(clock=time.monotonic)
        self.fallbacks = 0
        self.outages = 0
        self._prefix = f"{{{namespace}}}:"
        self._lock = threading.Lock()
        self._down = False
        self._probing = False
        self._retry_at = 0.0
        self._backoff_s = FIRST_BACKOFF_S
        self._cool_down = client.register_script(_COOL_DOWN)
        self._circuit_failure = client.register_script(_CIRCUIT_FAILURE)
        self._next_key = client.register_script(_NEXT_KEY)
        self._turn_key = client.register_script(_TURN_KEY)
        self._take = client.register_script(_TAKE)
        self._settle = client.register_script(_SETTLE)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        namespace: str = "reliable_rules",
        timeout_s: float = 0.05,
        max_connections: int = 64,
        on_fallback: Callable[[str], object] | None = None,
    ) -> RedisState:
        """A store on the Redis at ``url`` (``redis://[:password@]host:port/db``,
        ``rediss://`` for TLS, ``unix://``), with a connection pool of ``max_connections``
        and ``timeout_s`` (50 ms by default) to connect and for each command, and no
        client-side retries: a slow or absent Redis makes this process use local state
        instead of waiting."""
        if not (timeout_s > 0):
            raise ValueError("timeout_s must be a positive number of seconds")
        redis = _redis()
        no_retry = redis.retry.Retry(redis.backoff.NoBackoff(), 0)
        pool = redis.ConnectionPool.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=no_retry,
            max_connections=max_connections,
        )
        client = redis.Redis(connection_pool=pool, retry=no_retry)
        return cls(client, namespace=namespace, on_fallback=on_fallback)

    def __repr__(self) -> str:
        kwargs = self.client.connection_pool.connection_kwargs
        where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        state = "unavailable" if self._down else "available"
        return f"RedisState({where}, namespace={self.namespace!r}, {state})"

    @property
    def available(self) -> bool:
        """Whether the last operation reached Redis."""
        return not self._down

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    # -- the protocol ----------------------------------------------------------------------

    def cool_down(self, scope: str, seconds: float) -> None:
        """Skip ``scope`` for ``seconds`` everywhere (keeping a longer cooldown)."""
        ms = max(1, round(seconds * 1000))
        self._run(
            "cool_down",
            lambda: self._cool_down(keys=[self._prefix + scope], args=[ms]),
            lambda: self.local.cool_down(scope, seconds),
        )

    def cooling(self, scope: str) -> float:
        """Seconds left of ``scope``'s cooldown, as Redis counts them."""
        return self._run(
            "cooling",
            lambda: max(0, int(self.client.pttl(self._prefix + scope))) / 1000,
            lambda: self.local.cooling(scope),
        )

    def circuit_failure(self, scope: str, threshold: int, reset_after_s: float) -> bool:
        """One failure; the circuit opens for everyone at ``threshold`` in a row."""
        base = self._prefix + scope
        reset_ms = max(1, round(reset_after_s * 1000))
        return self._run(
            "circuit_failure",
            lambda: bool(
                self._circuit_failure(
                    keys=[f"{base}:n", f"{base}:open"], args=[threshold, reset_ms, IDLE_TTL_MS]
                )
            ),
            lambda: self.local.circuit_failure(scope, threshold, reset_after_s),
        )

    def circuit_success(self, scope: str) -> None:
        """Close the circuit for everyone."""
        base = self._prefix + scope
        self._run(
            "circuit_success",
            lambda: self.client.delete(f"{base}:n", f"{base}:open"),
            lambda: self.local.circuit_success(scope),
        )

    def circuit_open(self, scope: str) -> bool:
        """Whether the circuit is open (for everyone)."""
        return self._run(
            "circuit_open",
            lambda: bool(self.client.exists(f"{self._prefix}{scope}:open")),
            lambda: self.local.circuit_open(scope),
        )

    def next_key(self, ring: str, count: int, cooling: Sequence[str] = ()) -> int:
        """The next index of the ring shared by every process, skipping cooling keys."""
        keys = [self._prefix + ring, *(self._prefix + name for name in cooling)]
        return self._run(
            "next_key",
            lambda: int(self._next_key(keys=keys, args=[count, IDLE_TTL_MS])),
            lambda: self.local.next_key(ring, count, cooling),
        )

    def turn_key(self, ring: str, count: int, used: int, cooling: Sequence[str] = ()) -> int:
        """The ring's current index shared by every process, after a turn when ``used`` was
        rate limited, skipping cooling keys."""
        keys = [self._prefix + ring, *(self._prefix + name for name in cooling)]
        return self._run(
            "turn_key",
            lambda: int(self._turn_key(keys=keys, args=[count, used, IDLE_TTL_MS])),
            lambda: self.local.turn_key(ring, count, used, cooling),
        )

    def acquire(self, scope: str, budget: RateBudget) -> float:
        """A slot of the budget's sliding window, on Redis's clock."""
        return self.take(scope, budget)[0]

    def take(
        self,
        scope: str,
        budget: RateBudget,
        tokens: int = 0,
        learned: str = "",
        learned_max_s: float = math.inf,
    ) -> tuple[float, str]:
        """One request and ``tokens`` of the budget's windows and the learned counts, in one
        script on Redis's clock: ``(0.0, ticket)`` or the seconds until everything fits."""
        key = self._prefix + scope
        window_us = max(1, round(budget.per_s * 1_000_000))
        cost = max(0, tokens) if budget.tokens is None else min(max(0, tokens), budget.tokens)
        learned_key = self._prefix + (learned or scope)
        max_ms = -1 if math.isinf(learned_max_s) else max(0, round(learned_max_s * 1000))
        args = [
            budget.requests or 0, window_us, budget.tokens or 0, cost,
            1 if learned else 0, max_ms,
        ]
        keys = [
            key, f"{key}:seq", f"{key}:tok", f"{key}:tok:sum",
            f"{learned_key}:requests", f"{learned_key}:tokens",
        ]

        def remote() -> tuple[float, str]:
            wait_us, ticket = self._take(keys=keys, args=args)
            text = ticket.decode() if isinstance(ticket, bytes) else str(ticket)
            return int(wait_us) / 1_000_000, text

        return self._run(
            "acquire", remote,
            lambda: self.local.take(scope, budget, tokens, learned, learned_max_s),
        )

    def settle(self, scope: str, ticket: str, tokens: int, learned: str = "") -> None:
        """Correct the charge ``ticket`` to ``tokens`` for everyone."""
        key = self._prefix + scope
        learned_key = f"{self._prefix}{learned or scope}:tokens"
        args: list[str | int] = [ticket, max(0, tokens), 1 if learned else 0]
        self._run(
            "settle",
            lambda: self._settle(keys=[f"{key}:tok", f"{key}:tok:sum", learned_key], args=args),
            lambda: self.local.settle(scope, ticket, tokens, learned),
        )

    def learn(
        self, learned: str, requests: Quota | None = None, tokens: Quota | None = None
    ) -> None:
        """Store what the provider said is left, for everyone, until its reset (a TTL)."""
        quotas = [(kind, quota) for kind, quota in (("requests", requests), ("tokens", tokens))
                  if quota is not None]
        if not quotas:
            return

        def remote() -> None:
            pipe = self.client.pipeline(transaction=True)
            for kind, (remaining, reset_s) in quotas:
                pipe.set(
                    f"{self._prefix}{learned}:{kind}", int(remaining),
                    px=max(1, round(reset_s * 1000)),
                )
            pipe.execute()

        self._run("learn", remote, lambda: self.local.learn(learned, requests, tokens))

    def blocked(self, cooling: Sequence[str], circuits: Sequence[str]) -> list[bool]:
        """Every candidate's cooldown and circuit in one pipelined round trip."""

        def remote() -> list[bool]:
            pipe = self.client.pipeline(transaction=False)
            for name in cooling:
                pipe.pttl(self._prefix + name)
            for name in circuits:
                pipe.exists(f"{self._prefix}{name}:open")
            replies = pipe.execute()
            left, opened = replies[: len(cooling)], replies[len(cooling):]
            return [
                int(left[index]) > 0 or (bool(opened) and bool(opened[index]))
                for index in range(len(cooling))
            ]

        return self._run("blocked", remote, lambda: self.local.blocked(cooling, circuits))

    # -- availability ----------------------------------------------------------------------

    def _run(self, name: str, remote: Callable[[], T], local: Callable[[], T]) -> T:
        """``remote()`` while Redis answers; ``local()`` when it fails or while it rests."""
        if self._down and not self._claim_probe():
            return self._fall_back(name, local)
        try:
            result = remote()
        except Exception as error:  # noqa: BLE001 — whatever breaks, the store must not fail a call
            self._failed(error)
            return self._fall_back(name, local)
        if self._down or self._probing:
            self._recovered()
        return result

    def _claim_probe(self) -> bool:
        """Whether this thread may try Redis again now (one thread at a time, after the
        backoff)."""
        with self._lock:
            if self._probing or time.monotonic() < self._retry_at:
                return False
            self._probing = True
            return True

    def _failed(self, error: Exception) -> None:
        with self._lock:
            first = not self._down
            if first:
                self.outages += 1
                self._backoff_s = FIRST_BACKOFF_S
            else:
                self._backoff_s = min(self._backoff_s * 2, MAX_BACKOFF_S)
            self._down = True
            self._probing = False
            pause = self._backoff_s * (0.5 + random.random())  # jitter, not cryptography
            self._retry_at = time.monotonic() + pause
        if first:
            logger.warning(
                "Redis state store unavailable (%s); using local state, retrying in %.2fs",
                compact(f"{type(error).__name__}: {error}"), pause,
                extra={"namespace": self.namespace},
            )
        else:
            logger.debug("Redis state store still unavailable; next try in %.2fs", pause)

    def _recovered(self) -> None:
        with self._lock:
            was_down = self._down
            self._down = self._probing = False
            self._backoff_s = FIRST_BACKOFF_S
        if was_down:
            logger.info(
                "Redis state store reachable again; sharing state",
                extra={"namespace": self.namespace},
            )

    def _fall_back(self, name: str, local: Callable[[], T]) -> T:
        with self._lock:
            self.fallbacks += 1
        hook = self.on_fallback
        if hook is not None:
            try:
                hook(name)
            except Exception:  # an observer must not change the call's result
                logger.exception("reliable_rules: on_fallback raised; ignoring it")
        return local()


