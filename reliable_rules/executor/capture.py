"""Capture the failures no specific rule recognised, as corpus records for new rules.

``ReliableExecutor(..., capture="unmatched.jsonl")``, ``RulesRetry(capture=...)``,
``retrying(capture=...)`` and ``reliable-rules classify --capture PATH`` append one JSON line
per new kind of failure that only a status-level or catch-all rule decided, or that nothing
matched (:attr:`~reliable_rules.decision.Decision.specific` is False). ``reliable-rules
suggest`` reads the file back and proposes rules for it.

The file is a corpus (``reliable-rules test --corpus`` and ``classify --corpus`` read it):

``{"fingerprint", "count": 1, "time", "provider", "model", "status", "headers", "body",
"message", "exception", "decision"}``
    the first occurrence of an error; ``decision`` is ``Decision.as_dict()`` plus
    ``specific``. Text and header values are sanitised as trails are, and cut to
    ``max_field_chars``; credential headers are replaced by ``[REDACTED]``.
``{"fingerprint", "count": N, "time"}``
    N more occurrences of an error already written (same provider, status, exception and text
    once ids, numbers and timestamps are normalised: :func:`reliable_rules._text.stable_text`).
    Counts are kept in memory and written every ``flush_every`` occurrences, on
    :meth:`CaptureLog.flush`, on close and at interpreter exit.

Safe across threads and processes: every line is one ``os.write`` on a descriptor opened with
``O_APPEND``, so lines never interleave; rotation (``PATH`` → ``PATH.1`` → … ``PATH.backups``
when a write would pass ``max_bytes``) is serialised between processes by an ``flock`` on
``PATH.lock`` where the platform has one. A process holding the old file open may finish one
line in ``PATH.1``: a file passes ``max_bytes`` by at most one line per concurrent writer.
Capturing never raises into the call it observes: an I/O error is logged once and capture
goes on.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path
from typing import Any

from reliable_rules._text import GENERIC_EXCEPTIONS, error_fingerprint
from reliable_rules.decision import Decision
from reliable_rules.failure import Failure
from reliable_rules.sanitize import REDACTED, sanitize

try:  # POSIX: serialise rotation between processes
    import fcntl

    _flock: Callable[[int, int], None] | None = fcntl.flock
except ImportError:  # pragma: no cover — Windows: rotation is serialised per process only
    _flock = None

__all__ = ["CaptureLog", "capture_record", "failure_fingerprint"]

logger = logging.getLogger("reliable_rules.capture")

#: Response headers whose values are credentials or session state: never written.
SECRET_HEADERS = frozenset(
    {
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
        "api-key", "x-goog-api-key", "x-auth-token", "x-amz-security-token",
    }
)  # fmt: skip


def failure_fingerprint(failure: Failure) -> str:
    """The fingerprint of identical errors: provider, status, exception names and the text
    with ids, numbers and timestamps normalised (the model is left out: a new error usually
    comes from every model of a provider)."""
    return error_fingerprint(
        failure.provider, failure.status, failure.exception_types, failure.text
    )


def _cut(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = sanitize(text)
    return text if len(text) <= limit else text[:limit]


def capture_record(
    decision: Decision, *, now: float, max_field_chars: int = 8000
) -> dict[str, Any]:
    """The corpus record of ``decision``'s failure (sanitised, fields cut to the limit)."""
    failure = decision.failure
    headers = {
        name: REDACTED if name.lower() in SECRET_HEADERS else sanitize(value)[:max_field_chars]
        for name, value in failure.headers.items()
    }
    answer = decision.as_dict()
    answer["specific"] = decision.specific
    stamp = datetime.fromtimestamp(now, tz=timezone.utc).isoformat(timespec="milliseconds")
    return {
        "fingerprint": failure_fingerprint(failure),
        "count": 1,
        "time": stamp.replace("+00:00", "Z"),
        "provider": failure.provider,
        "model": failure.model,
        "status": failure.status,
        "headers": headers or None,
        "body": _cut(failure.body, max_field_chars),
        "message": _cut(failure.message, max_field_chars),
        "exception": sorted(failure.exception_types - GENERIC_EXCEPTIONS),
        "decision": answer,
    }


class CaptureLog:
    """Appends the failures no specific rule recognised to a size-bounded JSONL file.

    Args:
        path: the file (created with mode 0600 when missing; its directory must exist).
        max_bytes: rotate before a write would make the file larger than this.
        backups: how many rotated files to keep (``PATH.1`` is the newest).
        max_field_chars: the longest body, message or header value written.
        flush_every: write the pending counts of repeated errors after this many repeats.
        clock: wall-clock seconds for the records' ``time`` (``time.time``).
    """

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        max_bytes: int = 10_000_000,
        backups: int = 3,
        max_field_chars: int = 8000,
        flush_every: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_bytes < 1024 or backups < 0 or max_field_chars < 1 or flush_every < 1:
            raise ValueError(
                "capture needs max_bytes >= 1024, backups >= 0, max_field_chars >= 1 and "
                "flush_every >= 1"
            )
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backups = backups
        self.max_field_chars = max_field_chars
        self.flush_every = flush_every
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: set[str] | None = None  # read from the file on the first capture
        self._pending: dict[str, int] = {}
        self._warned = False
        # Counts still in memory are written when the interpreter exits (the log may be
        # collected first: a weak reference does not keep it alive).
        atexit.register(_flush_at_exit, weakref.ref(self))

    @classmethod
    def of(cls, value: CaptureLog | str | PathLike[str] | None) -> CaptureLog | None:
        """``value`` as a capture log: a path opens one, a log is used as is, None is None."""
        if value is None or isinstance(value, CaptureLog):
            return value
        return cls(value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (RulesRetry is) by its options: the lock and counts stay with the process.
        return (
            _rebuild,
            (str(self.path), self.max_bytes, self.backups, self.max_field_chars, self.flush_every),
        )

    def __repr__(self) -> str:
        return f"CaptureLog({str(self.path)!r}, max_bytes={self.max_bytes})"

    def record(self, decision: Decision) -> bool:
        """Capture ``decision``'s failure unless a specific rule decided it; True when it was
        captured (written, or counted as a repeat). Never raises."""
        if decision.specific:
            return False
        try:
            key = failure_fingerprint(decision.failure)
            with self._lock:
                seen = self._known()
                if key in seen:
                    self._pending[key] = self._pending.get(key, 0) + 1
                    if sum(self._pending.values()) >= self.flush_every:
                        self._flush_locked()
                    return True
                line = capture_record(
                    decision, now=self.clock(), max_field_chars=self.max_field_chars
                )
                self._append(json.dumps(line, ensure_ascii=False))
                seen.add(key)
        except Exception as error:  # noqa: BLE001 — capturing must never break the call
            self._warn(error)
            return False
        return True

    def flush(self) -> None:
        """Write the counts of repeated errors still held in memory."""
        try:
            with self._lock:
                self._flush_locked()
        except Exception as error:  # noqa: BLE001 — called from close() and atexit
            self._warn(error)

    def close(self) -> None:
        """Flush the pending counts (the file is opened per write: nothing else to close)."""
        self.flush()

    # ── internals ────────────────────────────────────────────────────────────────────────

    def _flush_locked(self) -> None:
        pending, self._pending = self._pending, {}
        stamp = datetime.fromtimestamp(self.clock(), tz=timezone.utc)
        when = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for key, count in pending.items():
            self._append(json.dumps({"fingerprint": key, "count": count, "time": when}))

    def _known(self) -> set[str]:
        """The fingerprints already in the file and its backups (another process or an earlier
        run wrote them): their repeats are counted, not written again."""
        if self._seen is None:
            self._seen = {
                str(item["fingerprint"])
                for item in iter_capture_lines(self.path, self.backups)
                if "status" in item or "decision" in item
            }
        return self._seen

    def _append(self, line: str) -> None:
        data = (line.replace("\n", " ") + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and size + len(data) > self.max_bytes:
                os.close(fd)
                fd = -1
                self._rotate(len(data))
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(fd, data)  # one write per line: O_APPEND keeps lines whole
        finally:
            if fd >= 0:
                os.close(fd)

    def _rotate(self, incoming: int) -> None:
        with _file_lock(self.path.with_name(self.path.name + ".lock")):
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                return
            if size + incoming <= self.max_bytes:
                return  # another process rotated it meanwhile
            if self.backups == 0:
                self.path.unlink(missing_ok=True)
                return
            for number in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{number}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))

    def _warn(self, error: Exception) -> None:
        if not self._warned:
            self._warned = True
            logger.warning("capture to %s failed: %s", self.path, sanitize(str(error)))


def _flush_at_exit(reference: weakref.ref[CaptureLog]) -> None:
    log = reference()
    if log is not None:
        log.flush()


def _rebuild(
    path: str, max_bytes: int, backups: int, max_field_chars: int, flush_every: int
) -> CaptureLog:
    return CaptureLog(
        path,
        max_bytes=max_bytes,
        backups=backups,
        max_field_chars=max_field_chars,
        flush_every=flush_every,
    )


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    if _flock is None:  # pragma: no cover — Windows
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def iter_capture_lines(path: Path, backups: int) -> Iterator[Mapping[str, Any]]:
    """The JSON objects of a capture file and its backups, oldest first (bad lines skipped:
    a reader must not fail on a line cut by a full disk)."""
    names = [path.with_name(f"{path.name}.{n}") for n in range(backups, 0, -1)] + [path]
    for name in names:
        try:
            with name.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    try:
                        item = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(item, dict) and isinstance(item.get("fingerprint"), str):
                        yield item
        except FileNotFoundError:
            continue
