"""builtin:default's round-12 families, from both sides, in the whole set.

The families written from round 12's training part (rules/default/r12-train.yaml): answers
an SDK could not decode or that were cut short, credentials never configured or unusable in
a header, human verification, client configuration left out, arguments of the wrong type,
output off its grammar or tool call, a request alone over a tokens-per-minute limit,
allowances short of a request, concurrency caps, server words inside a rate-limit wrapper,
models outside a project, thinking-block signatures, JSON-RPC internal errors, safety
reason codes, and timeouts, regions, plans, moderation and connections in more languages.
Every case here is a wording made up for the test, not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    case("network_error", "event-frame-as-json",
         message='SyntaxError: Unexpected token \'i\', "id: 42\\nda"... is not valid JSON'),
    case("network_error", "go-body-cut", message="chat stream: unexpected end of JSON input"),
    case("network_error", "js-body-cut",
         message="FetchError: invalid json response body reason: Unexpected end of JSON input"),
    case("unknown", "rust-variant-unknown",
         message="failed to deserialize api response: unknown variant `in_queue`"),
    case("unknown", "decode-reply-type",
         message="Unable to decode the provider response: expected struct Usage"),
    case("unknown", "kotlin-serial-name",
         message="Illegal input: Field 'owned_by' is required for type with serial name 'Model'"),
    case("unknown", "go-trailing-json",
         message="unmarshal: invalid character 'e' after top-level value"),
    case("auth_failed", "expected-azure-credentials",
         message="expected Azure credentials to be configured"),
    case("auth_failed", "must-supply-api-key", message="You must supply an API key."),
    case("auth_failed", "auth-token-empty", message="auth_token cannot be empty"),
    case("auth_failed", "ru-key-missing", message="API-ключ отсутствует, укажите ключ"),
    case("auth_failed", "es-key-invalid", message="La clave de API no es válida"),
    case("auth_failed", "go-header-value",
         message='net/http: invalid header field value for "Authorization"'),
    case("auth_failed", "recaptcha-required", status=403,
         body="reCAPTCHA verification required before you can continue"),
    case("auth_failed", "phone-before-use", status=400,
         body='{"error": {"message": "Verify your phone number before using the API."}}'),
    case("client_error", "api-version-missing",
         message="api_version is missing, but must be set for Azure deployments"),
    case("client_error", "no-base-url", message="no base URL was configured for this endpoint"),
    case("client_error", "provider-not-specified", status=500,
         body="Provider not specified. Pass in the LLM provider as a prefix"),
    case("client_error", "ja-endpoint-empty", message="エンドポイントが入力されていません"),
    case("client_error", "wrong-type-argument",
         message="Value 'abc' supplied for field 'temperature' is not a valid float"),
    case("format_mismatch", "output-off-regex",
         message="The completion failed to match the requested regex"),
    case("format_mismatch", "no-tool-use-block",
         message="No tool_use block was found in the message; using text."),
    case("format_mismatch", "pt-tool-arguments",
         message="Não foi possível analisar os argumentos da chamada de ferramenta"),
    case("context_window_exceeded", "tpm-used-zero", status=429,
         body="Rate limit on tokens per min (TPM): Limit 12000, Used 0, Requested 15000."),
    case("quota_exhausted", "minutes-short",
         message="You have 2 minutes left, while 10 minutes are required to transcribe this."),
    case("rate_limited", "plan-max-concurrent", status=403,
         body="Your plan allows a maximum of 4 concurrent generations. Upgrade your plan."),
    case("server_error", "server-had-error-wrapper",
         message="RateLimitError: The server had an error processing your request. Retry later."),
    case("model_not_found", "model-not-your-workspace", status=403,
         body="That model does not belong to your workspace"),
    case("client_error", "thinking-signature-expired", status=400,
         body="thinking block signature expired; resend without it"),
    case("server_error", "jsonrpc-internal",
         message='{"jsonrpc": "2.0", "error": {"code": -32603, "message": "worker crashed"}}'),
    case("content_filtered", "reason-nsfw", status=400,
         body='{"error": {"details": [{"reason": "GENERATION_NSFW_BLOCKED"}]}}'),
    case("timeout", "it-wait-over", status=408,
         body="Il server ha superato il tempo di attesa"),
    case("timeout", "ru-wait-expired", message="Время ожидания истекло, повторите запрос"),
    case("client_error", "ko-region", message="귀하의 국가에서는 이 서비스를 이용할 수 없습니다"),
    case("quota_exhausted", "fr-plan-limit",
         message="Vous avez atteint la limite de votre forfait."),
    case("content_filtered", "ja-guideline-violation",
         message="この内容はガイドラインに違反しているため生成できません"),
    case("network_error", "ja-connection-failed", message="サーバーとの接続に失敗しました"),
    case("network_error", "network-hiccup", message="Gemini: network hiccup, please retry"),
    case("empty_response", "answer-of-llm-empty", message="The answer from the LLM was empty."),
]

# (failure, the category builtin:default must decide): near misses that belong elsewhere.
NEAR_MISSES = [
    case("client_error", "request-body-cut", status=400,
         body="The request body is not valid JSON: unexpected end of data at line 1"),
    case("client_error", "request-deserialize", status=422,
         body="Failed to deserialize the JSON body into the target type: model: missing field"),
    case("rate_limited", "tpm-window-used", status=429,
         body="Rate limit on tokens per min (TPM): Limit 12000, Used 11000, Requested 3000."),
    case("quota_exhausted", "concurrency-by-balance", status=429,
         body="Your concurrency is limited because your balance is insufficient; top up."),
    case("context_window_exceeded", "ru-context-exceeded", status=400,
         body="Превышен максимальный размер контекста модели"),
    case("auth_failed", "request-signature", status=403,
         body="The request signature we calculated does not match the signature you provided."),
]


# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"message": "Could not parse response content as the length limit was reached"},
                 "default.r12.response-undecodable", id="output-parse-length"),
    pytest.param({"message": "Field 'parts' is required for type with serial name 'Content'"},
                 "default.r12.response-undecodable", id="answer-parts-missing"),
    pytest.param({"status": 401, "body": "Invalid API key provided"},
                 "default.r12.credentials-not-configured", id="key-given-but-wrong"),
    pytest.param({"message": "The grammar you sent is invalid"},
                 "default.r12.output-off-structure", id="callers-grammar"),
    pytest.param({"status": 500, "body": "The server had an error while processing your request"},
                 "default.r12.jsonrpc-internal", id="plain-server-error"),
]


(
    test_round12_family_catches_its_concept,
    test_round12_family_leaves_near_misses_to_another,
    test_round12_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-12", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r12."
)
