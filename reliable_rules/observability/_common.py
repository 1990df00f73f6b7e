"""What both integrations read off the executor's records: low-cardinality values only.

Nothing here is ever a key or a message: an error is named by its class, a failure by its
category, rule id and HTTP status.
"""

from __future__ import annotations

from reliable_rules.errors import AttemptRecord

__all__ = ["NO_CATEGORY", "attempt_outcome", "error_type", "http_status"]

#: The ``category`` label of a successful attempt (Prometheus labels always have a value).
NO_CATEGORY = "none"


def error_type(error: BaseException | None) -> str | None:
    """The error's fully qualified class name (OpenTelemetry's ``error.type``), None without
    one: ``TimeoutError``, ``requests.exceptions.ConnectionError``."""
    if error is None:
        return None
    cls = type(error)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def http_status(record: AttemptRecord) -> int | None:
    """The HTTP status the failed attempt's error carried, if any."""
    decision = record.decision
    return None if decision is None else decision.failure.status


def attempt_outcome(record: AttemptRecord) -> str:
    """``success`` or ``failure``."""
    return "failure" if record.failed else "success"
