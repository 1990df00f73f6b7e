# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real CJK texts
"""builtin:default's round-17 families, from both sides, in the whole set.

The families written from round 17's training part (rules/default/r17-train.yaml): retired
models by name, gateway routes matching nothing, pools all cooling down, per-unit minute
limits, free trials used up, network reads failed, hosts not reached, upstream connects
failed, connections aborted under a wrapper, Node connection resets, gateway scripts failed,
content-security checks that did not run, stream lines not parsed, answers without usable
output, output token caps, no room left for output, model fallbacks, tool calls off their
schema, streams idle waiting for events and SSE clients given JSON. Every case here is a
wording made up for the test (imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # models deprecated or retired since a date
    case("model_not_found", "deprecated-since-date", status=400, body="The model 'acme-chat-2' has been deprecated since 2025-03-01."),
    case("model_not_found", "service-model-deprecated", message="CreateOrUpdate failed: ServiceModelDeprecated: deployment cannot be created"),
    case("model_not_found", "retired-as-of", status=400, body="This model was retired as of June 2025; choose a newer one"),
    case("model_not_found", "decommissioned-on", message="model nova-lite-v0 was decommissioned on 2025-01-15"),
    case("model_not_found", "chinese-offline-since", status=400, body="模型 ernie-3.5-old 已于 2025年3月1日 下线"),
    case("model_not_found", "spanish-obsolete-since", message="El modelo foo-1 está obsoleto desde el 1 de marzo"),
    case("model_not_found", "german-discontinued", message="Das Modell foo-1 ist seit März eingestellt"),
    # gateway routes matching nothing
    case("model_not_found", "no-matching-route", status=404, body="no matching route found for model acme-9"),
    case("model_not_found", "no-rule-matched", status=404, body="no rules matched the request"),
    case("model_not_found", "no-available-candidate-code", status=503, body='{"err":"no_available_candidate"}'),
    case("model_not_found", "no-upstream-candidates", status=502, body="no upstream candidates for model foo"),
    case("model_not_found", "chinese-no-route-match", status=404, body="没有匹配的路由"),
    # pools all cooling down
    case("rate_limited", "all-deployments-cooldown", status=503, body="All deployments are in cooldown for model foo"),
    case("rate_limited", "every-account-cooling", message="every upstream account is cooling down, retry soon"),
    case("rate_limited", "no-keys-cooldown", status=502, body="no available keys: cooldown active"),
    case("rate_limited", "no-deployments-try-again", message="No deployments available for selected model, Try again in 5 seconds"),
    case("rate_limited", "chinese-keys-cooling", status=503, body="所有密钥均处于冷却中"),
    # per-unit minute limits
    case("rate_limited", "requests-per-second", status=429, body="Rate limit exceeded for requests per second in project p-1"),
    case("rate_limited", "audio-minutes-per-minute", message="rate limit reached for audio seconds per minute"),
    case("rate_limited", "images-zero-limit", status=429, body="Rate limit exceeded for image edits per minute. Limit: 0/1min."),
    case("rate_limited", "chinese-per-minute", status=429, body="每分钟请求限制已达到"),
    case("rate_limited", "spanish-per-minute", message="Límite de solicitudes por minuto excedido"),
    case("rate_limited", "french-per-minute", message="Limite de requêtes par minute dépassée"),
    # free trials used up
    case("quota_exhausted", "trial-credits-exhausted", status=429, body="Your free trial credits have been exhausted"),
    case("quota_exhausted", "trial-requests-used-up", message="You have used up the requests of your trial"),
    case("quota_exhausted", "reached-limit-of-trial", status=403, body="You have reached the limit for the free trial"),
    case("quota_exhausted", "chinese-trial", status=429, body="试用额度已用尽"),
    case("quota_exhausted", "spanish-trial", message="Has agotado las solicitudes de la prueba gratuita"),
    case("quota_exhausted", "german-trial", message="Ihre Testversion ist aufgebraucht"),
    # network reads failed
    case("network_error", "socket-read-error", status=502, body="upstream: socket read error"),
    case("network_error", "network-write-failed", message="network write failed while sending the prompt"),
    case("network_error", "error-reading-from-socket", status=500, body="error reading from socket: broken"),
    case("network_error", "chinese-network-read", status=502, body="网络读写异常"),
    case("network_error", "french-network-read", message="Erreur de lecture réseau"),
    case("network_error", "japanese-network-read", message="ネットワーク読み取りエラー"),
    # hosts not reached under a 5xx
    case("network_error", "aiohttp-cannot-connect", status=500, body="Cannot connect to host api.acme.ai:443 ssl:default [Connect call failed]"),
    case("network_error", "name-or-service", status=502, body="getaddrinfo: Name or service not known"),
    case("network_error", "name-resolution", status=503, body="[Errno -3] Temporary failure in name resolution"),
    case("network_error", "chinese-host", status=500, body="无法解析主机 api.acme.cn"),
    case("network_error", "spanish-host", status=502, body="No se puede conectar al host api.acme.es"),
    # upstream connects failed
    case("network_error", "no-live-upstreams", message="connect() failed (113: No route to host) while connecting to upstream"),
    case("network_error", "refused-while-connecting", status=502, body="connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1"),
    case("network_error", "current-peer", message="balancer(): failed to set the current peer (address: 10.1.1.1 port: 8443)"),
    case("network_error", "chinese-upstream-connect", status=502, body="连接上游服务失败"),
    case("network_error", "chinese-upstream-refused", message="上游服务器连接被拒绝"),
    # connections aborted under a wrapper
    case("network_error", "connection-aborted-400", status=400, body="PluginInvokeError: ('Connection aborted.', ConnectionResetError(104))"),
    case("network_error", "remote-disconnected-422", status=422, body="http.client.RemoteDisconnected: Remote end closed connection without response"),
    case("network_error", "webclient-request", message="WebClientRequestException: Connection prematurely closed BEFORE response"),
    case("network_error", "chinese-connection-aborted", status=400, body="调用失败：连接被远程主机中断"),
    case("network_error", "chinese-forcibly-closed", message="远程主机强迫关闭了一个现有的连接"),
    # Node connection resets
    case("network_error", "node-socket-hang-up", message="Error: socket hang up at connResetException"),
    case("network_error", "node-econnreset-usage", message="relay usage capture failed: read ECONNRESET"),
    case("network_error", "node-epipe", status=502, body="write EPIPE"),
    case("network_error", "chinese-reset", message="连接被服务器重置"),
    case("network_error", "conn-reset-exception", message="connResetException thrown by the relay"),
    # gateway scripts failed
    case("server_error", "access-by-lua", message="failed to run access_by_lua*: /usr/local/share/lua/5.1/kong/plugins/ai-proxy/handler.lua:88: attempt to concatenate a nil value"),
    case("server_error", "header-filter-by-lua", status=500, body="failed to run header_filter_by_lua*: bad argument #1"),
    case("server_error", "entry-thread-aborted", status=502, body="lua entry thread aborted: runtime error: unknown reason"),
    case("server_error", "runtime-error-lua-file", message="runtime error: /opt/gw/filters/llm.lua:12: attempt to index a nil value"),
    case("server_error", "chinese-plugin-script", status=500, body="插件脚本运行异常"),
    # content-security checks that did not run
    case("server_error", "csd-code-empty", status=400, body="Internal error. CSDRequestId: abc; CSDcode: ; CSDmessage: "),
    case("server_error", "content-security-detection-error", status=400, body='{"code":"ContentSecurityDetectionError","message":"internal error"}'),
    case("server_error", "content-security-check-timed-out", message="content security check timed out"),
    case("server_error", "moderation-service-failed", status=500, body="moderation service failed, please retry"),
    case("server_error", "chinese-content-check", status=400, body="内容审核服务调用失败"),
    # stream lines not parsed
    case("server_error", "malformed-stream-line", message="malformed stream line received from backend"),
    case("server_error", "invalid-sse-line", status=502, body="invalid SSE line: event"),
    case("server_error", "could-not-parse-stream-line", message="could not parse the streaming line"),
    case("server_error", "unexpected-line-format", message="Unexpected line format in response: data"),
    case("server_error", "chinese-line-format", message="流式数据行格式错误"),
    # answers without usable output
    case("empty_response", "ended-stream-before-content", message="The model ended the stream before producing any content."),
    case("empty_response", "no-usable-answer", status=200, body="no usable answer in the completion"),
    case("empty_response", "output-not-contain-choices", status=200, body="response does not contain choices"),
    case("empty_response", "missing-finish-reason", status=200, body="the answer came back with a missing finish reason"),
    case("empty_response", "chinese-no-output", status=200, body="返回结果中没有任何输出"),
    case("empty_response", "spanish-no-output", message="La respuesta terminó sin salida utilizable"),
    # output token caps
    case("context_window_exceeded", "output-exceeded-token-limit", message="The output exceeded the 8192 output token limit."),
    case("context_window_exceeded", "completion-exceeded-max", message="completion exceeded the output token maximum"),
    case("context_window_exceeded", "error-kind-field", message='{"errorKind":"max_output_tokens","message":"stopped"}'),
    case("context_window_exceeded", "chinese-output-cap", message="响应超过最大输出令牌限制"),
    case("context_window_exceeded", "japanese-output-cap", message="出力トークンの上限を超えました"),
    case("context_window_exceeded", "spanish-output-cap", message="La respuesta superó el máximo de 4096 tokens de salida"),
    # no room left for output
    case("context_window_exceeded", "available-context-below-min", message="available context 120 is less than MIN_OUTPUT_TOKENS 1024"),
    case("context_window_exceeded", "remaining-context-floor", message="remaining context (50 tokens) is below the floor_output_tokens"),
    case("context_window_exceeded", "not-enough-room-completion", message="not enough room in the context window for the completion"),
    case("context_window_exceeded", "chinese-room", message="剩余上下文空间不足，无法生成回复"),
    case("context_window_exceeded", "french-room", message="Plus assez de place dans le contexte pour la réponse"),
    # model fallbacks
    case("model_not_found", "fallback-dash", message="Sonnet 5 not available — using Sonnet 4.5 instead"),
    case("model_not_found", "model-not-available-switching", message="model acme-pro not available, switching to acme-mini"),
    case("model_not_found", "model-unavailable-defaulting", message="Model gemini-x-pro unavailable; defaulting to gemini-x-flash"),
    case("model_not_found", "chinese-fallback", message="模型 glm-9 不可用，回退到 glm-4"),
    case("model_not_found", "spanish-fallback", message="El modelo foo-2 no está disponible, usando foo-1"),
    case("model_not_found", "german-fallback", message="Das Modell foo-2 ist nicht verfügbar, verwende foo-1"),
    # tool calls off their schema
    case("format_mismatch", "tried-without-required-param", message="Agent tried to use read_file without value for required parameter 'path'."),
    case("format_mismatch", "function-called-invalid-args", message="The search function was called with invalid arguments"),
    case("format_mismatch", "invalid-arguments-for-tool", message="invalid arguments for tool edit_file: 'line' must be a number"),
    case("format_mismatch", "chinese-tool-missing-param", message="模型调用工具时缺少必需参数 path"),
    case("format_mismatch", "spanish-tool-args", message="La herramienta buscar se llamó con argumentos no válidos"),
    case("format_mismatch", "german-tool-args", message="Das Werkzeug suche wurde mit ungültigen Argumenten aufgerufen"),
    # streams idle waiting for events
    case("timeout", "idle-timeout-waiting-events", message="idle timeout waiting for events from the model"),
    case("timeout", "sse-idle-timeout", status=504, body="SSE idle timeout after 300s"),
    case("timeout", "timed-out-waiting-stream-chunk", message="timed out waiting for stream chunks"),
    case("timeout", "disconnected-idle-timeout", message="stream disconnected: idle timeout waiting for the next chunk"),
    case("timeout", "chinese-wait-sse", message="等待流式数据超时"),
    case("timeout", "german-idle", message="Leerlauf-Timeout beim Warten auf SSE-Ereignisse"),
    # SSE clients given JSON
    case("unknown", "expected-event-stream-got-json", message="Expected content-type text/event-stream but got application/json"),
    case("unknown", "expected-event-stream-received-html", message="expected a content type of text/event-stream, received text/html"),
    case("unknown", "okhttp-html", message="java.lang.IllegalStateException: Invalid content-type: text/html at okhttp3.internal.sse.RealEventSource.processResponse"),
    case("unknown", "okhttp-plain", message="Invalid content-type: text/plain; charset=utf-8 (RealEventSource)"),
    case("unknown", "expected-event-stream-was-json", message="expected content-type text/event-stream, was application/json"),
]

# (failure, category): texts near a round-17 family, decided by the family they belong to.
NEAR_MISSES = [
    case("client_error", "parameter-deprecated", status=400, body="The parameter 'functions' has been deprecated since 2024-01-01"),
    case("rate_limited", "route-pool-limited", status=429, body="no upstream candidate: all keys are rate limited"),
    case("quota_exhausted", "per-minute-with-credits", status=429, body="Rate limit exceeded for images per minute: add credits to continue"),
    case("rate_limited", "trial-per-minute", status=429, body="You have exceeded 3 requests per minute for the free trial"),
    case("auth_failed", "host-api-key", status=401, body="Cannot connect to host: invalid api key"),
    case("timeout", "upstream-read-timeout", status=504, body="upstream timed out (110: Connection timed out) while reading response header from upstream"),
    case("auth_failed", "aborted-unauthorized", status=401, body="Connection aborted: Unauthorized"),
    case("quota_exhausted", "reset-insufficient-balance", status=402, body="socket hang up: insufficient balance"),
    case("rate_limited", "lua-rate-limit", status=429, body="failed to run access_by_lua*: rate limit exceeded"),
    case("content_filtered", "content-security-verdict", status=400, body="Content security check failed: the input contains sensitive content"),
    case("server_error", "openai-v0-invalid-object", status=500, body="Invalid response object from API: 'Internal Server Error' (HTTP response code was 500)"),
    case("client_error", "max-output-bound", status=400, body="max_output_tokens must be at most 8192"),
    case("server_error", "model-overloaded-fallback", message="model gpt-x is overloaded, falling back to gpt-y"),
    case("tool_schema_error", "tool-args-request-400", status=400, body="tools[0].function.parameters: invalid JSON schema"),
    case("network_error", "dial-timeout-stream", message="dial tcp 10.0.0.1:443: i/o timeout"),
    case("context_window_exceeded", "prompt-too-long-out", status=400, body="prompt is too long: 210000 tokens > 200000 maximum"),
]

# (failure, rule): texts with a round-17 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"message": "This model will be deprecated next year"}, "default.r17.model-deprecated-since", id="deprecated-future"),
    pytest.param({"message": "The endpoint /v1/engines was deprecated since 2023"}, "default.r17.model-deprecated-since", id="endpoint-deprecated"),
    pytest.param({"status": 400, "body": "the retired flag is not a model field"}, "default.r17.model-deprecated-since", id="retired-word"),
    pytest.param({"message": "matching route found: /v1/chat"}, "default.r17.route-matches-nothing", id="route-found"),
    pytest.param({"message": "candidate 0 has no content"}, "default.r17.route-matches-nothing", id="candidate-word"),
    pytest.param({"status": 503, "body": "no matching route: upstream overloaded"}, "default.r17.route-matches-nothing", id="route-overloaded"),
    pytest.param({"message": "cooldown set to 60 seconds for deployment foo"}, "default.r17.pool-cooling-down", id="cooldown-config"),
    pytest.param({"message": "No deployments available for selected model"}, "default.r17.pool-cooling-down", id="deployments-no-wait"),
    pytest.param({"status": 401, "body": "all keys are in cooldown: invalid api key"}, "default.r17.pool-cooling-down", id="cooldown-401"),
    pytest.param({"message": "rate limit is 60 requests per minute"}, "default.r17.per-unit-minute-limit", id="limit-stated"),
    pytest.param({"status": 429, "body": "Rate limit exceeded for requests per minute; daily quota also near"}, "default.r17.per-unit-minute-limit", id="per-minute-daily"),
    pytest.param({"message": "per minute pricing applies to images"}, "default.r17.per-unit-minute-limit", id="pricing-per-minute"),
    pytest.param({"message": "Start your free trial today"}, "default.r17.free-trial-used-up", id="trial-advert"),
    pytest.param({"message": "trial requests remaining: 40"}, "default.r17.free-trial-used-up", id="trial-remaining"),
    pytest.param({"status": 429, "body": "trial limit reached: 10 requests per minute"}, "default.r17.free-trial-used-up", id="trial-rpm"),
    pytest.param({"message": "network read timeout set to 30s"}, "default.r17.network-read-failed", id="read-timeout-config"),
    pytest.param({"status": 400, "body": "Network read error"}, "default.r17.network-read-failed", id="network-read-400"),
    pytest.param({"message": "socket option SO_RCVBUF set"}, "default.r17.network-read-failed", id="socket-word"),
    pytest.param({"message": "Cannot connect to host api.acme.ai:443"}, "default.r17.host-not-reached", id="host-untyped"),
    pytest.param({"status": 500, "body": "Cannot connect to host api.acme.ai:443 ssl:default [Connection timeout]"}, "default.r17.host-not-reached", id="host-timeout"),
    pytest.param({"status": 400, "body": "name or service not known"}, "default.r17.host-not-reached", id="host-400"),
    pytest.param({"message": "upstream connected in 20ms"}, "default.r17.upstream-connect-failed", id="upstream-ok"),
    pytest.param({"status": 400, "body": "connect() failed while connecting to upstream"}, "default.r17.upstream-connect-failed", id="upstream-400"),
    pytest.param({"message": "current peer set to 10.0.0.1"}, "default.r17.upstream-connect-failed", id="peer-ok"),
    pytest.param({"status": 429, "body": "Connection aborted: rate limit reached"}, "default.r17.connection-aborted-wrapped", id="aborted-429"),
    pytest.param({"status": 400, "body": "Connection aborted: context length exceeded"}, "default.r17.connection-aborted-wrapped", id="aborted-context"),
    pytest.param({"message": "remote host connected"}, "default.r17.connection-aborted-wrapped", id="remote-host-ok"),
    pytest.param({"message": "socket hang up: rate limit reached"}, "default.r17.node-connection-reset", id="reset-throttle"),
    pytest.param({"status": 400, "body": "read ECONNRESET"}, "default.r17.node-connection-reset", id="reset-400"),
    pytest.param({"message": "password reset email sent"}, "default.r17.node-connection-reset", id="reset-word"),
    pytest.param({"message": "plugins/handler.lua: loaded"}, "default.r17.gateway-script-failed", id="lua-loaded"),
    pytest.param({"status": 400, "body": "failed to run access_by_lua*: bad request body"}, "default.r17.gateway-script-failed", id="lua-400"),
    pytest.param({"message": "failed to run access_by_lua*: invalid api key"}, "default.r17.gateway-script-failed", id="lua-api-key"),
    pytest.param({"message": "content security detection passed"}, "default.r17.content-check-not-run", id="csd-passed"),
    pytest.param({"status": 400, "body": "moderation check failed: input flagged as harmful"}, "default.r17.content-check-not-run", id="moderation-verdict"),
    pytest.param({"status": 429, "body": "content security service unavailable"}, "default.r17.content-check-not-run", id="csd-429"),
    pytest.param({"message": "stream line 42 parsed"}, "default.r17.stream-line-unparsed", id="line-parsed"),
    pytest.param({"status": 400, "body": "Unexpected line format in the uploaded JSONL file"}, "default.r17.stream-line-unparsed", id="line-400"),
    pytest.param({"message": "line format: data: {...}"}, "default.r17.stream-line-unparsed", id="line-format-doc"),
    pytest.param({"status": 400, "body": "messages does not contain content"}, "default.r17.no-usable-output", id="usable-400"),
    pytest.param({"message": "finish reason: stop"}, "default.r17.no-usable-output", id="finish-reason-ok"),
    pytest.param({"message": "Response output is missing: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"}, "default.r17.no-usable-output", id="usable-beside-aborted"),
    pytest.param({"message": "usable output: 1200 tokens"}, "default.r17.no-usable-output", id="usable-count"),
    pytest.param({"message": "output token usage: 1200"}, "default.r17.output-token-cap", id="output-usage"),
    pytest.param({"status": 400, "body": "max_output_tokens must be less than or equal to 8192"}, "default.r17.output-token-cap", id="output-bound"),
    pytest.param({"status": 429, "body": "output tokens per minute exceeded"}, "default.r17.output-token-cap", id="output-tpm"),
    pytest.param({"message": "available context: 120000 tokens"}, "default.r17.no-room-for-output", id="context-stated"),
    pytest.param({"message": "not enough space left on device for the output"}, "default.r17.no-room-for-output", id="disk-space"),
    pytest.param({"message": "not enough memory in the context for the output"}, "default.r17.no-room-for-output", id="memory"),
    pytest.param({"message": "model acme-pro is now available, using it"}, "default.r17.model-fallback", id="fallback-available"),
    pytest.param({"message": "Service not available — using cached answer"}, "default.r17.model-fallback", id="service-fallback"),
    pytest.param({"status": 404, "body": "model acme-pro not available, switching to acme-mini"}, "default.r17.model-fallback", id="fallback-404"),
    pytest.param({"message": "tried to use the cache"}, "default.r17.tool-args-off-schema", id="tried-word"),
    pytest.param({"status": 400, "body": "invalid arguments for tool definitions"}, "default.r17.tool-args-off-schema", id="tool-args-400"),
    pytest.param({"message": "the tool was called with valid arguments"}, "default.r17.tool-args-off-schema", id="valid-args"),
    pytest.param({"message": "idle timeout set to 300s"}, "default.r17.stream-idle-waiting", id="idle-config"),
    pytest.param({"message": "TLS handshake idle timeout waiting for data"}, "default.r17.stream-idle-waiting", id="handshake"),
    pytest.param({"status": 400, "body": "timed out waiting for SSE events"}, "default.r17.stream-idle-waiting", id="idle-400"),
    pytest.param({"message": "Invalid content-type: application/xml"}, "default.r17.sse-client-given-json", id="content-type-request"),
    pytest.param({"status": 415, "body": "Expected content-type application/json but got text/plain"}, "default.r17.sse-client-given-json", id="content-type-415"),
    pytest.param({"message": "content-type: text/event-stream"}, "default.r17.sse-client-given-json", id="content-type-ok"),
]


(
    test_round17_family_catches_its_concept,
    test_round17_family_leaves_near_misses_to_another,
    test_round17_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-17", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r17."
)
