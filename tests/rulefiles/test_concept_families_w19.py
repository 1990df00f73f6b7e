# ruff: noqa: E501, RUF001  # one wording per table row, real Korean, Chinese, Japanese and Vietnamese texts
"""builtin:default's w19 families and guards, from both sides, in the whole set.

Written from the published blind misses of rounds 16 and 17 as concepts
(rules/default/w19-families.yaml and the "(w19)" guards of transport.yaml, r14-train.yaml,
vocabulary.yaml, grid-size.yaml and constraints.yaml): requests alone over a per-minute
token limit, tool calls and tool schemas refused, models not offered or not authorised,
unpaid invoices, cybersecurity blocks, request bodies over a size, undecodable 5xx bodies,
model output off its type, gone results and bare invalid parameters, subscription keys,
stream caps and usage-count limits, client strings in more languages. Every case here is
a wording made up for the test (imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # a request alone over a per-minute token limit: context (also quota)
    case("context_window_exceeded", "tpm-used-0-tilde", status=429, body="Rate limit reached for model m1 on tokens per minute (TPM): Limit 5000, Used 0, Requested ~8123. Please try again in 40s."),
    case("context_window_exceeded", "tpm-more-digits", status=429, body="Rate limit reached on tokens per minute (TPM): Limit 8000, Used 4000, Requested 25000. Please try again in 3m."),
    case("context_window_exceeded", "tpm-six-digits", status=429, body="tokens per min (TPM): Limit 90000, Used 100, Requested 250000"),
    case("context_window_exceeded", "tpm-in-words", message="Your request exceeds the tokens-per-minute limit of this organisation"),
    case("context_window_exceeded", "tpm-in-rate-limit-error", message="RateLimitError: tokens per minute (TPM): Limit 6000, Used 0, Requested ~6400", exception="RateLimitError"),
    # tool calls and tool schemas refused: the tools
    case("tool_schema_error", "tool-call-validation", message='{"error": {"message": "tool call validation failed: attempted to call tool \'search\' which was not in request.tools", "type": "invalid_request_error"}}'),
    case("tool_schema_error", "function-call-validation", message="function call validation failed: arguments missing"),
    case("tool_schema_error", "not-in-request-tools", message="the model called 'x' which is not in request.tools"),
    case("tool_schema_error", "argument-schema-incompatible", message="The argument schema for tool mcp_fs_read is incompatible with model-z. Please fix the MCP server."),
    case("tool_schema_error", "parameters-schema-not-supported", message="The parameters schema for function lookup is not supported by this model"),
    # models not offered or not authorised
    case("model_not_found", "not-in-supported-list", message="The provided model `foo-1` is not in the list of supported models."),
    case("model_not_found", "not-one-of-supported", message="model 'bar' is not one of the supported models"),
    case("model_not_found", "not-authorised-403", status=403, body="Key k is not authorized to access model acme/m2 or model does not exist"),
    case("model_not_found", "not-authorised-untyped", message="You are not authorised to use the model gpt-x"),
    case("model_not_found", "chinese-not-in-list", message="模型 foo 不在支持的模型列表中"),
    case("model_not_found", "finetune-not-ready", message="Job ftjob-1 does not have a fine-tuned model id ready yet."),
    # unpaid invoices: money
    case("quota_exhausted", "outstanding-invoices", message="Outstanding invoices. Please update your payment information."),
    case("quota_exhausted", "unpaid-invoice", status=403, body="Access blocked: unpaid invoice on this account"),
    case("quota_exhausted", "overdue-bills", message="Your organisation has overdue bills"),
    case("quota_exhausted", "invoices-are-past-due", message="Two invoices are past due, service paused"),
    case("quota_exhausted", "chinese-unpaid-bill", message="账户存在未支付的账单"),
    # content withheld
    case("content_filtered", "cant-be-shown", message="This content can't be shown"),
    case("content_filtered", "cannot-be-displayed", message="The response cannot be displayed. We take extra caution with security requests."),
    case("content_filtered", "extra-caution-bio", message="We take extra caution with biology requests."),
    case("content_filtered", "withheld-due-to", message="This answer was withheld due to our usage policies"),
    case("content_filtered", "chinese-cannot-show", message="该内容无法显示"),
    # a request body over a size: context
    case("context_window_exceeded", "request-exceeds-content-length", status=400, body="Server received a request which exceeds maximum allowed content length."),
    case("context_window_exceeded", "requestsize-limit", message="RequestSize(bytes): 50000000, Limit(bytes): 33554432"),
    case("context_window_exceeded", "content-length-exceeds", message="Content-Length exceeds the maximum allowed"),
    case("context_window_exceeded", "body-size-exceeds", status=400, body="request body size of 12000000 bytes exceeds the limit"),
    case("context_window_exceeded", "payload-size-over", message="payload size is over the limit"),
    # undecodable 5xx bodies: the server
    case("server_error", "expecting-value-500", status=500, body="JSONDecodeError: Expecting value: line 1 column 1 (char 0)"),
    case("server_error", "unexpected-end-502", status=502, body="SyntaxError: Unexpected end of JSON input"),
    case("server_error", "failed-to-decode-503", status=503, body="failed to decode response body"),
    case("server_error", "jsondecodeerror-500", status=500, body="requests.exceptions.JSONDecodeError raised on the answer"),
    case("server_error", "sdk-status-500", status=500, body="ApiError: status_code: 500, body: None; JSONDecodeError: Expecting value: line 1 column 1 (char 0)"),
    # model output off its type
    case("format_mismatch", "dict-returned-by-llm", message="A dict was returned by the LLM but is not an allowed output type"),
    case("format_mismatch", "text-returned-by-model", message="Text was returned by the model but was not expected"),
    case("format_mismatch", "output-truncated-max-tokens", message="The output was truncated due to the max_tokens limit"),
    case("format_mismatch", "response-cut-off", message="Response is cut off because of the token limit"),
    case("format_mismatch", "malformed-json-llm-response", message="Malformed JSON while parsing the LLM response"),
    # the caller's request
    case("client_error", "batch-results-expired", message="The results of batch b_9 have expired"),
    case("client_error", "job-output-deleted", message="Job j-1 output files were deleted"),
    case("client_error", "neither-nor-available", message="Neither logprobs nor stream are supported with this endpoint"),
    case("client_error", "invalid-bare-parameter", message='{"type": "error", "message": "invalid frame_rate"}'),
    case("client_error", "marker-over-maximum", message="Volume value 4.5 exceeds the maximum allowed"),
    case("client_error", "json-schema-in-response-format", message="invalid JSON schema in response_format"),
    # subscription keys
    case("auth_failed", "invalid-subscription-key", message="Invalid subscription key"),
    case("auth_failed", "subscription-key-revoked", message="Your subscription key has been revoked"),
    case("auth_failed", "missing-subscription-key", status=401, body="Access denied due to missing subscription key"),
    case("auth_failed", "wrong-subscription-key-code", message='{"code": "wrong_subscription_key"}'),
    case("auth_failed", "subscription-key-not-valid", message="subscription key is not valid for this region"),
    # streams and usage counts
    case("rate_limited", "allowed-streams", message="This key has exceeded the number of allowed concurrent streams"),
    case("rate_limited", "maximum-concurrent-sessions", message="Maximum concurrent sessions reached"),
    case("rate_limited", "ws-close-concurrent-cut", message="received 1011 (internal error) RESOURCE_EXHAUSTED: Maximum concurrent se"),
    case("rate_limited", "too-many-open-sessions", message="too many open sessions for this account"),
    case("rate_limited", "korean-usage-count-429", status=429, body="API 키 호출 횟수 제한에 도달했습니다"),
    case("rate_limited", "chinese-usage-count", message="调用次数超过限制，请稍后再试"),
    case("rate_limited", "japanese-usage-count", message="リクエスト回数の上限に達しました"),
    # client strings in more languages
    case("network_error", "russian-cannot-connect", message="Не удается подключиться к серверу"),
    case("network_error", "spanish-cannot-connect", message="No se pudo conectar con el servidor local"),
    case("network_error", "italian-cannot-connect", message="Impossibile connettersi al server"),
    case("network_error", "vietnamese-cannot-connect", message="Không thể kết nối tới máy chủ"),
    case("network_error", "portuguese-cannot-connect", message="Não foi possível conectar ao servidor"),
    case("empty_response", "vietnamese-empty", message="Phản hồi từ máy chủ trống"),
    case("empty_response", "spanish-empty", message="La API devolvió una respuesta vacía"),
    case("empty_response", "german-empty", message="Leere Antwort vom Modell erhalten"),
    case("empty_response", "japanese-empty", message="モデルの応答が空です"),
    case("empty_response", "wrapper-no-response-generated", message="APIConnectionError: llm: no response generated", exception="APIConnectionError"),
    case("client_error", "italian-image-size", message="La dimensione dell'immagine supera il limite di 5MB"),
    case("client_error", "spanish-image-size", message="El tamaño de la imagen excede el límite"),
    case("client_error", "german-image-size", message="Bildgröße überschreitet das Limit"),
    case("client_error", "japanese-image-size", message="画像サイズが上限を超えています"),
    case("client_error", "korean-image-size", message="이미지 크기가 제한을 초과했습니다"),
]

# (failure, category): texts near a w19 family, decided by the family they belong to.
NEAR_MISSES = [
    ({"status": 429, "body": "Rate limit reached on tokens per minute (TPM): Limit 30000, Used 29800, Requested 450. Please try again in 1s."}, "rate_limited"),
    ({"status": 429, "body": "Rate limit reached on tokens per min (TPM): Limit 10000, Used 2000, Requested 8379. Please try again in 4s."}, "rate_limited"),
    ({"message": "You are not authorized to access this resource"}, "auth_failed"),
    ({"status": 401, "body": "Invalid API key provided"}, "auth_failed"),
    ({"message": "Your subscription has expired, please renew your plan"}, "quota_exhausted"),
    ({"message": "Image file size exceeds the 20MB limit"}, "client_error"),
    ({"status": 200, "body": "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"}, "empty_response"),
    ({"message": "今日使用次数已达到上限，请明天再试"}, "quota_exhausted"),
    # (w30) not an unknown model; a failure whose only stated cause is "Unknown error" is
    # unknown (w25b.failure-cause-unknown, as corpus line 5334 labels it), no longer
    # server.yaml's wrapper name
    ({"message": "Failed to get response from the AI model; retried 3 times; Last error: Unknown error"}, "unknown"),
    ({"message": "Unknown model: foo-9"}, "model_not_found"),
]

# (failure, rule): texts with a w19 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"message": "Download your invoice history from the dashboard"}, "default.w19.unpaid-invoices", id="invoice-history"),
    pytest.param({"message": "This page can't be shown, check your network"}, "default.w19.content-withheld", id="page-cant-be-shown"),
    pytest.param({"message": 'details = "invalid model_uri"'}, "default.w19.request-part-invalid", id="invalid-model-name"),
    pytest.param({"message": "invalid api_key"}, "default.w19.request-part-invalid", id="invalid-credential-name"),
    pytest.param({"status": 429, "body": "tool call validation failed"}, "default.w19.tool-call-or-schema-refused", id="tool-hint-under-429"),
    pytest.param({"message": "You have exceeded the number of allowed streams this month on your billing plan"}, "default.w19.streams-or-usage-capped", id="monthly-streams"),
    pytest.param({"message": "Option a is incompatible with option b"}, "default.w19.tool-call-or-schema-refused", id="two-options"),
    pytest.param({"message": "La dimensione del testo supera il limite"}, "default.w19.image-over-size-languages", id="text-size-italian"),
]


(
    test_w19_family_catches_its_concept,
    test_w19_family_leaves_near_misses_to_another,
    test_w19_rule_does_not_decide_a_lookalike,
) = family_tests("w19", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.w19.")
