"""A rule set that follows its file: edit the rules of a running service without a restart.

:class:`ReloadingRuleSet` loads a rule file with :func:`~reliable_rules.load_rules` and, at
most every ``interval_s`` seconds, checks whether that file or any file it ``extends`` (every
file of :attr:`RuleSet.files <reliable_rules.ruleset.loader.RuleSet.files>`) changed. A file counts
as changed when its size, modification time or inode differ *and* its content hash differs,
so ``touch`` does not reload. The check is lazy: it runs inside :meth:`classify` (and
:meth:`reload`), so no thread is needed; :meth:`start` runs the same check in a daemon thread
for services that classify rarely but want the new rules (and the warnings) promptly.

* **Atomic swap.** A successful load replaces :attr:`current` with one attribute assignment
  of the new, immutable :class:`~reliable_rules.ruleset.loader.RuleSet`. A call to :meth:`classify`
  reads :attr:`current` once, so every decision comes from exactly one complete rule set.
* **Last valid set wins.** When the new content does not load, the previous set keeps
  serving; the problems are logged (logger ``reliable_rules``, WARNING) once per distinct bad
  content until a valid set loads again, :attr:`last_error` holds the
  :class:`~reliable_rules.errors.RuleSetError`, and ``on_error(error)`` is called. The same bad
  content is not loaded again: fix the file (or call ``reload(force=True)``).
* **Readers never wait.** At most one thread loads at a time (a lock taken with a
  non-blocking try); other threads keep classifying with the current set meanwhile.
* **Never raises** from :meth:`classify`, like :meth:`RuleSet.classify
  <reliable_rules.RuleSet.classify>`; only the constructor raises (the first load
  failing leaves nothing to serve).

Write rule files atomically (write a temporary file, then :func:`os.replace` it over the
old one), as configuration tools and Kubernetes ConfigMap volumes do: a reader of a file being
rewritten in place can see half of it, and half a rule file may well be valid.

Built-in sets (``builtin:NAME``, also as bases) are part of the installed package and are
not watched. A base file that a *broken* version of the file newly ``extends`` is not watched
until a version loads; ``reload(force=True)`` retries at any time.

With the executor: :class:`~reliable_rules.ReliableExecutor` takes a ``RuleSet`` when it is
created and reads ``executor.rules`` at the start of every call. To let an executor follow a
file, swap its rules from ``on_reload``::

    rules = ReloadingRuleSet("rules/prod.yaml", interval_s=5).start()
    executor = ReliableExecutor(providers, rules=rules.current)
    rules.on_reload = lambda old, new: setattr(executor, "rules", new)

(the backoff policy is read once, when the executor is created), or classify with
``rules.classify(...)`` directly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType

from reliable_rules.decision import Decision
from reliable_rules.errors import RuleSetError
from reliable_rules.ruleset.access import recording_reads
from reliable_rules.ruleset.loader import BUILTIN_PREFIX, load_rules
from reliable_rules.ruleset.model import RuleSet

__all__ = ["ReloadingRuleSet"]

logger = logging.getLogger("reliable_rules")

# A file modified this recently can change again within the file system's timestamp
# granularity without its size or mtime changing: such a file is re-hashed at every check
# until it is older (git's "racily clean" problem).
_RACY_NS = 2_000_000_000
# Distinct bad contents remembered (for logging once each) between two good loads.
_BAD_MEMORY = 64

_Stat = tuple[int, int, int, int]  # st_dev, st_ino, st_mtime_ns, st_size


@dataclass(frozen=True, slots=True)
class _Seen:
    """What a watched file looked like at the last check."""

    stat: _Stat | None  # None: missing or unreadable
    digest: str | None  # sha256 of the content; None: missing or unreadable
    racy: bool  # modified so recently that an unchanged stat proves nothing


def _stat(path: str) -> _Stat | None:
    try:
        result = os.stat(path)
    except OSError:
        return None
    return (result.st_dev, result.st_ino, result.st_mtime_ns, result.st_size)


def _hash(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _watched(ruleset: RuleSet) -> tuple[str, ...]:
    """Absolute paths of the files a rule set was layered from (built-ins excluded)."""
    return tuple(
        os.path.abspath(name) for name in ruleset.files if not name.startswith(BUILTIN_PREFIX)
    )


class ReloadingRuleSet:
    """A :class:`~reliable_rules.ruleset.loader.RuleSet` that reloads when its files change.

    Args:
        path: the rule file (a relative path is resolved once, now), or ``builtin:NAME``
            (served as is: built-in sets never change).
        interval_s: check the files at most this often (0: at every access).
        clock: monotonic seconds (default :func:`time.monotonic`); tests inject a fake one.
        on_reload: ``on_reload(old, new)`` after each swap, in the thread that reloaded.
        on_error: ``on_error(error)`` after each failed load (a
            :class:`~reliable_rules.errors.RuleSetError`), in the thread that tried.

    Exceptions raised by the callbacks are logged and otherwise ignored.

    Raises:
        RuleSetError: the first load failed (there is nothing to serve).
        ValueError: ``interval_s`` is negative.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        interval_s: float = 1.0,
        clock: Callable[[], float] | None = None,
        on_reload: Callable[[RuleSet, RuleSet], object] | None = None,
        on_error: Callable[[RuleSetError], object] | None = None,
    ) -> None:
        if interval_s < 0:
            raise ValueError(f"interval_s must be 0 or more, got {interval_s!r}")
        reference = os.fspath(path)
        builtin = reference.startswith(BUILTIN_PREFIX)
        self._source = reference if builtin else os.path.abspath(os.path.expanduser(reference))
        self.interval_s = float(interval_s)
        self.on_reload = on_reload
        self.on_error = on_error
        self._clock: Callable[[], float] = clock or time.monotonic
        self._lock = threading.Lock()
        self._seen: dict[str, _Seen] = {}
        self._bad: set[str] = set()
        self._failed_digest: str | None = None
        self._last_error: RuleSetError | None = None
        self._generation = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        ruleset, reads = self._load()
        self._files = () if builtin else _watched(ruleset)
        self._note_reads(reads)
        self._served_digest = self._digest()
        self._current = ruleset
        self._next_check = self._clock() + self.interval_s

    # ── what callers read ───────────────────────────────────────────────────────────────

    @property
    def current(self) -> RuleSet:
        """The rule set being served (checks the files first when a check is due)."""
        self._poll()
        return self._current

    @property
    def last_error(self) -> RuleSetError | None:
        """Why the latest load failed; None once the files load again (or are restored)."""
        return self._last_error

    @property
    def generation(self) -> int:
        """0 for the set loaded by the constructor, +1 for every successful swap."""
        return self._generation

    @property
    def source(self) -> str:
        """The rule file (absolute) or ``builtin:NAME``."""
        return self._source

    @property
    def files(self) -> tuple[str, ...]:
        """The watched files (absolute paths, bases first)."""
        return self._files

    def classify(
        self,
        error: object = None,
        /,
        *,
        status: int | None = None,
        headers: Mapping[str, object] | None = None,
        body: object = None,
        provider: str | None = None,
        model: str | None = None,
    ) -> Decision:
        """:meth:`RuleSet.classify <reliable_rules.RuleSet.classify>` with the current
        set, after checking the files when a check is due; never raises."""
        self._poll()
        return self._current.classify(
            error, status=status, headers=headers, body=body, provider=provider, model=model
        )

    def reload(self, force: bool = False) -> bool:
        """Check the files now (waiting for a reload in progress) and reload if they changed.

        With ``force``, load even if nothing changed (also content that failed before).
        Returns whether a new set was swapped in; a failed load returns False and is reported
        as described above, without raising.
        """
        with self._lock:
            self._next_check = self._clock() + self.interval_s
            return self._refresh(force=force)

    # ── the optional watcher thread ─────────────────────────────────────────────────────

    def start(self) -> ReloadingRuleSet:
        """Also check in a daemon thread every ``interval_s`` (at least every 10 ms)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._watch, name="reliable-rules-reload", daemon=True
                )
                self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the watcher thread, if one runs (lazy checks go on)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def __enter__(self) -> ReloadingRuleSet:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _watch(self) -> None:
        while not self._stop.wait(max(self.interval_s, 0.01)):
            self._poll()

    def __repr__(self) -> str:
        ruleset = self._current
        return (
            f"ReloadingRuleSet({self._source!r}, generation={self._generation}, "
            f"serving={ruleset.name} {ruleset.revision})"
        )

    # ── checking and loading ────────────────────────────────────────────────────────────

    def _poll(self) -> None:
        """Check the files if a check is due and no other thread is checking; never raises."""
        try:
            if not self._files or self._clock() < self._next_check:
                return
            if not self._lock.acquire(blocking=False):
                return  # another thread is checking or loading: serve the current set
            try:
                now = self._clock()
                if now < self._next_check:
                    return  # another thread just checked
                self._next_check = now + self.interval_s
                self._refresh(force=False)
            finally:
                self._lock.release()
        except Exception:  # classify never raises: a failed check only logs
            logger.exception("reliable_rules: checking %s for changes failed", self._source)

    def _scan(self, paths: tuple[str, ...]) -> bool:
        """Update what the files look like; True when some content differs from before."""
        changed = False
        for path in paths:
            stat = _stat(path)
            seen = self._seen.get(path)
            if seen is not None and seen.stat == stat and not seen.racy:
                continue
            digest = _hash(path)  # read after the stat: a later write changes the stat
            racy = stat is not None and time.time_ns() - stat[2] < _RACY_NS
            if seen is None or seen.digest != digest:
                changed = True
            self._seen[path] = _Seen(stat, digest, racy)
        return changed

    def _digest(self) -> str:
        combined = hashlib.sha256()
        for path in self._files:
            seen = self._seen.get(path)
            digest = seen.digest if seen is not None else None
            combined.update(f"{path}\0{digest or '-'}\0".encode("utf-8", "surrogateescape"))
        return combined.hexdigest()

    def _refresh(self, *, force: bool) -> bool:
        """Reload when the content changed (the caller holds the lock)."""
        if not self._files:
            return False
        changed = self._scan(self._files)
        digest = self._digest()
        if not force:
            if not changed:
                return False
            if digest == self._served_digest:  # back to what is being served
                self._last_error = None
                self._failed_digest = None
                self._bad.clear()
                return False
            if digest == self._failed_digest:
                return False
        try:
            ruleset, reads = self._load()
        except RuleSetError as error:
            self._failed(error, digest)
            return False
        self._swap(ruleset, reads)
        return True

    def _load(self) -> tuple[RuleSet, dict[str, tuple[os.stat_result, str]]]:
        """Load the rule set, noting what each file held when the loader read it."""
        with recording_reads() as reads:
            ruleset = load_rules(self._source)
        return ruleset, reads

    def _note_reads(self, reads: Mapping[str, tuple[os.stat_result, str]]) -> None:
        """Remember each watched file as the loader read it: what is served is what was read,
        whatever the file held when it was hashed before (it may have changed in between)."""
        for path in self._files:
            read = reads.get(os.path.realpath(path))
            if read is None:
                self._scan((path,))
                continue
            result, digest = read
            stat = (result.st_dev, result.st_ino, result.st_mtime_ns, result.st_size)
            # A file read so recently can change again without its stat changing: re-hash it.
            racy = time.time_ns() - result.st_mtime_ns < _RACY_NS
            self._seen[path] = _Seen(stat, digest, racy)

    def _failed(self, error: RuleSetError, digest: str) -> None:
        self._last_error = error
        self._failed_digest = digest
        if digest not in self._bad:
            if len(self._bad) >= _BAD_MEMORY:
                self._bad.clear()
            self._bad.add(digest)
            serving = self._current
            logger.warning(
                "reliable_rules: cannot reload rules from %s; still serving %s %s "
                "(generation %d): %s",
                self._source,
                serving.name,
                serving.revision,
                self._generation,
                "; ".join(str(problem) for problem in error.problems) or str(error),
            )
        callback = self.on_error
        if callback is not None:
            try:
                callback(error)
            except Exception:  # a callback bug must not stop reloading
                logger.exception("reliable_rules: on_error callback raised; ignoring it")

    def _swap(
        self, ruleset: RuleSet, reads: Mapping[str, tuple[os.stat_result, str]]
    ) -> None:
        files = _watched(ruleset)
        if files != self._files:
            self._seen = {path: seen for path, seen in self._seen.items() if path in files}
            self._files = files
        self._note_reads(reads)
        self._served_digest = self._digest()
        old = self._current
        self._current = ruleset  # the swap: one assignment of an immutable rule set
        self._generation += 1
        self._last_error = None
        self._failed_digest = None
        self._bad.clear()
        logger.info(
            "reliable_rules: reloaded rules from %s: %s %s (generation %d)",
            self._source,
            ruleset.name,
            ruleset.revision,
            self._generation,
        )
        callback = self.on_reload
        if callback is not None:
            try:
                callback(old, ruleset)
            except Exception:  # a callback bug must not stop reloading
                logger.exception("reliable_rules: on_reload callback raised; ignoring it")
