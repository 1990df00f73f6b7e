# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real Chinese texts
"""builtin:default's round-13 families, from both sides, in the whole set.

The families written from round 13's training part (rules/default/r13-train.yaml): fetch
streams terminated, native assertions in local servers, proxy overflow, upstream timeouts
behind content-sounding names, a 4xx quoted by an HTTP client, quoted models not found,
models retired for a successor, no capacity, model output that is not JSON or not
parseable, reasoning history without its thinking blocks or signatures, tool declarations
over a limit, numbers too big for their type, files and documents over a limit, wrong URLs,
accounts outside the organisation, identity checks, feature limits and answer caps that
lift later, Chinese throttles and connection failures, and "try again after a while".
Every case here is a wording made up for the test (imagined providers), not one of the
corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    case(
        "network_error", "undici-terminated-provider", message="[groq] upstream error: terminated"
    ),
    case(
        "network_error",
        "fetch-typeerror-terminated",
        message="Request to model failed - TypeError: terminated",
    ),
    case("network_error", "und-err-socket", message="fetch failed: UND_ERR_SOCKET"),
    case(
        "network_error",
        "other-side-closed",
        message="SocketError: other side closed while streaming completion",
    ),
    case(
        "network_error",
        "stream-terminated-early",
        message="The event stream was terminated prematurely",
    ),
    case(
        "server_error",
        "ggml-assert-cuda",
        message="ggml/src/ggml-cuda/ggml-cuda.cu:70: GGML_ASSERT(ne00 % 2 == 0) failed",
    ),
    case(
        "server_error",
        "c-assert-failed",
        message="llamafile/sgemm.cpp:412: assert(k % 8 == 0) failed",
    ),
    case(
        "server_error",
        "glibc-assertion",
        message="koboldcpp: ggml.c:4512: ggml_new_tensor_impl: Assertion `view_src == NULL' failed.",
    ),
    case(
        "server_error", "segfault-500", status=500, body="model worker crashed: Segmentation fault"
    ),
    case("server_error", "sigabrt", message="inference process killed by SIGABRT"),
    case("server_error", "core-dumped", message="Aborted (core dumped)"),
    case(
        "server_error",
        "envoy-overflow-502",
        status=502,
        body="upstream connect error or disconnect/reset before headers. reset reason: overflow",
    ),
    case(
        "server_error",
        "envoy-overflow-untyped",
        message="Gateway error: disconnect/reset before headers. reset reason: overflow",
    ),
    case("server_error", "pending-overflow", status=503, body="upstream pending request overflow"),
    case(
        "server_error",
        "circuit-breaker-open",
        status=503,
        body="circuit breaker open for upstream cluster llm-backend",
    ),
    case(
        "server_error",
        "envoy-overloaded-header",
        status=503,
        headers={"x-envoy-overloaded": "true"},
        body="",
    ),
    case(
        "timeout",
        "upstream-timeout-named-toxic",
        status=504,
        body="[ToxicContentDetector] upstream request timeout",
    ),
    case(
        "timeout",
        "gateway-timeout-html",
        message="<html><body><h1>504 Gateway Time-out</h1></body></html>",
    ),
    case("timeout", "status-504-quoted", message="[SafetyJudge] call failed with status 504"),
    case(
        "timeout",
        "upstream-timed-out",
        message="nginx: upstream timed out (110: Connection timed out) while reading response header",
    ),
    case("timeout", "upstream-response-timeout-408", status=408, body="upstream response timeout"),
    case(
        "client_error",
        "aiohttp-400-empty",
        message="No generation for item 4: 400, message='Bad Request', url='https://router.example/v1/chat'",
    ),
    case(
        "client_error",
        "aiohttp-422",
        message="aiohttp.client_exceptions.ClientResponseError: 422, message='Unprocessable Entity', url=URL('http://tgi:8080/generate')",
    ),
    case(
        "client_error",
        "aiohttp-405",
        message="Received no response: 405, message='Method Not Allowed', url='http://localhost/v1'",
    ),
    case(
        "client_error",
        "aiohttp-409",
        message="ClientResponseError: 409, message='Conflict', url='https://api.example.com/jobs'",
    ),
    case(
        "client_error",
        "aiohttp-415",
        message="Empty output. 415, message='Unsupported Media Type', url='https://api.example.com/v1'",
    ),
    case(
        "model_not_found",
        "invalid-parameter-code",
        status=400,
        body='{"code":"InvalidParameter","message":"model \'deepseek-r9\' not found or not supported"}',
    ),
    case(
        "model_not_found",
        "model-name-unsupported",
        status=400,
        body='{"error":{"code":"invalid_parameter","message":"Model name `llama-5-400b` is not supported."}}',
    ),
    case(
        "model_not_found", "model-id-unknown", status=422, body="model_id 'mixtral-99b' is unknown"
    ),
    case(
        "model_not_found",
        "model-not-on-endpoint",
        status=400,
        body='model "gpt-9o" is not available on this endpoint.',
    ),
    case(
        "model_not_found",
        "model-curly-quotes",
        status=400,
        body="The model ‘claude-zeta’ does not exist.",
    ),
    case("model_not_found", "model-colon-quoted", message="model: 'qwen-max-2099' not recognized"),
    case(
        "model_not_found",
        "sonnet-retired",
        message="Claude Sonnet 3.7 has been retired. Please switch to Claude Sonnet 4.5.",
    ),
    case(
        "model_not_found",
        "gpt-deprecated-migrate",
        status=400,
        body="gpt-3.5-turbo-0301 is deprecated; migrate to gpt-4o-mini.",
    ),
    case(
        "model_not_found",
        "gemini-sunset",
        message="Gemini 1.0 Pro Vision was sunset. Please update to Gemini 2.5 Flash.",
    ),
    case(
        "model_not_found",
        "mistral-no-longer-served",
        message="Mistral Large 2402 is no longer served, please move to Mistral Large 2411",
    ),
    case(
        "model_not_found",
        "zh-retired-switch",
        message="模型 glm-3-turbo 已停用，请改用 glm-4-flash",
    ),
    case(
        "server_error",
        "no-capacity-region",
        message="No capacity available in region us-east5 for claude-sonnet",
    ),
    case(
        "server_error",
        "insufficient-capacity-503",
        status=503,
        body='{"error":{"code":"insufficient_capacity","message":"Insufficient capacity"}}',
    ),
    case(
        "server_error",
        "capacity-unavailable",
        status=400,
        body="Model capacity is unavailable at the moment.",
    ),
    case(
        "server_error",
        "not-enough-capacity",
        message="There is not enough capacity to run this model now",
    ),
    case("server_error", "zh-capacity", message="服务器容量不足，请稍后再试"),
    case("server_error", "zh-no-instance", message="暂无可用实例"),
    case(
        "format_mismatch",
        "judge-invalid-json",
        message="The judge returned invalid JSON; scoring skipped",
    ),
    case("format_mismatch", "grader-no-valid-score", message="Grader did not return a valid score"),
    case(
        "format_mismatch",
        "cannot-parse-model-output-yaml",
        message="Could not parse the model output as YAML",
    ),
    case(
        "format_mismatch",
        "ai-produced-malformed-json",
        message="Error: the AI produced malformed JSON for the plan",
    ),
    case(
        "format_mismatch",
        "function-call-parser-failed",
        message="Function call parser failed: Expecting value",
    ),
    case(
        "format_mismatch",
        "failed-extract-tool-calls",
        message="Failed to extract tool calls from the model output",
    ),
    case("format_mismatch", "zh-cannot-parse-output", message="模型输出无法解析"),
    case(
        "client_error",
        "reasoning-content-missing",
        status=400,
        body="Missing `reasoning_content` in assistant message 3 (thinking mode with tools)",
    ),
    case(
        "client_error",
        "thought-signature-required",
        status=400,
        body="thought_signature is required for functionCall parts in the conversation history",
    ),
    case(
        "client_error",
        "final-assistant-thinking-start",
        status=400,
        body="When thinking is enabled, a final assistant message must start with a thinking block",
    ),
    case(
        "client_error",
        "history-without-thinking",
        status=400,
        body="assistant turn 7 was sent without the thinking blocks it had",
    ),
    case("client_error", "zh-missing-reasoning", status=400, body="历史消息缺少 reasoning_content"),
    case(
        "tool_schema_error",
        "function-schema-too-deep",
        status=400,
        body="The function schema for 'search' is too deeply nested (max depth 5)",
    ),
    case(
        "tool_schema_error",
        "too-many-functions",
        status=400,
        body="Too many functions: a request may declare at most 64",
    ),
    case(
        "tool_schema_error",
        "tools-exceed-properties",
        status=400,
        body="tool definitions exceed the limit of 500 total properties",
    ),
    case(
        "tool_schema_error",
        "functiondeclarations-over",
        status=400,
        body="functionDeclarations[2].parameters exceeds maximum nesting depth of 32",
    ),
    case(
        "tool_schema_error",
        "tool-declaration-complex",
        status=400,
        body="A tool declaration in the request is too complex (too many enum values)",
    ),
    case(
        "client_error",
        "python-int-too-large",
        message="OverflowError: int too large to convert to float",
    ),
    case(
        "client_error",
        "go-unmarshal-uint",
        status=400,
        body="json: cannot unmarshal number 4294967296 into Go struct field .max_tokens of type uint32",
    ),
    case(
        "client_error",
        "rust-number-fit",
        status=422,
        body="number too large to fit in target type at line 1 column 40",
    ),
    case(
        "client_error",
        "postgres-out-of-range",
        status=400,
        body='value "9223372036854775808" is out of range for type bigint',
    ),
    case(
        "client_error",
        "integer-overflow-seed",
        status=400,
        body="integer overflow while reading seed",
    ),
    case(
        "client_error", "docx-too-large", status=400, body="The DOCX file is too large to convert"
    ),
    case(
        "client_error", "attachment-exceeds", message="Attachment exceeds the maximum size of 25 MB"
    ),
    case(
        "client_error",
        "too-many-pages",
        status=400,
        body="Too many pages: this plan parses at most 100",
    ),
    case("client_error", "file-too-big-code", message="Upload failed: FILE_TOO_BIG"),
    case("client_error", "zh-pages-over", message="文档页数超过最大限制"),
    case("client_error", "pdf-over-size-limit", status=400, body="PDF over the size limit (32 MB)"),
    case("client_error", "wrong-api-url", message="Wrong API URL, please check your settings"),
    case(
        "client_error",
        "incorrect-endpoint-url",
        status=404,
        body="Incorrect endpoint URL for this model type",
    ),
    case("client_error", "base-url-invalid", message="base_url is invalid: missing scheme"),
    case(
        "client_error", "please-verify-url", message="Request rejected: please verify the API URL"
    ),
    case("client_error", "zh-url-wrong", message="请求地址不正确"),
    case("auth_failed", "not-member-team", status=403, body="You are not a member of this team."),
    case(
        "auth_failed",
        "key-no-longer-belong-org",
        status=401,
        body="Your API key no longer belongs to the organization org-abc",
    ),
    case(
        "auth_failed",
        "must-be-member-workspace",
        status=403,
        body="You must be a member of a workspace to call this API",
    ),
    case(
        "auth_failed",
        "ask-admin-invite",
        message="Ask an admin to invite you to the organization before using the API.",
    ),
    case("auth_failed", "zh-not-member", status=403, body="当前账号不属于该团队成员"),
    case(
        "auth_failed",
        "kyc-pending",
        status=403,
        body="KYC verification pending: model access is disabled",
    ),
    case(
        "auth_failed",
        "identity-check-needed",
        message="Identity verification needed before this key can be used",
    ),
    case("auth_failed", "zh-realname", status=403, body="请先完成实名认证"),
    case("auth_failed", "zh-identity-failed", message="身份验证未通过，无法调用模型"),
    case(
        "auth_failed",
        "complete-id-check",
        status=400,
        body="Please complete your identity verification to use o3.",
    ),
    case(
        "rate_limited",
        "usage-limit-web-search",
        message="The usage limit for web search has been reached. Try again later.",
    ),
    case(
        "rate_limited",
        "rate-limit-for-image-gen",
        message="The rate limit for image generation has been exceeded, please try again in a few minutes",
    ),
    case(
        "rate_limited",
        "call-limit-on-tool",
        message="Call limit on the code interpreter has been hit; retry later",
    ),
    case(
        "rate_limited",
        "generation-limit-for-agent",
        message="Generation limit for this agent has been reached. Please try again soon.",
    ),
    case(
        "rate_limited",
        "message-limit-of-assistant",
        message="The message limit of the assistant has been reached, try again after a short break",
    ),
    case(
        "rate_limited",
        "quota-of-transcription-later",
        message="Quota of the transcription service has been hit; try again in a little while",
    ),
    case(
        "rate_limited", "bot-max-replies", message="The bot reached its maximum number of replies"
    ),
    case(
        "rate_limited",
        "max-calls-hit",
        message="Your integration hit the maximum number of calls; wait and retry",
    ),
    case(
        "rate_limited",
        "max-generations",
        message="You have reached the maximum number of image generations right now",
    ),
    case(
        "rate_limited",
        "max-requests-agent",
        message="Agent exceeded its maximum number of requests",
    ),
    case(
        "rate_limited",
        "max-runs",
        message="Workflow reached the maximum number of runs. Retry later.",
    ),
    case("rate_limited", "zh-send-too-frequent", message="发送太频繁了，请稍后"),
    case("rate_limited", "zh-rest-ask", message="先休息一会儿再来问吧"),
    case("rate_limited", "zh-slow-down", message="慢一点再问，我忙不过来了"),
    case("rate_limited", "zh-chat-too-fast", message="聊天速度过快"),
    case("rate_limited", "zh-call-too-fast", message="接口调用过快"),
    case("network_error", "zh-cannot-reach-api", message="连接不上API，请稍后"),
    case("network_error", "zh-network-down", message="网络不可用"),
    case("network_error", "zh-network-disconnected", message="网络连接断开"),
    case("network_error", "zh-cannot-access-server", message="无法访问服务器"),
    case("network_error", "zh-lianbudao", message="机器人连不到服务"),
    case("server_error", "retry-in-a-bit", message="Please try again in a bit."),
    case("server_error", "try-again-in-a-moment", message="Try again in a moment"),
    case("server_error", "try-again-in-few-seconds", message="Please try again in a few seconds!"),
    case("server_error", "retry-after-short-while", message="Retry after a short while."),
    case("server_error", "try-after-some-minutes", message="try again after some minutes"),
    # the same concepts in Japanese, Spanish, German
    case(
        "server_error",
        "ja-capacity",
        message="現在、このモデルの容量が不足しています。しばらくしてから再試行してください",
    ),
    case(
        "server_error",
        "es-capacity",
        message="No hay capacidad disponible para el modelo en este momento",
    ),
    case("server_error", "de-capacity", message="Keine Kapazität verfügbar für dieses Modell"),
    case(
        "format_mismatch",
        "ja-output-not-json",
        message="モデルの出力をJSONとして解析できませんでした",
    ),
    case("format_mismatch", "es-output-not-json", message="El modelo devolvió un JSON no válido"),
    case(
        "auth_failed", "ja-not-member", status=403, body="あなたはこの組織のメンバーではありません"
    ),
    case("auth_failed", "es-not-member", status=403, body="No eres miembro de esta organización"),
    case(
        "model_not_found",
        "ja-retired",
        message="Claude 2.1 は提供を終了しました。Claude Sonnet 4.5 に切り替えてください",
    ),
    case("network_error", "ja-connection", message="接続が切断されました"),
]

# (failure, the category builtin:default must decide): near misses that belong elsewhere.
NEAR_MISSES = [
    case(
        "context_window_exceeded",
        "upload-request-entity-413",
        status=413,
        body="File upload failed: Request Entity Too Large",
    ),
    case(
        "context_window_exceeded",
        "payload-too-large",
        status=400,
        body="The request payload is too large for the model. Reduce the prompt.",
    ),
    case(
        "rate_limited",
        "capacity-429",
        status=429,
        body="No capacity available for model gemini-3-pro, please retry",
    ),
    case(
        "rate_limited",
        "resource-exhausted-capacity",
        message="RESOURCE_EXHAUSTED: the service is temporarily out of capacity. Try again later.",
    ),
    case(
        "rate_limited",
        "rpm-verify-identity",
        status=403,
        body="RPM limit exceeded. Complete identity verification to lift the restriction.",
    ),
    case(
        "quota_exhausted",
        "usage-limit-monthly",
        message="The usage limit for your monthly plan has been reached. Please try again later.",
    ),
    case(
        "context_window_exceeded",
        "prompt-too-big",
        status=400,
        body="Prompt is too big: 300000 tokens > 200000 maximum",
    ),
    case("network_error", "zh-connection-url", message="连接异常，请检查网络连接状态或URL是否正确"),
    case(
        "client_error",
        "feature-the-model-lacks",
        status=400,
        body="model 'gpt-x' does not support parameter 'temperature'",
    ),
    case(
        "server_error",
        "http-5xx-quoted-llm-json",
        status=500,
        body="Received incorrect json from LLM. <html>500 Internal Server Error</html>",
    ),
    case(
        "client_error",
        "api-version-retired",
        status=400,
        body="API version 2023-05-15 is no longer supported. Please switch to 2024-10-21.",
    ),
]

# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param(
        {"message": "Run terminated by the user"},
        "default.r13.fetch-terminated",
        id="run-terminated-on-purpose",
    ),
    pytest.param(
        {"message": "AssertionError: messages must alternate roles"},
        "default.r13.native-assertion",
        id="python-assertion",
    ),
    pytest.param(
        {"status": 400, "body": "model 'gpt-x' is not supported with tools"},
        "default.r13.model-quoted-missing",
        id="model-lacks-tools",
    ),
    pytest.param(
        {"message": "Python 3.8 is no longer supported. Please upgrade to 3.9."},
        "default.r13.model-retired-for-successor",
        id="runtime-version",
    ),
    pytest.param(
        {"status": 400, "body": "Your provisioned throughput capacity is exhausted"},
        "default.r13.capacity-shortage",
        id="provisioned-capacity",
    ),
    pytest.param(
        {"status": 400, "body": "Failed to parse the request body as JSON"},
        "default.r13.model-output-unparseable",
        id="request-body-json",
    ),
    pytest.param(
        {"status": 400, "body": "thinking.budget_tokens must be less than max_tokens"},
        "default.r13.reasoning-history-incomplete",
        id="thinking-setting",
    ),
    pytest.param(
        {"status": 400, "body": "Invalid image_url: please check the URL"},
        "default.r13.url-misconfigured",
        id="media-url",
    ),
    pytest.param(
        {"status": 403, "body": "This model doesn't belong to your organization."},
        "default.r13.not-member-of-organisation",
        id="model-of-another-org",
    ),
    pytest.param(
        {"message": "You reached the maximum number of turns in this conversation"},
        "default.r13.response-count-cap",
        id="conversation-turns",
    ),
    pytest.param(
        {"message": "连接设置已保存"}, "default.r13.zh-cannot-connect", id="zh-settings-saved"
    ),
    pytest.param(
        {"message": "Rate limit reached. Please try again after some time."},
        "default.r13.try-again-after-a-while",
        id="rate-limit-then-wait",
    ),
]


(
    test_round13_family_catches_its_concept,
    test_round13_family_leaves_near_misses_to_another,
    test_round13_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-13", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r13."
)
