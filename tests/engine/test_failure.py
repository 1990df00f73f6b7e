"""Normalisation of whatever a call fails with into a Failure, and Retry-After extraction.

Transport errors are real: ``requests`` and ``urllib3`` talk to a local
``http.server`` on 127.0.0.1 that answers 429s, sleeps past the client's timeout, or drops
the connection mid-response. ``responses`` covers the unit-level mocked HTTPError, and
SDK-style errors are duck-typed classes defined here (no SDK is imported).
"""

from __future__ import annotations

import email.utils
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import responses
import urllib3
from helpers.ports import closed_port

from reliable_rules import Decision, Failure, RuleSet, load_rules, to_failure

MAX_MS = 2**64 - 1

OPENAI_429_BODY = {
    "error": {
        "message": "Rate limit reached for gpt-4o in organization org-x on requests per min.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
OPENAI_QUOTA_BODY = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


@pytest.fixture(scope="module")
def default() -> RuleSet:
    """builtin:default, the rule set most callers use."""
    return load_rules("builtin:default")


@pytest.fixture(scope="module")
def seed() -> RuleSet:
    """builtin:seed, the seed's exact classifier."""
    return load_rules("builtin:seed")


# ── a real local HTTP server ────────────────────────────────────────────────────────────


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self) -> None:
        """Answer according to the path."""
        if self.path == "/429":
            self._send(
                429,
                json.dumps(OPENAI_429_BODY).encode(),
                {"Retry-After": "7", "Content-Type": "application/json", "X-Request-ID": "req-1"},
            )
        elif self.path == "/quota":
            self._send(
                429, json.dumps(OPENAI_QUOTA_BODY).encode(), {"Content-Type": "application/json"}
            )
        elif self.path == "/503":
            self._send(503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
        elif self.path == "/slow":
            time.sleep(1.0)
            self._send(200, b"late", {})
        elif self.path == "/truncated":
            # Promise 1000 bytes, send 7, then close: the body is cut off mid-response.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"partial")
            self._drop()
        elif self.path == "/hangup":
            # Close without any response at all.
            self._drop()
        else:
            self._send(200, b"ok", {})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out leaves a broken pipe behind; that is expected here."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Base URL of a local HTTP server on a random port, shut down after the module."""
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, name="test-http-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(name="closed_port")
def closed_port_fixture() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    return closed_port()


def _throw(error: BaseException) -> None:
    raise error


def _raised(call: Any) -> BaseException:
    try:
        call()
    except BaseException as error:  # noqa: BLE001 — the test wants whatever the call raises
        return error
    pytest.fail("the call did not raise")


# ── requests, for real ──────────────────────────────────────────────────────────────────


def test_requests_http_error_gives_status_headers_and_body(server: str, default: RuleSet) -> None:
    """A real requests.HTTPError (raise_for_status on a 429) gives status, headers, JSON body."""
    response = requests.get(f"{server}/429", timeout=5)
    error = _raised(response.raise_for_status)
    assert isinstance(error, requests.HTTPError)
    failure = to_failure(error)
    assert failure.status == 429
    assert failure.headers["retry-after"] == "7"
    assert failure.headers["x-request-id"] == "req-1"
    assert all(name == name.lower() for name in failure.headers)
    assert json.loads(failure.body or "") == OPENAI_429_BODY
    assert "429 Client Error" in failure.message
    assert {"HTTPError", "RequestException"} <= failure.exception_types
    decision = default.classify(error)
    assert (decision.category, decision.retry_after_ms) == ("rate_limited", 7000)
    assert decision.rate_limited
    assert decision.retryable


def test_requests_http_error_with_quota_body_is_quota_exhausted(
    server: str, default: RuleSet
) -> None:
    """A real 429 whose JSON body says insufficient_quota is quota_exhausted, not retryable."""
    error = _raised(requests.get(f"{server}/quota", timeout=5).raise_for_status)
    decision = default.classify(error)
    assert decision.category == "quota_exhausted"
    assert decision.reason == "rate_limited_non_retryable"


def test_requests_response_itself_is_normalised(server: str, default: RuleSet) -> None:
    """A requests.Response passed directly gives its status, headers and body."""
    response = requests.get(f"{server}/503", timeout=5)
    failure = to_failure(response)
    assert failure.status == 503
    assert failure.headers["content-type"] == "text/html"
    assert failure.body == "<html>Service Unavailable</html>"
    assert default.classify(response).category == "server_error"


def test_requests_connection_refused_is_network_error(closed_port: int, default: RuleSet) -> None:
    """A real requests.ConnectionError (nothing listens on the port) is a network_error."""
    error = _raised(lambda: requests.get(f"http://127.0.0.1:{closed_port}/", timeout=5))
    assert isinstance(error, requests.ConnectionError)
    failure = to_failure(error)
    assert failure.status is None
    assert {"ConnectionError", "NewConnectionError", "MaxRetryError"} <= failure.exception_types
    assert "ConnectionRefusedError" in failure.exception_types
    assert str(closed_port) in failure.message
    decision = default.classify(error)
    assert decision.category == "network_error", decision.explain()
    assert decision.retryable


def test_requests_read_timeout_is_timeout(server: str, default: RuleSet) -> None:
    """A real requests.ReadTimeout (server slower than timeout=0.2) is a timeout."""
    error = _raised(lambda: requests.get(f"{server}/slow", timeout=0.2))
    assert isinstance(error, requests.ReadTimeout)
    failure = to_failure(error)
    assert failure.status is None
    assert {"ReadTimeout", "Timeout", "ReadTimeoutError"} <= failure.exception_types
    assert "Read timed out" in failure.message
    assert default.classify(error).category == "timeout"


URLLIB3_MAJOR = int(urllib3.__version__.split(".")[0])


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            "/truncated",
            marks=pytest.mark.skipif(
                URLLIB3_MAJOR < 2,
                reason="urllib3 1.26 does not enforce Content-Length: a cut body is no error",
            ),
        ),
        "/hangup",
    ],
)
def test_requests_dropped_connection_is_network_error(
    server: str, path: str, default: RuleSet
) -> None:
    """A real connection dropped mid-response (or before it) is a network_error."""
    if path == "/truncated" and urllib3.__version__.startswith("1."):
        # urllib3 1.x does not enforce Content-Length (2.x does): requests returns the short
        # body without an error. The adapters check it themselves (test_response_limits.py).
        pytest.skip("urllib3 1.x returns a truncated Content-Length body without an error")
    error = _raised(lambda: requests.get(f"{server}{path}", timeout=5))
    assert isinstance(error, requests.exceptions.ChunkedEncodingError | requests.ConnectionError)
    failure = to_failure(error)
    assert failure.status is None
    assert failure.exception_types & {"ProtocolError", "ChunkedEncodingError", "ConnectionError"}
    assert default.classify(error).category == "network_error"


# ── urllib3, for real ───────────────────────────────────────────────────────────────────


def test_urllib3_max_retry_error_reason_is_followed(closed_port: int, default: RuleSet) -> None:
    """urllib3 MaxRetryError (Retry(0)) is normalised through its .reason to a network_error."""
    pool = urllib3.PoolManager(retries=urllib3.Retry(0))
    error = _raised(lambda: pool.request("GET", f"http://127.0.0.1:{closed_port}/"))
    assert isinstance(error, urllib3.exceptions.MaxRetryError)
    assert isinstance(error.reason, urllib3.exceptions.NewConnectionError)
    failure = to_failure(error)
    assert {
        "MaxRetryError",
        "NewConnectionError",
        "ConnectionRefusedError",
    } <= failure.exception_types
    assert "Max retries exceeded" in failure.message
    assert default.classify(error).category == "network_error", default.classify(error).explain()


def test_urllib3_max_retry_error_for_read_timeout_is_timeout(server: str, default: RuleSet) -> None:
    """urllib3 MaxRetryError whose .reason is a ReadTimeoutError is a timeout."""
    pool = urllib3.PoolManager(retries=urllib3.Retry(0, read=0))
    error = _raised(lambda: pool.request("GET", f"{server}/slow", timeout=0.2))
    assert isinstance(error, urllib3.exceptions.MaxRetryError)
    assert isinstance(error.reason, urllib3.exceptions.ReadTimeoutError)
    assert "ReadTimeoutError" in to_failure(error).exception_types
    assert default.classify(error).category == "timeout"


def test_urllib3_read_timeout_error_is_timeout(server: str, default: RuleSet) -> None:
    """A bare urllib3 ReadTimeoutError (retries=False) is a timeout."""
    pool = urllib3.PoolManager(retries=False)
    error = _raised(lambda: pool.request("GET", f"{server}/slow", timeout=0.2))
    assert isinstance(error, urllib3.exceptions.ReadTimeoutError)
    assert to_failure(error).status is None
    assert default.classify(error).category == "timeout"


@pytest.mark.parametrize("path", ["/truncated", "/hangup"])
def test_urllib3_protocol_error_is_network_error(server: str, path: str, default: RuleSet) -> None:
    """A bare urllib3 ProtocolError (connection dropped, retries=False) is a network_error."""
    pool = urllib3.PoolManager(retries=False)
    error = _raised(lambda: pool.request("GET", f"{server}{path}"))
    assert isinstance(error, urllib3.exceptions.ProtocolError)
    failure = to_failure(error)
    assert "ProtocolError" in failure.exception_types
    assert default.classify(error).category == "network_error"


def test_urllib3_new_connection_error_is_network_error(closed_port: int, default: RuleSet) -> None:
    """A bare urllib3 NewConnectionError (retries=False, connection refused) is a network_error."""
    pool = urllib3.PoolManager(retries=False)
    error = _raised(lambda: pool.request("GET", f"http://127.0.0.1:{closed_port}/"))
    assert isinstance(error, urllib3.exceptions.NewConnectionError)
    assert default.classify(error).category == "network_error", default.classify(error).explain()


def test_urllib3_response_is_normalised(server: str, default: RuleSet) -> None:
    """A urllib3 HTTPResponse gives status, lower-cased headers and its .data body."""
    pool = urllib3.PoolManager(retries=False)
    response = pool.request("GET", f"{server}/429")
    failure = to_failure(response)
    assert failure.status == 429
    assert failure.headers["retry-after"] == "7"
    assert json.loads(failure.body or "") == OPENAI_429_BODY
    decision = default.classify(response)
    assert (decision.category, decision.retry_after_ms) == ("rate_limited", 7000)


# ── requests, mocked with `responses` ───────────────────────────────────────────────────


@responses.activate
def test_mocked_http_error_with_responses(default: RuleSet) -> None:
    """An HTTPError from a `responses`-mocked 429 carries status, headers and body."""
    responses.add(
        responses.POST,
        "https://api.example.test/v1/chat/completions",
        json=OPENAI_QUOTA_BODY,
        status=429,
        headers={"Retry-After-Ms": "1500", "X-RateLimit-Remaining-Requests": "0"},
    )
    response = requests.post("https://api.example.test/v1/chat/completions", json={}, timeout=5)
    error = _raised(response.raise_for_status)
    failure = to_failure(error)
    assert failure.status == 429
    assert failure.headers["retry-after-ms"] == "1500"
    assert failure.headers["x-ratelimit-remaining-requests"] == "0"
    assert json.loads(failure.body or "") == OPENAI_QUOTA_BODY
    decision = default.classify(error)
    assert decision.category == "quota_exhausted"
    assert decision.retry_after_ms == 1500


@responses.activate
def test_mocked_connection_error_with_responses(default: RuleSet) -> None:
    """A requests.ConnectionError raised by `responses` is a network_error."""
    responses.add(
        responses.GET,
        "https://api.example.test/v1/models",
        body=requests.ConnectionError("Connection reset by peer"),
    )
    error = _raised(lambda: requests.get("https://api.example.test/v1/models", timeout=5))
    assert default.classify(error).category == "network_error"


# ── provider SDK errors, duck-typed ─────────────────────────────────────────────────────


class ResponseNotRead(Exception):
    """Shaped like httpx.ResponseNotRead: .text of a streamed response that was not read."""


class FakeHttpxResponse:
    """Shaped like httpx.Response: status_code, headers, text (None: a streamed, unread body)."""

    def __init__(self, status_code: int, headers: dict[str, str], text: str | None = None) -> None:
        self.status_code = status_code
        self.headers = headers
        self._text = text

    @property
    def text(self) -> str:
        """The body text; raises like httpx when the streamed body was never read."""
        if self._text is None:
            raise ResponseNotRead("Attempted to access streaming response content")
        return self._text


class APIStatusError(Exception):
    """Shaped like openai.APIStatusError / anthropic.APIStatusError."""

    def __init__(self, message: str, *, response: FakeHttpxResponse, body: object) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body


class RateLimitError(APIStatusError):
    """Shaped like openai.RateLimitError."""


class BodyOnlyError(Exception):
    """An SDK error with status_code and a parsed body but no response object."""

    def __init__(self, message: str, status_code: object, body: object) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


def test_sdk_status_error_is_duck_typed(default: RuleSet) -> None:
    """An openai-style APIStatusError gives status_code, response.headers and the body dict."""
    error = RateLimitError(
        f"Error code: 429 - {OPENAI_429_BODY}",
        response=FakeHttpxResponse(
            429, {"Retry-After-Ms": "250", "X-Request-ID": "r"}, json.dumps(OPENAI_429_BODY)
        ),
        body=OPENAI_429_BODY,
    )
    failure = to_failure(error)
    assert failure.status == 429
    assert dict(failure.headers) == {"retry-after-ms": "250", "x-request-id": "r"}
    assert json.loads(failure.body or "") == OPENAI_429_BODY
    assert {"RateLimitError", "APIStatusError", "Exception"} <= failure.exception_types
    decision = default.classify(error)
    assert (decision.category, decision.retry_after_ms) == ("rate_limited", 250)


def test_sdk_status_error_with_unread_stream_uses_body(default: RuleSet) -> None:
    """When response.text raises (streamed, unread), the error's parsed body is used instead."""
    error = RateLimitError(
        "Error code: 429",
        response=FakeHttpxResponse(429, {"retry-after": "1"}),
        body=OPENAI_QUOTA_BODY,
    )
    failure = to_failure(error)
    assert failure.status == 429
    assert json.loads(failure.body or "") == OPENAI_QUOTA_BODY
    decision = default.classify(error)
    assert (decision.category, decision.retry_after_ms) == ("quota_exhausted", 1000)


def test_sdk_error_body_only(default: RuleSet) -> None:
    """An error with status_code and body (no response) is read by duck typing."""
    error = BodyOnlyError(
        "Error code: 400", 400, {"error": {"message": "maximum context length is 8192"}}
    )
    failure = to_failure(error)
    assert failure.status == 400
    assert "maximum context length" in (failure.body or "")
    assert default.classify(error).category == "context_window_exceeded"


@pytest.mark.parametrize(
    ("status_code", "expected"),
    [
        pytest.param("503", 503, id="numeric-string"),
        pytest.param(True, None, id="bool-is-not-a-status"),
        pytest.param(None, None, id="none"),
        pytest.param(4.29e2, None, id="float"),
        pytest.param(10**12, None, id="absurd-int"),
        pytest.param("abc", None, id="text"),
    ],
)
def test_sdk_status_code_of_odd_type(
    status_code: object, expected: int | None, default: RuleSet
) -> None:
    """A status_code that is not a plain int becomes an int when numeric text, else no status."""
    error = BodyOnlyError("upstream said no", status_code, None)
    assert to_failure(error).status == expected
    assert isinstance(default.classify(error), Decision)


def test_plain_object_with_status_code_headers_body(default: RuleSet) -> None:
    """Any object (not an exception) with status_code/headers/body is read the same way."""

    class Reply:
        status_code = 401
        headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}
        body = b'{"error": "invalid api key"}'

    failure = to_failure(Reply())
    assert failure.status == 401
    assert failure.headers == {"www-authenticate": "Bearer"}
    assert failure.body == '{"error": "invalid api key"}'
    assert default.classify(Reply()).category == "auth_failed"


# ── strings, bytes, None, exceptions ────────────────────────────────────────────────────


def test_string_is_the_message(default: RuleSet) -> None:
    """A plain string is the failure's message, with no status."""
    failure = to_failure("429 Too Many Requests")
    assert failure == Failure("429 Too Many Requests")
    assert default.classify("429 Too Many Requests").category == "rate_limited"


def test_bytes_are_decoded_leniently(default: RuleSet) -> None:
    """Bytes are decoded as UTF-8 with replacement, never raising."""
    failure = to_failure(b"\xff\xfe 401 Unauthorized \xc3")
    assert "401 Unauthorized" in failure.message
    assert default.classify(b"\xff\xfe 401 Unauthorized \xc3").category == "auth_failed"


def test_none_is_an_empty_failure(default: RuleSet) -> None:
    """None normalises to an empty failure and classifies as unknown."""
    assert to_failure(None) == Failure()
    decision = default.classify(None)
    assert (decision.category, decision.rule_id) == ("unknown", None)


def test_exception_whose_str_raises(default: RuleSet) -> None:
    """An exception whose __str__ raises still normalises (type names kept) and classifies."""

    class Unprintable(Exception):
        status_code = 429

        def __str__(self) -> str:
            raise RuntimeError("no str for you")

    failure = to_failure(Unprintable())
    assert isinstance(failure.message, str)
    assert "Unprintable" in failure.exception_types
    assert failure.status == 429
    assert default.classify(Unprintable()).category == "rate_limited"


def test_object_whose_every_attribute_raises_normalises() -> None:
    """to_failure never raises, even for a proxy whose every attribute access raises.

    Lazy proxies (werkzeug's LocalProxy outside a context, closed resources) do this, even for
    ``__class__``; the failure module promises less information, never an exception.
    """

    class DeadProxy:
        def __getattribute__(self, name: str) -> Any:
            raise RuntimeError(f"working outside of context ({name})")

    failure = to_failure(DeadProxy())
    assert isinstance(failure, Failure)
    assert failure.status is None


def test_explicit_cause_chain_is_included(default: RuleSet) -> None:
    """`raise A from B`: B's message and types are part of the failure."""

    def call() -> None:
        try:
            _throw(ConnectionResetError(104, "Connection reset by peer"))
        except OSError as inner:
            raise RuntimeError("provider call failed") from inner

    outer = _raised(call)
    failure = to_failure(outer)
    assert "provider call failed" in failure.message
    assert "Connection reset by peer" in failure.message
    assert {"RuntimeError", "ConnectionResetError", "ConnectionError"} <= failure.exception_types
    assert default.classify(outer).category == "network_error"


def test_implicit_context_is_included(default: RuleSet) -> None:
    """An exception raised while handling another carries the other's text and types."""

    def parse() -> None:
        try:
            _throw(TimeoutError("upstream timed out"))
        except TimeoutError:
            raise ValueError("could not parse the reply")  # noqa: B904 — implicit context on purpose

    outer = _raised(parse)
    failure = to_failure(outer)
    assert "upstream timed out" in failure.message
    assert "TimeoutError" in failure.exception_types
    assert default.classify(outer).category == "timeout"


def test_suppressed_context_is_left_out() -> None:
    """`raise X from None` hides the context, as Python's own traceback does."""

    def parse() -> None:
        try:
            _throw(TimeoutError("upstream timed out"))
        except TimeoutError:
            raise ValueError("clean error") from None

    outer = _raised(parse)
    failure = to_failure(outer)
    assert failure.message == "clean error"
    assert "TimeoutError" not in failure.exception_types


def test_status_is_found_deep_in_the_cause_chain(server: str, default: RuleSet) -> None:
    """A wrapper exception raised from a real HTTPError gets the HTTPError's status and headers."""
    response = requests.get(f"{server}/429", timeout=5)

    def call() -> None:
        try:
            response.raise_for_status()
        except requests.HTTPError as inner:
            raise RuntimeError("chat completion failed") from inner

    outer = _raised(call)
    failure = to_failure(outer)
    assert failure.status == 429
    assert failure.headers["retry-after"] == "7"
    decision = default.classify(outer)
    assert (decision.category, decision.retry_after_ms) == ("rate_limited", 7000)


def test_cause_cycle_terminates(default: RuleSet) -> None:
    """Exceptions whose causes form a cycle normalise without looping."""
    first, second = RuntimeError("first"), ValueError("second")
    first.__cause__, second.__cause__ = second, first
    failure = to_failure(first)
    assert "first" in failure.message
    assert "second" in failure.message
    assert isinstance(default.classify(first), Decision)


# ── JSON bodies and JSON inside message text ────────────────────────────────────────────

JSON_RULES = """\
format: reliable-rules/v1
name: json-rules
extends: builtin:default
rules:
  - id: zai.plan
    when: {json: {path: error.code, equals: 1311}}
    then: {category: quota_exhausted}
  - id: google.retry-info
    when: {json: {path: "error.details.*.@type", matches: "RetryInfo$"}}
    then: {category: rate_limited}
"""


@pytest.fixture(scope="module")
def json_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    """A small rule set whose rules read JSON fields."""
    path = tmp_path_factory.mktemp("json") / "json-rules.yaml"
    path.write_text(JSON_RULES, encoding="utf-8")
    return load_rules(path)


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(
            'API error (400 Bad Request): {"error":{"code":1311,"message":"plan"}}', id="suffix"
        ),
        pytest.param('{"error": {"code": "1311"}} returned by upstream', id="prefix-string-code"),
        pytest.param('failed: [note] then {"error":{"code":1311}}', id="after-a-non-json-bracket"),
    ],
)
def test_json_embedded_in_message_text_is_matched(json_rules: RuleSet, message: str) -> None:
    """A json: rule finds JSON embedded in the message text."""
    decision = json_rules.classify(message)
    assert (decision.category, decision.rule_id) == ("quota_exhausted", "zai.plan")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"error": {"code": 1311}}, id="dict"),
        pytest.param('{"error": {"code": 1311}}', id="str"),
        pytest.param(b'{"error": {"code": 1311}}', id="bytes"),
    ],
)
def test_json_body_is_matched(json_rules: RuleSet, body: object) -> None:
    """A json: rule reads the body given as a mapping, a string or bytes."""
    decision = json_rules.classify("Bad Request", status=400, body=body)
    assert decision.rule_id == "zai.plan"


def test_json_body_of_an_exception_is_matched(json_rules: RuleSet) -> None:
    """A json: rule reads the parsed body of a duck-typed SDK error."""
    body = {
        "error": {
            "code": 429,
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "6s"}],
        }
    }
    error = BodyOnlyError("resource exhausted", 400, body)
    assert json_rules.classify(error).rule_id == "google.retry-info"


def test_non_json_text_does_not_match_json_rule(json_rules: RuleSet) -> None:
    """Text without JSON (or with broken JSON) does not match a json: rule and does not raise."""
    for text in ("code 1311 but no json", '{"error": {"code": 1311', "{" * 10_000):
        assert json_rules.classify(text).rule_id != "zai.plan"


# ── explicit keywords ───────────────────────────────────────────────────────────────────


def test_explicit_keywords_override_the_errors_own(default: RuleSet) -> None:
    """status=, headers= and body= given to classify win over what the error carries."""
    error = RateLimitError(
        "Error code: 429",
        response=FakeHttpxResponse(429, {"Retry-After": "9"}, text="slow down"),
        body={"error": "slow down"},
    )
    failure = to_failure(
        error, status=503, headers={"Retry-After": "3"}, body="upstream overloaded"
    )
    assert failure.status == 503
    assert failure.headers["retry-after"] == "3"
    assert failure.body == "upstream overloaded"
    assert "RateLimitError" in failure.exception_types
    decision = default.classify(error, status=503, headers={"Retry-After": "3"}, body="x")
    assert (decision.category, decision.retry_after_ms) == ("server_error", 3000)


def test_explicit_keywords_with_a_string(default: RuleSet) -> None:
    """A message with explicit status/headers/body/provider/model keeps all of them."""
    failure = to_failure(
        "upstream",
        status=429,
        headers={"X-Should-Retry": "false"},
        body=b'{"ok": false}',
        provider="zai",
        model="glm-4.7",
    )
    assert failure == Failure(
        "upstream", 429, {"x-should-retry": "false"}, '{"ok": false}', frozenset(), "zai", "glm-4.7"
    )


def test_explicit_odd_status_is_ignored(default: RuleSet) -> None:
    """A status keyword that is not an HTTP status is dropped, not raised on."""
    for status in ("abc", -1, 10**9, True):
        failure = to_failure("x", status=status)  # type: ignore[arg-type]
        assert failure.status is None
        assert default.classify("x", status=status).category == "unknown"  # type: ignore[arg-type]


# ── Retry-After ─────────────────────────────────────────────────────────────────────────


def _http_date(offset_s: float) -> str:
    return email.utils.formatdate(time.time() + offset_s, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({"Retry-After-Ms": "1500"}, 1500, id="retry-after-ms"),
        pytest.param({"retry-after-ms": "12.5"}, 12, id="retry-after-ms-fraction"),
        pytest.param({"Retry-After": "7"}, 7000, id="retry-after-seconds"),
        pytest.param({"Retry-After": "2.5"}, 2500, id="retry-after-fraction"),
        pytest.param({"Retry-After": "0"}, 0, id="retry-after-zero"),
        pytest.param({"Retry-After": "2", "Retry-After-Ms": "900"}, 900, id="ms-header-first"),
        pytest.param({"Retry-After": "soon"}, None, id="unreadable"),
        pytest.param({"Retry-After": _http_date(-300)}, 0, id="http-date-in-the-past"),
        pytest.param({"Retry-After": "99999999999999999999999999"}, MAX_MS, id="absurd-seconds"),
        pytest.param({"Retry-After-Ms": "1e30"}, MAX_MS, id="absurd-ms"),
        pytest.param({"Retry-After": "18446744073709551.616"}, MAX_MS, id="just-over-u64-ms"),
    ],
)
def test_retry_after_headers(
    default: RuleSet, headers: dict[str, str], expected: int | None
) -> None:
    """builtin:default reads retry-after-ms, then retry-after (seconds or HTTP-date), clamped."""
    assert (
        default.classify("Too Many Requests", status=429, headers=headers).retry_after_ms
        == expected
    )


def test_retry_after_http_date_in_the_future(default: RuleSet) -> None:
    """A Retry-After HTTP-date 30 s ahead gives about 30 000 ms (HTTP-dates have 1 s resolution)."""
    wait = default.classify("x", status=429, headers={"Retry-After": _http_date(30)}).retry_after_ms
    assert wait is not None
    assert 27_000 <= wait <= 31_000


def test_retry_after_non_finite_header_does_not_raise(default: RuleSet) -> None:
    """A Retry-After that overflows a float is either ignored or clamped, never raised on."""
    for value in ("1e400", "1" + "0" * 400, "inf", "nan", "-5", "-1e400"):
        wait = default.classify("x", status=429, headers={"Retry-After": value}).retry_after_ms
        assert wait is None or 0 <= wait <= MAX_MS, value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("429 Too Many Requests, Retry-After: 5", 5000, id="retry-after-colon"),
        pytest.param("429 rate limit; retry_after: 2.5", 2500, id="retry_after-colon"),
        pytest.param("429 Too Many Requests retry-after 7", 7000, id="retry-after-space"),
        pytest.param("429 rate limit RETRY_AFTER 3", 3000, id="retry_after-space-upper"),
        pytest.param("Retry-After:\t 0.001", 1, id="whitespace-skipped"),
        pytest.param("retry-after: soon", None, id="no-number"),
        pytest.param("retry-after: 99999999999999999999999999", MAX_MS, id="absurd-clamped"),
        pytest.param("retry-after: 18446744073709551.616", MAX_MS, id="just-over-u64-ms"),
        # The seed skips a number that overflows f64 to infinity; so does the parity profile.
        pytest.param("retry-after: 1" + "0" * 400, None, id="overflows-to-infinity"),
    ],
)
def test_retry_after_text_prefixes(
    seed: RuleSet, default: RuleSet, text: str, expected: int | None
) -> None:
    """The seed's four text prefixes give the wait in ms, in builtin:seed and builtin:default."""
    assert seed.classify(text).retry_after_ms == expected
    assert default.classify(text).retry_after_ms == expected


def test_retry_after_header_wins_over_text(default: RuleSet) -> None:
    """In builtin:default a Retry-After header is used before a number in the text."""
    decision = default.classify("Retry-After: 5", status=429, headers={"Retry-After": "2"})
    assert decision.retry_after_ms == 2000


def test_retry_after_from_a_real_response(server: str, seed: RuleSet, default: RuleSet) -> None:
    """The Retry-After header of a real 429 is read by default; the seed reads only text."""
    error = _raised(requests.get(f"{server}/429", timeout=5).raise_for_status)
    assert default.classify(error).retry_after_ms == 7000
    assert seed.classify(error).retry_after_ms is None


def test_failure_text_combines_message_and_body() -> None:
    """Failure.text is the message plus the body when the message does not already hold it."""
    assert Failure("boom", body="detail").text == "boom\ndetail"
    assert Failure("boom: detail", body="detail").text == "boom: detail"
    assert Failure("", body="detail").text == "detail"


def test_huge_body_is_bounded(tmp_path: Path, default: RuleSet) -> None:
    """A 10 MB body is cut to a bounded text and still classified quickly."""
    body = "x" * 10_000_000 + " 401 Unauthorized"
    started = time.perf_counter()
    decision = default.classify(None, status=503, body=body)
    assert time.perf_counter() - started < 2.0
    assert decision.category == "server_error"
    assert len(to_failure(None, body=body).text) < len(body)
