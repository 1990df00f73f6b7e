# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real Chinese and Japanese texts
"""builtin:default's w18 families and guards, from both sides, in the whole set.

Written from round 15's published blind misses as concepts (rules/default/w18-families.yaml
and the "(w18)" guards of vocabulary.yaml, quota.yaml, grid-throttle.yaml and
transport.yaml): processes killed on a signal or for memory (never a quota, even with "hard
limit"), platforms that stopped work for its time or CPU budget, timeouts named inside a
wrapper's connection exception, and money words that only name an address (a URL path, a
resource's snake_case name). Every case here is a wording made up for the test (imagined
providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # processes killed on a signal or for memory: the server's failure
    case("server_error", "runtime-signal-killed", message="Error: Runtime exited with error: signal: killed"),
    case("server_error", "worker-killed-by-signal", status=500, body="worker killed by signal 9 (SIGKILL)"),
    case("server_error", "container-exit-139", message="container exited with code 139"),
    case("server_error", "sigsegv-received", message="Fatal: received signal SIGSEGV, segmentation fault"),
    case("server_error", "pod-oomkilled", status=503, body="pod OOMKilled while serving the request"),
    case("server_error", "isolate-memory-limit", message="The isolate exceeded its memory limit of 512 MB and was terminated"),
    case("server_error", "memory-hard-limit", status=502, body="memory hard limit exceeded, terminated"),
    case("server_error", "chinese-out-of-memory-killed", message="推理服务内存不足，进程已被终止"),
    case("server_error", "japanese-out-of-memory", message="メモリ不足のためプロセスが強制終了されました"),
    case("server_error", "spanish-memory-limit", message="Límite de memoria excedido: el proceso fue detenido"),
    case("server_error", "german-memory-limit", message="Speicherlimit überschritten, Worker beendet"),
    # platforms that stopped work for its time or CPU budget: a timeout
    case("timeout", "cpu-time-limit", message="CPU time limit exceeded"),
    case("timeout", "maximum-execution-time", message="Task exceeded the maximum execution time of 900 seconds"),
    case("timeout", "initializing-for-too-long", message="Runner has been initializing for too long: 300 seconds"),
    case("timeout", "php-max-execution-time", status=500, body="Maximum execution time of 30 seconds exceeded"),
    case("timeout", "model-loading-for-too-long", message="The model has been loading for too long, giving up"),
    case("timeout", "chinese-execution-time", message="函数执行时间超过限制"),
    case("timeout", "japanese-execution-time", message="実行時間の上限を超えました"),
    case("timeout", "spanish-execution-time", message="Tiempo de ejecución excedido"),
    case("timeout", "german-execution-time", message="Maximale Ausführungszeit überschritten"),
    case("timeout", "french-execution-time", message="Temps d'exécution maximal dépassé"),
    # timeouts named inside a wrapper's connection exception
    case("timeout", "litellm-timeout-wrapped", message="litellm.APIConnectionError: GroqException - litellm.Timeout: Request timed out. Timeout passed=30.0, time taken=30.02 seconds", exception="APIConnectionError"),
    case("timeout", "httpx-read-timeout-wrapped", message="APIConnectionError: httpx.ReadTimeout: The read operation timed out", exception="APIConnectionError"),
    case("timeout", "caused-by-read-timeout", message="openai.APIConnectionError: Connection error. (caused by httpx.ReadTimeout)", exception="APIConnectionError"),
    case("timeout", "asyncio-timeout-wrapped", message="APIConnectionError: asyncio.TimeoutError while streaming", exception="APIConnectionError"),
    case("timeout", "urllib3-read-timeout", message="ConnectionError: ReadTimeoutError(HTTPSConnectionPool(host='api.example.com', port=443): Read timed out. (read timeout=60))", exception="ConnectionError"),
    # money words that only name an address: the rest of the text decides
    case("timeout", "billing-path-deadline", message="GET /dashboard/billing/credit_grants: context deadline exceeded"),
    case("timeout", "credit-grants-name-deadline", message="failed to query credit_grants: context deadline exceeded"),
    case("server_error", "billing-path-exhausted-retries", status=500, body="GET /v1/billing/usage: upstream exhausted retries"),
    case("server_error", "quota-events-path-502", status=502, body='{"path":"/v1/billing/quota_exceeded_events","error":"bad gateway"}'),
    case("network_error", "credits-host-path-reset", message="error calling api.example.com/v2/credits/balance_info: read: connection reset by peer"),
]

# (failure, category): texts near a w18 family, decided by the family they belong to.
NEAR_MISSES = [
    ({"message": "Billing hard limit has been reached"}, "quota_exhausted"),
    ({"message": "You've reached your usage hard limit"}, "quota_exhausted"),
    ({"message": "Insufficient credits to run the worker: memory limit exceeded"}, "quota_exhausted"),
    ({"status": 429, "body": "Too many requests: worker memory limit exceeded"}, "rate_limited"),
    ({"message": "Your prompt is too long"}, "context_window_exceeded"),
    ({"message": "Session idle for too long, please sign in again"}, "auth_failed"),
    ({"message": "You have exceeded your monthly execution time quota. Upgrade your plan."}, "quota_exhausted"),
    ({"message": "APIConnectionError: httpx.ConnectTimeout: timed out", "exception": "APIConnectionError"}, "network_error"),
    ({"message": "APIConnectionError: dial tcp 10.0.0.1:443: i/o timeout", "exception": "APIConnectionError"}, "network_error"),
    ({"message": "Insufficient credits. See https://example.com/billing"}, "quota_exhausted"),
    ({"message": "Your balance is not enough, top up at https://example.com/billing/recharge"}, "quota_exhausted"),
    ({"message": '{"error":{"code":"insufficient_quota","doc":"https://example.com/docs/errors"}}'}, "quota_exhausted"),
]

# (failure, rule): texts with a w18 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"message": "Exit the chat with /exit; signal words are listed in memory.md"}, "default.w18.process-killed", id="exit-signal-memory-words"),
    pytest.param({"message": "Conversation memory limit exceeded: too many messages"}, "default.w18.process-killed", id="conversation-memory"),
    pytest.param({"message": "agent memory store limit exceeded"}, "default.w18.process-killed", id="agent-memory-store"),
    pytest.param({"message": "Message is too long: 5000 characters for too long: 5 seconds"}, "default.w18.time-budget-exceeded", id="length-too-long"),
    pytest.param({"message": "connection timed out after 30 seconds: execution time limit"}, "default.w18.time-budget-exceeded", id="connection-timed-out"),
    pytest.param({"message": "APIConnectionError: Connection refused (timeout=30)", "exception": "APIConnectionError"}, "default.w18.timeout-in-connection-wrapper", id="refused-with-timeout-setting"),
]


(
    test_w18_family_catches_its_concept,
    test_w18_family_leaves_near_misses_to_another,
    test_w18_rule_does_not_decide_a_lookalike,
) = family_tests("w18", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.w18.")
