# ruff: noqa: E501, RUF001  # one wording per table row, real Arabic, Ukrainian, Korean, Chinese and Japanese texts
"""builtin:default's w20 families and guards, from both sides, in the whole set.

Written from the published blind misses of rounds 18, 19, 20 and 21 as concepts
(rules/default/w20-families.yaml, the w20_model_access_lacking family of vocabulary.yaml and
the "(w20)" guard of w16-families.yaml): transport failures under a typed status, curl
timeouts, wrapped gateway timeouts, in-band timeouts, the model's unusable tool calls (in
several languages), usage limits in more languages, models a project may not access,
refused response_format types, removed APIs, unsupported tool use, real-person media
blocks, stalled providers, no model of a kind loaded, subscriptions without an entitlement,
invalid parameters under a 451. Every case here is a wording made up for the test
(imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # a connect that failed, under a 5xx
    case("network_error", "grpc-all-addresses-503", status=503, body="UNAVAILABLE: failed to connect to all addresses; last error: connect: Connection timed out"),
    case("network_error", "httpx-all-attempts-502", status=502, body='{"detail":"All connection attempts failed"}'),
    case("network_error", "no-route-500", status=500, body="upstream: connect: No route to host"),
    case("network_error", "dial-tcp-io-timeout-500", status=500, body='relay failed: Post "https://api.example.com/v1/chat": dial tcp 10.1.2.3:443: i/o timeout'),
    case("network_error", "network-unreachable-503", status=503, body="connect: Network is unreachable"),
    case("network_error", "remote-host-503", status=503, body="Failed to connect to remote host: Connection timed out"),
    # a body or stream cut short, under a 2xx or untyped
    case("network_error", "peer-closed-200", status=200, body="peer closed connection without sending complete message body (received 1024 bytes, expected 4096)"),
    case("network_error", "read-stream-eof-200", status=200, body="read event stream: unexpected EOF"),
    case("network_error", "receive-body-eof-untyped", message="error receiving response body: unexpected EOF"),
    case("network_error", "incomplete-chunked-200", status=200, body="ChunkedEncodingError: incomplete chunked read"),
    case("network_error", "ended-prematurely-untyped", message="Response ended prematurely"),
    case("network_error", "connection-closed-before-body", status=200, body="connection closed before the full response was received"),
    # a connect phase that timed out
    case("network_error", "connect-to-server-timeout", message="proxy.lua:88: failed to connect to model backend: timeout"),
    case("network_error", "unable-to-connect-timed-out", message="Unable to connect to inference host (timed out)"),
    case("network_error", "timed-out-while-connecting", message="request timed out while connecting to the upstream"),
    case("network_error", "connection-attempt-timed-out-502", status=502, body="connection attempt timed out"),
    case("network_error", "failed-to-connect-due-to-timeout", message="Failed to connect to llm-gateway due to a timeout"),
    # curl's timeout under a status
    case("timeout", "curl-28-502", status=502, body="curl: (28) Operation timed out after 20000 milliseconds with 0 bytes received"),
    case("timeout", "curl-error-28-500", status=500, body="cURL error 28: Operation timed out after 30001 milliseconds"),
    case("timeout", "curlopt-name-503", status=503, body="fetch failed: CURLE_OPERATION_TIMEDOUT"),
    case("timeout", "operation-timed-out-after-ms-500", status=500, body="image worker: Operation timed out after 45000 ms"),
    case("timeout", "curl-28-untyped", message="curl: (28) Operation timed out after 5001 milliseconds with 12 bytes received"),
    # a wrapper's Server Unavailable Error around a gateway timeout
    case("timeout", "models-wrapper-524", status=524, body='{"error_message": "[models] Server Unavailable Error, <title>relay.example | 524: A timeout occurred</title>"}'),
    case("timeout", "wrapper-504-gateway-timeout", message="[models] Server Unavailable Error, 504 Gateway Timeout"),
    case("timeout", "wrapper-class-504", status=504, body="InvokeServerUnavailableError: Server Unavailable Error"),
    case("timeout", "wrapper-522", status=522, body="[llm] Server Unavailable Error, upstream connect"),
    case("timeout", "wrapper-a-timeout-occurred", message="[models] Server Unavailable Error: a timeout occurred"),
    # an in-band timeout type under a 2xx
    case("timeout", "sse-timeout-error-200", status=200, body='event error: {"type":"error","error":{"type":"timeout_error","message":"aborted"}}'),
    case("timeout", "error-type-timeout-200", status=200, body='{"error":{"error_type":"timeout","message":"upstream gave up"}}'),
    case("timeout", "code-request-timeout-200", status=200, body='{"error":{"code":"request_timeout","message":"no answer"}}'),
    case("timeout", "code-deadline-exceeded-200", status=200, body='{"error":{"code":"DEADLINE_EXCEEDED","message":"deadline passed"}}'),
    case("timeout", "gateway-timeout-type-200", status=200, body='data: {"error":{"type":"gateway_timeout","message":"gateway gave up"}}'),
    # the model's tool call that could not be used
    case("format_mismatch", "tool-call-could-not-be-parsed", message="The model's tool call could not be parsed: unexpected token"),
    case("format_mismatch", "error-parsing-function-call-500", status=500, body="error parsing function call: invalid character '}' after top-level value"),
    case("format_mismatch", "tool-call-arguments-not-json", message="tool_call rejected: arguments were not valid JSON"),
    case("format_mismatch", "invalid-tool-call-args-object", message="Invalid tool call for 'fetch': arguments must be a JSON object, got array"),
    case("format_mismatch", "function-call-generated-invalid", status=500, body='{"error":{"message":"The function call generated by the model was malformed","type":"server_error"}}'),
    case("format_mismatch", "tool-call-failed-to-parse", message="Tool call failed to parse; please retry with the correct format"),
    # tool input off the tool's schema
    case("format_mismatch", "tool-input-not-match-schema", message="Tool input does not match the expected schema: missing field 'path'"),
    case("format_mismatch", "tool-arguments-not-conform", message="tool arguments did not conform to the input schema"),
    case("format_mismatch", "function-args-not-validate", message="function args do not validate against the declared schema"),
    case("format_mismatch", "tool-call-input-not-satisfy", message="tool call input did not satisfy the tool's schema"),
    case("format_mismatch", "received-tool-arguments", message="AgentError: Received tool arguments did not match expected schema"),
    # the model's response off the required format
    case("format_mismatch", "model-output-not-follow-400", status=400, body="Model output did not follow the required format. Please retry."),
    case("format_mismatch", "llm-response-not-match-schema", message="LLM response does not match the expected schema"),
    case("format_mismatch", "assistant-reply-not-adhere", message="assistant reply did not adhere to the requested structure"),
    case("format_mismatch", "models-answer-not-comply", status=422, body="model's completion does not comply with the specified grammar"),
    case("format_mismatch", "model-generation-not-respect", message="Error: model generation did not respect the desired format"),
    # tool arguments unparsed, in other languages
    case("format_mismatch", "arabic-tool-params", message="تعذر على الأداة تحليل المعلمات، يرجى إعادة المحاولة"),
    case("format_mismatch", "chinese-tool-params", message="工具调用参数解析失败，请使用更强的模型"),
    case("format_mismatch", "japanese-plugin-args", message="プラグインの引数の解析に失敗しました"),
    case("format_mismatch", "korean-skill-params", message="스킬이 매개변수 분석에 실패했습니다"),
    case("format_mismatch", "ukrainian-tool-args", message="Інструмент: не вдалося розібрати аргументи виклику"),
    case("format_mismatch", "spanish-tool-args", message="La herramienta: no se pudieron analizar los argumentos"),
    # usage limits reached, in more languages
    case("quota_exhausted", "arabic-exceeded-usage", message="لقد تجاوزت حد الاستخدام الشهري"),
    case("quota_exhausted", "ukrainian-reached-usage", message="Ви досягли ліміту використання"),
    case("quota_exhausted", "russian-exhausted-usage", message="Вы исчерпали лимит использования"),
    case("quota_exhausted", "portuguese-usage-reached", message="Você atingiu o limite de uso do seu plano"),
    case("quota_exhausted", "french-usage-reached", message="Vous avez atteint la limite d'utilisation"),
    case("quota_exhausted", "italian-usage-reached", message="Hai raggiunto il limite di utilizzo"),
    case("quota_exhausted", "turkish-usage-reached", message="Kullanım limitine ulaştınız"),
    case("quota_exhausted", "polish-usage-reached", message="Osiągnięto limit użycia"),
    # models the project may not access
    case("model_not_found", "project-no-access-requested-model-403", status=403, body='{"err_code":"INSUFFICIENT_PERMISSIONS","err_msg":"Your project does not have access to the requested model."}'),
    case("model_not_found", "key-does-not-have-access-this-model", message="This key doesn't have access to this model"),
    case("model_not_found", "no-permission-to-use-model-403", status=403, body="No permission to use the selected model"),
    case("model_not_found", "korean-model-access", message="이 모델에 대한 접근 권한이 없습니다"),
    case("model_not_found", "japanese-model-access", message="このモデルへのアクセス権がありません"),
    case("model_not_found", "team-lacks-access-model", message="Your team lacks access to the requested model"),
    # response_format types refused
    case("client_error", "response-format-must-be-one-of-500", status=500, body="response_format.type must be one of text, json_object; got json_schema"),
    case("client_error", "response-format-not-supported-503", status=503, body='{"error":"response_format is not supported by this backend"}'),
    case("client_error", "response-format-unsupported", message="unsupported response_format: json_schema"),
    case("client_error", "response-format-expected-one-of", message="response_format type: expected one of ['text', 'json_object']"),
    case("client_error", "response-format-not-implemented-500", status=500, body="response_format type json_schema not implemented"),
    # APIs removed
    case("client_error", "embed-api-removed", message="The Embed v1 API was removed on 1 May 2025. Please migrate to Embed v2."),
    case("client_error", "endpoint-has-been-retired", message="This endpoint has been retired"),
    case("client_error", "route-was-decommissioned", message="route /v1/engines was decommissioned"),
    case("client_error", "interface-discontinued", message="The legacy interface was discontinued in 2024"),
    case("client_error", "version-sunset", message="API version 2023-05-15 has been sunset; use 2024-10-21"),
    # unsupported tool use
    case("tool_schema_error", "unsupported-tool-use-400", status=400, body="Request contains unsupported tool use"),
    case("tool_schema_error", "unsupported-function-calling", message="unsupported function calling for deployment r1"),
    case("tool_schema_error", "code-tool-calling-not-supported", message='{"code":"ToolCallingNotSupported","message":"this deployment has no tools"}'),
    case("tool_schema_error", "code-function-calling-not-supported", message="FunctionCallingNotSupported"),
    case("tool_schema_error", "unsupported-tool-usage", message="Unsupported tool usage in this region"),
    # real-person media
    case("content_filtered", "image-contains-real-person-400", status=400, body="The uploaded image contains a real person and cannot be used"),
    case("content_filtered", "video-might-contain-real-people", message="input video might contain real people"),
    case("content_filtered", "real-human-detected", message="Real human detected in the reference image"),
    case("content_filtered", "celebrity-prohibited", message="Images of celebrities are prohibited"),
    case("content_filtered", "chinese-real-person", message="参考图含有真人，无法生成"),
    case("content_filtered", "real-persons-not-allowed", status=400, body="real persons are not allowed in input images"),
    # stalled providers
    case("timeout", "backend-unresponsive-for", message="backend was unresponsive for 120 s; aborting"),
    case("timeout", "provider-went-unresponsive-paren", message="Provider went unresponsive (no data) — giving up"),
    case("timeout", "stale-chunks", message="aborting after 4 consecutive stale chunks"),
    case("timeout", "stalled-for-seconds", message="stream stalled for 30 seconds"),
    case("timeout", "indefinite-stall", message="stopping to avoid an indefinite stall"),
    # no model of a kind loaded
    case("model_not_found", "no-chat-model-loaded-503", status=503, body="No chat models are currently loaded."),
    case("model_not_found", "no-rerank-models-loaded", message="no rerank models are loaded"),
    case("model_not_found", "no-embedding-model-yet-loaded-503", status=503, body="No embedding model is yet loaded"),
    case("model_not_found", "no-text-generation-models", message="No text generation models are currently loaded"),
    case("model_not_found", "no-draft-model-loaded", status=503, body="no draft model is loaded"),
    # subscriptions without an entitlement
    case("quota_exhausted", "quota-id-required", message="SpecialFeatureOrQuotaIdRequired: subscription lacks the required offer"),
    case("quota_exhausted", "subscription-lacks-feature", message="The subscription doesn't have the feature required by this SKU"),
    case("quota_exhausted", "subscription-not-eligible", message="This subscription is not eligible for Azure OpenAI"),
    case("quota_exhausted", "subscription-type-not-eligible", status=403, body="subscription type is not eligible to create this resource"),
    case("quota_exhausted", "subscription-no-quota-id", message="The subscription does not have QuotaId required by kind 'Speech'"),
    # invalid parameters under a 451
    case("client_error", "451-invalid-parameter-code", status=451, body='{"error":{"code":"InvalidParameter","message":"ratio must be 16:9"}}'),
    case("client_error", "451-parameter-not-valid", status=451, body="The parameter `duration` specified in the request is not valid"),
    case("client_error", "451-parameter-missing", status=451, body="parameter 'prompt' is missing"),
    case("client_error", "451-invalid-parameter-value", status=451, body="InvalidParameterValue: seed out of range"),
    case("client_error", "451-invalid-parameter-snake", status=451, body='{"code":"invalid_parameter","message":"fps too high"}'),
]

# (failure, category): texts near a w20 family, decided by the family they belong to.
NEAR_MISSES = [
    ({"status": 503, "body": "Service Unavailable"}, "server_error"),
    ({"status": 502, "body": "upstream connect error or disconnect/reset before headers. reset reason: connection refused"}, "network_error"),
    ({"message": "Request timed out after 600 seconds"}, "timeout"),
    ({"message": "Failed to connect to api.example.com port 443 after 10006 ms: Timeout was reached"}, "timeout"),
    ({"status": 504, "body": "upstream timed out while connecting"}, "timeout"),
    ({"status": 403, "body": "You don't have access to the model with the specified model ID."}, "auth_failed"),
    ({"status": 403, "body": "Caller does not have required permission to use project p1"}, "auth_failed"),
    ({"status": 410, "body": "This endpoint has been removed"}, "model_not_found"),
    ({"message": "The model gpt-x has been retired"}, "model_not_found"),
    ({"status": 400, "body": "Invalid tool schema: parameters must be an object"}, "tool_schema_error"),
    ({"status": 400, "body": "messages[3].tool_calls[0].function.arguments must be a valid JSON string"}, "tool_schema_error"),
    ({"status": 500, "body": "error parsing tool call: unexpected end of JSON input"}, "server_error"),
    ({"status": 451, "body": "The input text contains sensitive content"}, "content_filtered"),
    ({"status": 503, "body": "Model is still being loaded"}, "server_error"),
    ({"message": "Invalid subscription key"}, "auth_failed"),
    ({"status": 200, "body": '{"error":{"type":"overloaded_error","message":"busy"}}'}, "server_error"),
]

# (failure, rule): texts with a w20 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"status": 400, "body": "failed to connect to all addresses"}, "default.w20.connect-failed-under-5xx", id="connect-under-400"),
    pytest.param({"status": 503, "body": "all connection attempts succeeded, but the model is overloaded"}, "default.w20.connect-failed-under-5xx", id="attempts-succeeded"),
    pytest.param({"status": 500, "body": "read tcp 10.0.0.1:443: i/o timeout"}, "default.w20.connect-failed-under-5xx", id="read-io-timeout"),
    pytest.param({"status": 500, "body": "peer closed connection without sending complete message body"}, "default.w20.body-cut-short", id="cut-under-500"),
    pytest.param({"message": "SyntaxError: unexpected EOF while parsing"}, "default.w20.body-cut-short", id="decoder-eof"),
    pytest.param({"message": "peer closed connection"}, "default.w20.body-cut-short", id="closed-no-body"),
    pytest.param({"message": "Failed to connect to api.example.com port 443 after 10006 ms: Timeout was reached"}, "default.w20.connect-timed-out", id="curl-connect"),
    pytest.param({"status": 504, "body": "failed to connect to upstream: timeout"}, "default.w20.connect-timed-out", id="under-504"),
    pytest.param({"message": "connected; read timeout after 60s"}, "default.w20.connect-timed-out", id="read-timeout"),
    pytest.param({"status": 429, "body": "curl: (28) Operation timed out after 1000 milliseconds"}, "default.w20.curl-timeout-under-status", id="curl-under-429"),
    pytest.param({"message": "curl: (7) Failed to connect"}, "default.w20.curl-timeout-under-status", id="curl-7"),
    pytest.param({"message": "Operation timed out"}, "default.w20.curl-timeout-under-status", id="no-after"),
    pytest.param({"status": 503, "body": "[models] Server Unavailable Error, model is loading"}, "default.w20.wrapped-gateway-timeout", id="no-timeout"),
    pytest.param({"status": 524, "body": "A timeout occurred"}, "default.w20.wrapped-gateway-timeout", id="no-wrapper"),
    pytest.param({"message": "Server Unavailable"}, "default.w20.wrapped-gateway-timeout", id="no-error-word"),
    pytest.param({"status": 500, "body": '{"error":{"type":"timeout_error"}}'}, "default.w20.in-band-timeout-under-2xx", id="under-500"),
    pytest.param({"status": 200, "body": '{"settings":{"timeout":30}}'}, "default.w20.in-band-timeout-under-2xx", id="timeout-setting"),
    pytest.param({"status": 200, "body": '{"error":{"type":"invalid_request_error","message":"timeout must be positive"}}'}, "default.w20.in-band-timeout-under-2xx", id="timeout-parameter"),
    pytest.param({"status": 400, "body": "Invalid tool definition: function 'x' could not be registered"}, "default.w20.tool-call-unusable", id="definition"),
    pytest.param({"status": 429, "body": "tool call arguments were not valid JSON"}, "default.w20.tool-call-unusable", id="under-429"),
    pytest.param({"status": 400, "body": "messages.2.tool_calls.0.function.arguments must be a JSON string"}, "default.w20.tool-call-unusable", id="history-path"),
    pytest.param({"message": "Tool definition did not match expected schema"}, "default.w20.tool-input-off-schema", id="tool-definition"),
    pytest.param({"message": "tool output does not match the output schema"}, "default.w20.tool-input-off-schema", id="tool-output"),
    pytest.param({"message": "tool input matches the schema"}, "default.w20.tool-input-off-schema", id="positive"),
    pytest.param({"status": 400, "body": "Request body does not follow the required format"}, "default.w20.model-response-off-format", id="request-format"),
    pytest.param({"message": "model name does not match the required format"}, "default.w20.model-response-off-format", id="model-name"),
    pytest.param({"status": 429, "body": "model response did not follow the required format"}, "default.w20.model-response-off-format", id="under-429-format"),
    pytest.param({"message": "抱歉，请求参数解析失败"}, "default.w20.tool-arguments-unparsed-languages", id="chinese-request-params"),
    pytest.param({"message": "تعذر تحليل المعلمات في الطلب"}, "default.w20.tool-arguments-unparsed-languages", id="arabic-request-params"),
    pytest.param({"message": "No se pudieron analizar los argumentos de la línea de comandos"}, "default.w20.tool-arguments-unparsed-languages", id="spanish-cli-args"),
    pytest.param({"message": "Вы достигли лимита использования в минуту"}, "default.w20.usage-limit-languages", id="russian-per-minute"),
    pytest.param({"message": "Consulte el límite de uso en la documentación"}, "default.w20.usage-limit-languages", id="spanish-no-verdict"),
    pytest.param({"status": 429, "body": "Has alcanzado el límite de uso"}, "default.w20.usage-limit-languages", id="under-429-usage"),
    pytest.param({"status": 403, "body": "You don't have access to the model with the specified model ID."}, "default.w20.model-access-lacking", id="bedrock-model-id"),
    pytest.param({"message": "AccessDeniedException: no access to this model"}, "default.w20.model-access-lacking", id="access-denied-exception"),
    pytest.param({"status": 403, "body": "You do not have access to this project"}, "default.w20.model-access-lacking", id="project"),
    pytest.param({"status": 500, "body": "response_format handling crashed"}, "default.w20.response-format-refused", id="no-verdict"),
    pytest.param({"message": "response_format json_schema: model output did not validate"}, "default.w20.response-format-refused", id="output-off-schema"),
    pytest.param({"status": 429, "body": "response_format not supported"}, "default.w20.response-format-refused", id="under-429-rf"),
    pytest.param({"status": 410, "body": "This endpoint has been removed"}, "default.w20.api-removed", id="under-410"),
    pytest.param({"message": "The message was removed by the moderator"}, "default.w20.api-removed", id="message-removed"),
    pytest.param({"message": "API key was removed from the project"}, "default.w20.api-removed", id="key-removed"),
    pytest.param({"status": 400, "body": "Unsupported image type"}, "default.w20.tool-use-unsupported", id="image"),
    pytest.param({"message": "tool use is supported"}, "default.w20.tool-use-unsupported", id="positive-tools"),
    pytest.param({"message": "unsupported tool result content"}, "default.w20.tool-use-unsupported", id="tool-result"),
    pytest.param({"message": "Upload a photo of a real person for verification"}, "default.w20.real-person-media", id="verification"),
    pytest.param({"message": "real personal data is not stored"}, "default.w20.real-person-media", id="personal"),
    pytest.param({"message": "celebrity mode enabled"}, "default.w20.real-person-media", id="celebrity-mode"),
    pytest.param({"message": "Stale cache entry removed"}, "default.w20.provider-stalled", id="stale-cache"),
    pytest.param({"message": "The service is unresponsive"}, "default.w20.provider-stalled", id="no-duration"),
    pytest.param({"message": "stalled requests were re-queued"}, "default.w20.provider-stalled", id="stalled-requests"),
    pytest.param({"status": 503, "body": "No models are currently loaded."}, "default.w20.no-model-of-kind-loaded", id="no-models-plain"),
    pytest.param({"message": "model weights loaded successfully"}, "default.w20.no-model-of-kind-loaded", id="loaded-ok"),
    pytest.param({"message": "No more models can be loaded: out of memory"}, "default.w20.no-model-of-kind-loaded", id="cannot-be-loaded"),
    pytest.param({"message": "Invalid subscription key"}, "default.w20.subscription-not-entitled", id="subscription-key"),
    pytest.param({"message": "Your subscription has expired"}, "default.w20.subscription-not-entitled", id="subscription-expired"),
    pytest.param({"message": "subscription is eligible for upgrade"}, "default.w20.subscription-not-entitled", id="eligible"),
    pytest.param({"status": 400, "body": '{"error":{"code":"InvalidParameter","message":"size is not valid"}}'}, "default.w20.invalid-parameter-under-451", id="under-400"),
    pytest.param({"status": 451, "body": '{"code":"InvalidParameter","message":"the prompt contains sensitive content"}'}, "default.w20.invalid-parameter-under-451", id="sensitive"),
    pytest.param({"status": 451, "body": "Unavailable For Legal Reasons"}, "default.w20.invalid-parameter-under-451", id="legal"),
]


(
    test_w20_family_catches_its_concept,
    test_w20_family_leaves_near_misses_to_another,
    test_w20_rule_does_not_decide_a_lookalike,
) = family_tests("w20", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.w20.")
