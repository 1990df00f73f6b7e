"""builtin:default's concept families on wordings no corpus record has: both sides.

The corpus pins what the families decide on real errors; these tables pin how far each family
reaches beyond them (inflections, word order, run-together exception names, other languages,
status-level fallbacks) and what a family must leave to another one. Every wording here is
written for the family, not copied from a record.
"""

from __future__ import annotations

from typing import Any

import pytest


def decide(ruleset: Any, failure: dict[str, Any]) -> str:
    """The category builtin:default decides for a failure given as classify() keywords."""
    message = failure.pop("message", None)
    return str(ruleset.classify(message, **failure).category)


# (failure, the category builtin:default must decide): what a family must reach.
REACHES = [
    # throttles: word order and inflection, other languages
    pytest.param(
        {"message": "You are sending requests too quickly. Please wait."},
        "rate_limited",
        id="rate-requests-too-quickly",
    ),
    pytest.param(
        {"message": "calls too frequent for this key"}, "rate_limited", id="rate-calls-too-frequent"
    ),
    pytest.param(
        {"message": "您的请求过快, 请稍后再试"}, "rate_limited", id="rate-chinese-too-fast"
    ),
    pytest.param(
        {"message": "リクエストが制限されています。しばらくしてから再試行してください"},
        "rate_limited",
        id="rate-japanese-limited",
    ),
    pytest.param(
        {"message": "Превышен лимит скорости запросов, повторите позже"},
        "rate_limited",
        id="rate-russian",
    ),
    pytest.param(
        {"message": "Se ha excedido el límite de peticiones, inténtelo más tarde"},
        "rate_limited",
        id="rate-spanish",
    ),
    # quota and money
    pytest.param(
        {"message": "Your prepaid balance has been depleted."},
        "quota_exhausted",
        id="quota-balance-depleted",
    ),
    pytest.param(
        {"status": 400, "body": "Funds insufficient to complete this call"},
        "quota_exhausted",
        id="quota-funds-insufficient",
    ),
    pytest.param(
        {"message": "your trial credits have expired"},
        "quota_exhausted",
        id="quota-credits-expired",
    ),
    pytest.param(
        {"message": "The account has no remaining credits"},
        "quota_exhausted",
        id="quota-no-remaining-credits",
    ),
    pytest.param(
        {"message": "insufficient_user_quota"}, "quota_exhausted", id="quota-user-quota-code"
    ),
    pytest.param({"message": "Out of quota for today"}, "quota_exhausted", id="quota-for-today"),
    pytest.param(
        {"message": "Crédits épuisés, veuillez recharger votre compte"},
        "quota_exhausted",
        id="quota-french-credits",
    ),
    # context
    pytest.param(
        {"message": "PromptTooLongError"}, "context_window_exceeded", id="context-camelcase-name"
    ),
    pytest.param(
        {"message": "prompt_too_large"}, "context_window_exceeded", id="context-snake-code"
    ),
    pytest.param(
        {"message": "O prompt excede o tamanho máximo de contexto"},
        "context_window_exceeded",
        id="context-portuguese",
    ),
    pytest.param(
        {"message": "La requête dépasse la longueur de contexte maximale"},
        "context_window_exceeded",
        id="context-french",
    ),
    # content filtering
    pytest.param(
        {"message": "ContentFilterFinishReasonError"},
        "content_filtered",
        id="content-sdk-exception-name",
    ),
    pytest.param(
        {"status": 451, "body": "Unavailable For Legal Reasons"},
        "content_filtered",
        id="content-451",
    ),
    # credentials
    pytest.param({"message": "Error de autenticación"}, "auth_failed", id="auth-spanish"),
    pytest.param({"message": "Falha na autenticação"}, "auth_failed", id="auth-portuguese"),
    pytest.param(
        {
            "message": "The request signature we calculated does not match"
            " the signature you provided."
        },
        "auth_failed",
        id="auth-signature-other-order",
    ),
    # tools
    pytest.param(
        {"status": 400, "body": "Unknown field 'strict' in tool definition"},
        "tool_schema_error",
        id="tools-field-before-definition",
    ),
    pytest.param(
        {"message": "このモデルはツール呼び出しをサポートしていません"},
        "tool_schema_error",
        id="tools-japanese",
    ),
    pytest.param(
        {"message": "이 모델은 도구 호출을 지원하지 않습니다"},
        "tool_schema_error",
        id="tools-korean",
    ),
    pytest.param(
        {"message": "Эта модель не поддерживает вызов инструментов"},
        "tool_schema_error",
        id="tools-russian",
    ),
    pytest.param(
        {"message": "Este modelo no admite llamadas a herramientas"},
        "tool_schema_error",
        id="tools-spanish",
    ),
    pytest.param(
        {
            "message": "litellm.UnsupportedParamsError: acme does not support parameters:"
            " ['tools', 'tool_choice']"
        },
        "tool_schema_error",
        id="tools-in-unsupported-params",
    ),
    # requests
    pytest.param(
        {"status": 500, "body": "Cannot use both response_format and grammar"},
        "client_error",
        id="request-conflict-under-500",
    ),
    pytest.param(
        {"message": "Only one of `messages` or `prompt` can be set"},
        "client_error",
        id="request-only-one-of",
    ),
    pytest.param(
        {"message": "batch size 300 > maximum allowed batch size 128"},
        "client_error",
        id="request-count-over-maximum",
    ),
    pytest.param(
        {"message": "Please check user_id parameter type: got int, expected string"},
        "client_error",
        id="request-parameter-type",
    ),
    pytest.param(
        {"status": 400, "body": "Logit bias is not enabled for this model"},
        "client_error",
        id="request-feature-not-enabled-for-model",
    ),
    # models
    pytest.param(
        {
            "status": 400,
            "body": "The supported model names are acme-large or acme-small,"
            " but you passed acme-huge.",
        },
        "model_not_found",
        id="model-list-offered",
    ),
    # server, empty answers, formats, transport
    pytest.param(
        {"message": "An unexpected error occurred on the server"},
        "server_error",
        id="server-on-the-server",
    ),
    pytest.param(
        {"message": "内部エラーが発生しました"}, "server_error", id="server-japanese-internal"
    ),
    pytest.param(
        {"message": "The server is temporarily unable to handle this request"},
        "server_error",
        id="server-temporarily-unable",
    ),
    pytest.param(
        {"message": "candidates is empty"}, "empty_response", id="empty-candidates-is-empty"
    ),
    pytest.param(
        {"message": "no valid candidates in the response"},
        "empty_response",
        id="empty-no-valid-candidates",
    ),
    pytest.param(
        {"message": "model returned invalid JSON"},
        "format_mismatch",
        id="format-model-returned-invalid-json",
    ),
    pytest.param(
        {"message": "The model output could not be parsed as JSON"},
        "format_mismatch",
        id="format-output-could-not-be-parsed",
    ),
    pytest.param(
        {"message": "langchain_core.exceptions.OutputParserException: Invalid json output"},
        "format_mismatch",
        id="format-output-parser-name",
    ),
    pytest.param(
        {"message": "cURL error 28: Operation timed out after 5001 milliseconds"},
        "timeout",
        id="timeout-curl-28",
    ),
    pytest.param(
        {"message": "Error: failed to parse stream"}, "network_error", id="network-stream-parse"
    ),
    # codes and exception names, run together
    pytest.param(
        {"status": 400, "body": '{"error":{"code":"ContentFiltered"}}'},
        "content_filtered",
        id="content-code-camelcase",
    ),
    pytest.param(
        {"status": 400, "body": '{"error":{"code":"safety_violation"}}'},
        "content_filtered",
        id="content-code-snake",
    ),
    pytest.param(
        {"status": 403, "body": '{"error":{"type":"billing_error","message":"Billing error"}}'},
        "quota_exhausted",
        id="quota-billing-error-under-403",
    ),
    pytest.param({"message": "CreditsExhausted"}, "quota_exhausted", id="quota-camelcase-name"),
    pytest.param(
        {"message": "requests.exceptions.ConnectionError"},
        "network_error",
        id="network-connectionerror-name",
    ),
    pytest.param({"message": "EmptyResponseError"}, "empty_response", id="empty-exception-name"),
    # status-level fallbacks
    pytest.param({"status": 425, "body": "Too Early"}, "server_error", id="status-425-retried"),
    pytest.param(
        {"status": 499, "body": "Client Closed Request"}, "server_error", id="status-499-retried"
    ),
    pytest.param({"status": 410, "body": "Gone"}, "model_not_found", id="status-410-gone"),
    pytest.param(
        {"status": 598, "body": "Network read timeout error"}, "timeout", id="status-598-timeout"
    ),
    pytest.param(
        {"status": 200, "body": '{"choices":[]}'}, "empty_response", id="status-200-no-choices"
    ),
    pytest.param({"status": 200, "body": ""}, "empty_response", id="status-200-blank"),
    pytest.param(
        {"message": "Request failed with status code 413"},
        "context_window_exceeded",
        id="status-413-quoted-untyped",
    ),
    pytest.param(
        {"message": "Your free trial quota has been used up"}, "quota_exhausted", id="quota-used-up"
    ),
    pytest.param(
        {"message": "Please provide a valid API key"}, "auth_failed", id="auth-provide-a-valid-key"
    ),
    pytest.param(
        {"message": "请检查API Key是否正确"}, "auth_failed", id="auth-chinese-check-the-key"
    ),
    pytest.param(
        {"message": "httpx.ConnectError: All connection attempts failed"},
        "network_error",
        id="network-all-attempts-failed",
    ),
    pytest.param(
        {"message": "structured output parsing failed"},
        "format_mismatch",
        id="format-output-parsing-failed",
    ),
    pytest.param(
        {"message": "The model produced no output"}, "empty_response", id="empty-produced-no-output"
    ),
    pytest.param(
        {"message": "Ollama: model runner has unexpectedly stopped"},
        "server_error",
        id="server-runner-stopped",
    ),
    pytest.param(
        {"status": 500, "body": '{"error":"Model does not support images."}'},
        "client_error",
        id="request-unsupported-input-verb-first-500",
    ),
    pytest.param(
        {
            "status": 500,
            "body": "'response_format' of type 'json_schema' is not supported by this model",
        },
        "client_error",
        id="request-feature-unsupported-500",
    ),
    pytest.param(
        {"status": 500, "body": "Invalid 'messages': must be a non-empty array"},
        "client_error",
        id="request-quoted-field-under-500",
    ),
    pytest.param(
        {"status": 500, "body": "Unsupported param: logit_bias"},
        "client_error",
        id="request-unsupported-param-500",
    ),
    pytest.param(
        {"status": 424, "body": "Received server error (500) from primary"},
        "server_error",
        id="server-error-relayed-under-424",
    ),
    pytest.param(
        {"message": "AI_NoSuchToolError: Model tried to call unavailable tool 'foo'."},
        "format_mismatch",
        id="format-sdk-no-such-tool",
    ),
    pytest.param(
        {"message": "AI_TypeValidationError: Type validation failed: Value: {}."},
        "format_mismatch",
        id="format-sdk-type-validation",
    ),
    pytest.param(
        {"message": "AI_NoContentGeneratedError: No content generated."},
        "empty_response",
        id="empty-sdk-no-content",
    ),
    pytest.param(
        {"message": 'Error: 503 {"error":{"message":"No instances available"}}'},
        "server_error",
        id="server-no-instances",
    ),
    pytest.param(
        {"message": "AxiosError: Request failed with status code 502"},
        "server_error",
        id="server-status-marker-untyped",
    ),
    pytest.param({"message": "Not Found"}, "client_error", id="client-bare-reason-phrase"),
    pytest.param(
        {"message": '{"Response":{"Error":{"Code":"ResourceInsufficient.ChargeResourceExhaust"}}}'},
        "quota_exhausted",
        id="quota-charge-resource-code",
    ),
    pytest.param(
        {"message": "AxiosError: HTTP 413: Payload Too Large"},
        "context_window_exceeded",
        id="status-413-http-untyped",
    ),
    pytest.param(
        {"message": "The prompt surpasses the model's context limit"},
        "context_window_exceeded",
        id="syn-context-surpasses",
    ),
    pytest.param(
        {"message": "Your input went over the maximum token limit of the model"},
        "context_window_exceeded",
        id="syn-context-went-over",
    ),
    pytest.param(
        {"message": "Couldn't find model 'foo'"}, "model_not_found", id="syn-model-couldnt-find"
    ),
    pytest.param(
        {"message": "Model foo has been sunset"}, "model_not_found", id="syn-model-sunset"
    ),
    pytest.param(
        {"message": "model 'foo' isn't available"}, "model_not_found", id="syn-model-isnt-available"
    ),
    pytest.param(
        {"message": "Request cap reached for this minute"},
        "rate_limited",
        id="syn-rate-cap-this-minute",
    ),
    pytest.param(
        {"message": "Too many calls, please back off"}, "rate_limited", id="syn-rate-too-many-calls"
    ),
    pytest.param(
        {"message": "Your message was moderated"}, "content_filtered", id="syn-content-moderated"
    ),
    pytest.param(
        {"message": "The model declined to answer this request"},
        "content_filtered",
        id="syn-content-declined",
    ),
    pytest.param(
        {"message": "You've used your entire monthly allotment"},
        "quota_exhausted",
        id="syn-quota-allotment",
    ),
    pytest.param(
        {"message": "Your account is out of funds"}, "quota_exhausted", id="syn-quota-out-of-funds"
    ),
    pytest.param(
        {"message": "The provided credentials were rejected"},
        "auth_failed",
        id="syn-auth-credentials-rejected",
    ),
    pytest.param(
        {"message": "Generation exceeded the time limit"}, "timeout", id="syn-timeout-time-limit"
    ),
    pytest.param(
        {"message": "Please reduce your request frequency"},
        "rate_limited",
        id="syn-rate-request-frequency",
    ),
    pytest.param(
        {"message": "Throughput limit exceeded"}, "rate_limited", id="syn-rate-throughput-limit"
    ),
    pytest.param(
        {"message": "Your wallet is empty"}, "quota_exhausted", id="syn-quota-wallet-empty"
    ),
    pytest.param(
        {"message": "Subscription lapsed"}, "quota_exhausted", id="syn-quota-subscription-lapsed"
    ),
    pytest.param(
        {"message": "Message history too long for this model"},
        "context_window_exceeded",
        id="syn-context-history-too-long",
    ),
    pytest.param(
        {"message": "This model is not hosted here"}, "model_not_found", id="syn-model-not-hosted"
    ),
    pytest.param(
        {"message": "Server is under maintenance"}, "server_error", id="syn-server-maintenance"
    ),
    pytest.param(
        {"message": "The prompt was rejected for policy reasons"},
        "content_filtered",
        id="syn-content-policy-reasons",
    ),
    pytest.param(
        {"message": "Key not recognized"}, "auth_failed", id="syn-auth-key-not-recognized"
    ),
    pytest.param(
        {"message": "Blank response from model"}, "empty_response", id="syn-empty-blank-response"
    ),
    pytest.param(
        {"message": "Function calling unavailable for this model"},
        "tool_schema_error",
        id="syn-tools-unavailable",
    ),
]

# (failure, the category builtin:default must decide): what a family must leave alone.
LEAVES = [
    pytest.param(
        {"status": 401, "body": "Invalid credentials: exhausted retries while validating the key"},
        "auth_failed",
        id="credentials-are-not-credits",
    ),
    pytest.param(
        {"status": 402, "body": "A charge is still being reconciled. Please retry shortly."},
        "quota_exhausted",
        id="a-402-is-never-retried",
    ),
    pytest.param(
        {
            "status": 409,
            "body": "Your last payment is still processing. Please try again in a few minutes.",
        },
        "rate_limited",
        id="a-pending-payment-passes",
    ),
    pytest.param(
        {
            "status": 400,
            "body": '{"error":{"message":"Insufficient credits. Top up and try again shortly."}}',
        },
        "quota_exhausted",
        id="a-retry-word-beside-spent-money",
    ),
    pytest.param(
        {"message": "Requested too many tokens for this model"},
        "context_window_exceeded",
        id="too-many-tokens-is-not-too-fast",
    ),
    pytest.param(
        {"message": "The request took too long"}, "timeout", id="too-long-is-not-too-fast"
    ),
    pytest.param(
        {
            "status": 400,
            "body": 'Error (payload_summary): {"model":"m","has_tools":true,"tool_choice":"auto"}',
        },
        "client_error",
        id="a-request-echo-is-not-a-tool-rejection",
    ),
    pytest.param(
        {"status": 400, "body": "tool_choice 'required' is not supported by this model"},
        "tool_schema_error",
        id="a-tool-choice-verdict-still-is",
    ),
    pytest.param(
        {"status": 400, "body": "This model is not enabled for your organization"},
        "model_not_found",
        id="the-model-not-enabled-is-still-the-model",
    ),
    pytest.param(
        {
            "status": 503,
            "body": "Both replicas are busy; cannot serve both requests together right now",
        },
        "server_error",
        id="both-in-a-capacity-message",
    ),
    pytest.param(
        {"message": "TypeError: expected str, got NoneType"},
        "unknown",
        id="a-program-type-error-names-no-parameter",
    ),
    pytest.param(
        {"message": "Too many requests: more than the maximum of 60 per minute"},
        "rate_limited",
        id="a-count-of-requests-is-a-throttle",
    ),
    pytest.param(
        {
            "status": 400,
            "body": "Too many inputs: number of tokens exceeds the maximum context length",
        },
        "context_window_exceeded",
        id="a-count-of-tokens-is-context",
    ),
    pytest.param(
        {"status": 400, "body": "messages is empty"},
        "client_error",
        id="an-empty-request-field-is-not-an-empty-answer",
    ),
    pytest.param(
        {"message": "dial tcp 10.1.2.3:443: connect: operation timed out"},
        "network_error",
        id="a-connect-that-timed-out-is-network",
    ),
    pytest.param(
        {
            "status": 500,
            "body": '{"error":{"message":"internal",'
            '"contentFilterResults":{"hate":{"filtered":false}}}}',
        },
        "server_error",
        id="camelcase-filter-results-are-no-verdict",
    ),
    pytest.param(
        {"status": 400, "body": "The model does not exist: acme-huge"},
        "model_not_found",
        id="an-unknown-model-is-not-bad-output",
    ),
    pytest.param(
        {"status": 429, "body": "The model is overloaded"},
        "rate_limited",
        id="overloaded-under-429-stays-a-throttle",
    ),
    pytest.param(
        {
            "status": 429,
            "body": "{'error': {'message': 'Rate limited: 60 queries per minute',"
            " 'type': 'credit_limit'}}",
        },
        "rate_limited",
        id="a-credit-limit-type-on-a-throttle",
    ),
    pytest.param(
        {"status": 410, "body": "Your API key was revoked"},
        "auth_failed",
        id="words-decide-before-the-410",
    ),
    pytest.param({"status": 500, "body": ""}, "server_error", id="a-blank-5xx-is-a-server-error"),
    pytest.param(
        {"status": 200, "body": '{"choices":[{"message":{"content":"hi"}}]}'},
        "unknown",
        id="a-200-with-text-is-no-empty-answer",
    ),
    pytest.param(
        {"status": 400, "body": '{"error":{"message":"Invalid JSON schema in response_format"}}'},
        "client_error",
        id="a-response-format-schema-is-no-tool",
    ),
    pytest.param(
        {
            "status": 429,
            "body": '{"error":{"message":"Rate limit exceeded: free-models-per-min."}}',
        },
        "rate_limited",
        id="a-free-per-minute-window-is-a-throttle",
    ),
    pytest.param(
        {"message": "upstream returned port 4413 status"}, "unknown", id="413-inside-another-number"
    ),
    pytest.param(
        {"status": 429, "body": "Per-minute quota used up, retry in 20s"},
        "rate_limited",
        id="a-per-minute-quota-used-up-is-a-throttle",
    ),
    pytest.param(
        {"status": 400, "body": '{"error":{"message":"Request body is not valid JSON"}}'},
        "client_error",
        id="a-request-that-is-not-json-is-the-callers",
    ),
    pytest.param(
        {"status": 500, "body": "Invalid response from upstream: unexpected end of JSON input"},
        "server_error",
        id="an-invalid-upstream-answer-is-the-servers",
    ),
    pytest.param(
        {"status": 500, "body": "The function does not support json mode in streaming"},
        "server_error",
        id="feature-words-beside-a-tool-are-not-the-request-family",
    ),
    pytest.param(
        {"message": "The model tried to call an unavailable tool"},
        # the model's call of a tool it was not given (NoSuchToolError's concept)
        "format_mismatch",
        id="an-unavailable-tool-is-no-unavailable-model",
    ),
    pytest.param(
        {"message": "500 model unavailable"},
        "model_not_found",
        id="a-5xx-number-without-server-words-or-status-marker",
    ),
    pytest.param(
        {"message": "Model not found: acme-large"},
        "model_not_found",
        id="a-reason-phrase-inside-a-longer-message",
    ),
    pytest.param(
        {"message": "Requests went over the per-minute token limit"},
        "rate_limited",
        id="a-per-minute-token-limit-gone-over-is-a-throttle",
    ),
    pytest.param(
        {"message": "Daily request cap reached"}, "quota_exhausted", id="a-daily-cap-is-quota"
    ),
    pytest.param(
        {"message": "The moderation service timed out"},
        "timeout",
        id="a-moderation-service-that-did-not-answer-gave-no-verdict",
    ),
    pytest.param(
        {"message": "Safety check failed: the prompt violates our policy"},
        "content_filtered",
        id="a-failed-safety-check-is-a-verdict",
    ),
    pytest.param(
        {"message": "Request frequency: 10 per day exceeded"},
        "quota_exhausted",
        id="a-daily-frequency-is-quota",
    ),
    pytest.param(
        {"message": "Slow down, the server is down for maintenance"},
        "rate_limited",
        id="a-throttle-word-decides-before-a-transient-state",
    ),
]


@pytest.mark.parametrize(("failure", "category"), REACHES)
def test_each_family_reaches_nearby_wordings(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """A family decides wordings beside the ones it was written from."""
    assert decide(default, dict(failure)) == category


@pytest.mark.parametrize(("failure", "category"), LEAVES)
def test_each_family_leaves_the_nearby_concepts_alone(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """A wider family does not take another concept's error."""
    assert decide(default, dict(failure)) == category
