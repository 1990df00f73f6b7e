"""The request and answer grids of builtin:default (rules/default/grid-request.yaml), generated.

Each concept is a subject vocabulary times a verdict vocabulary, in either word order: the
caller's request (a parameter, field, argument, value, role, content type ... that is
invalid, unsupported, missing ...), the server's failure (an internal, backend, upstream,
worker, GPU ... error, crash, panic, out of memory), the transport's (a connection, socket,
stream, TLS handshake ... reset, refused, closed, interrupted; timed out) and a content
verdict (safety, policy, moderation, content, prompt, output ... blocked, flagged, violating).
The cases are GENERATED from those products, untyped (no status: an SDK's or a wrapper's
text), and the near-miss table shows what each grid must leave to another family.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest


def _grid(subjects: list[str], verdicts: list[tuple[str, str]], expected: str) -> list[Any]:
    """One case per subject x verdict template (templates carry the word order)."""
    return [
        pytest.param(template.format(s=subject), expected, id=f"{expected}-{subject}-{name}")
        for subject, (name, template) in product(subjects, verdicts)
    ]


REQUEST_SUBJECTS = [
    "parameter 'top_k'",
    "field 'stop'",
    "argument 'seed'",
    "value for 'n'",
    "option 'foo'",
    "property 'bar'",
    "content type",
    "mime type",
    "encoding",
    "role 'narrator'",
    "request format",
]
REQUEST_VERDICTS = [
    ("invalid-before", "Invalid {s}"),
    ("invalid-after", "The {s} is invalid"),
    ("unsupported-before", "Unsupported {s}"),
    ("unsupported-after", "{s} is not supported"),
    ("unrecognized", "Unrecognized {s}"),
    ("unknown", "Unknown {s}"),
    ("not-allowed", "{s} is not allowed"),
    ("not-permitted", "{s} not permitted"),
    ("required", "{s} is required"),
    ("missing", "Missing {s}"),
    ("malformed", "Malformed {s}"),
    ("deprecated", "{s} is deprecated"),
    ("empty", "{s} cannot be empty"),
    ("null", "{s} must not be null"),
]
SERVER_SUBJECTS = ["internal", "backend", "worker", "inference", "GPU", "CUDA", "runtime", "engine"]
SERVER_VERDICTS = [
    ("error", "{s} error"),
    ("failure", "{s} failure while generating"),
    ("crashed", "The {s} process crashed"),
    ("panic", "{s} panicked while decoding"),
    ("overloaded", "{s} overloaded"),
    ("oom", "{s} out of memory"),
]
NETWORK_SUBJECTS = [
    "connection",
    "socket",
    "stream",
    "TLS handshake",
    "TCP connection",
    "HTTP/2 stream",
    "upstream connection",
]
NETWORK_VERDICTS = [
    ("aborted", "{s} aborted"),
    ("reset", "{s} reset by peer"),
    ("refused", "{s} refused"),
    ("closed", "{s} closed unexpectedly"),
    ("failed", "{s} failed"),
    ("incomplete", "{s} ended incomplete"),
    ("interrupted", "{s} was interrupted"),
    ("broken", "{s} broken"),
]
TIMEOUT_SUBJECTS = ["read", "request", "response", "stream", "socket read", "operation"]
TIMEOUT_VERDICTS = [("timed-out", "{s} timed out"), ("timeout", "{s} timeout after 60s")]
CONTENT_SUBJECTS = ["prompt", "output", "image", "input", "content", "response", "request"]
CONTENT_VERDICTS = [
    ("blocked-safety", "{s} blocked by safety filters"),
    ("flagged", "{s} was flagged by moderation"),
    ("violates", "The {s} violates our usage policies"),
    ("filtered", "{s} filtered due to policy"),
    ("inappropriate", "{s} contains inappropriate material"),
    ("unsafe", "{s} classified as unsafe"),
    ("harmful", "{s} judged harmful"),
    ("rejected-policy", "{s} rejected by the content policy"),
]

GRIDS = (
    _grid(REQUEST_SUBJECTS, REQUEST_VERDICTS, "client_error")
    + _grid(SERVER_SUBJECTS, SERVER_VERDICTS, "server_error")
    + _grid(NETWORK_SUBJECTS, NETWORK_VERDICTS, "network_error")
    + _grid(TIMEOUT_SUBJECTS, TIMEOUT_VERDICTS, "timeout")
    + _grid(CONTENT_SUBJECTS, CONTENT_VERDICTS, "content_filtered")
)


@pytest.mark.parametrize(("text", "expected"), GRIDS)
def test_request_grids(default: Any, text: str, expected: str) -> None:
    """Every subject x verdict of the request, server, transport and content grids decides its concept."""
    assert default.classify(text).category == expected


#: (text, status, category): what each grid must leave to another family (None: an earlier
#: family or a status fallback decides it, right or not, and no grid may).
NEAR_MISSES = [
    ("Unknown field 'strict' in tool definition", None, "tool_schema_error"),
    ("max_tokens must be less than or equal to 4096", 400, None),
    ("Invalid API key provided", None, "auth_failed"),
    ("Unsupported content type: text/csv", None, "client_error"),
    ("internal error: parameter 'n' is invalid", None, "client_error"),
    ("stream option is not supported by this model", None, "client_error"),
    ("Rate limit policy exceeded for requests per minute", None, "rate_limited"),
    ("request timeout must be a positive number", None, None),
    ("dial tcp 10.0.0.1:443: connect: connection timed out", None, "network_error"),
]
GRID_RULES = {
    "default.grid.request",
    "default.grid.server",
    "default.grid.network",
    "default.grid.content",
}


@pytest.mark.parametrize(("text", "status", "expected"), NEAR_MISSES)
def test_request_grid_near_misses(
    default: Any, text: str, status: int | None, expected: str | None
) -> None:
    """A tool definition, a token bound, a credential, a content type or a stream option keeps its family."""
    decision = default.classify(text, status=status)
    if expected is not None:
        assert decision.category == expected
    if expected != "client_error":
        assert decision.rule_id not in GRID_RULES
