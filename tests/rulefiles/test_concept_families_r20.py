# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real CJK texts
"""builtin:default's round-20 families, from both sides, in the whole set.

The families written from round 20's training part (rules/default/r20-train.yaml): usage
windows resetting soon, premium requests and usage credits used up, fair-use restrictions,
open-run caps, tool definitions failing validation, tools not implemented, tool arguments
rejected or not JSON, tools not offered or wrapped in markup, tool calls not generated,
structured output not JSON, WebSockets going away, encrypted content unverifiable, client IPs
not allowed, gated models needing authentication, credentials rejected upstream, models
disabled or unavailable. Every case here is a wording made up for the test (imagined
providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # usage windows that reset within two minutes
    case("rate_limited", "resets-in-seconds-json", status=429, body='{"error":{"type":"usage_limit_reached","resets_in_seconds":42}}'),
    case("rate_limited", "usage-cap-resets-in", message="usage cap reached; resets in 90 seconds"),
    case("rate_limited", "usage-limit-resets-minute", status=429, body="Usage limit hit. Resets in 1 minute."),
    case("rate_limited", "reset-in-seconds-key", status=429, body="{'message': 'usage limits exceeded', 'reset_in_seconds': 5}"),
    case("rate_limited", "chinese-usage-reset", status=429, body="usage limit：用量上限将在 30 秒后重置"),
    # premium requests and usage credits used up
    case("quota_exhausted", "premium-allowance-used", message="You've used up your monthly premium requests allowance"),
    case("quota_exhausted", "overages-not-enabled", status=429, body="Premium request limit reached. Overages are not enabled for this organization."),
    case("quota_exhausted", "feature-needs-extra-credits", status=429, body='{"error":{"type":"rate_limit_error","message":"Priority mode needs extra credits"}}'),
    case("quota_exhausted", "usage-credits-required", status=400, body="usage credits are required for this model"),
    case("quota_exhausted", "chinese-premium-used", message="本月高级请求额度已用完"),
    # fair-use restrictions
    case("quota_exhausted", "fair-use-violation", status=429, body="Your subscription violates the fair use policy; access has been restricted"),
    case("quota_exhausted", "fair-usage-limited", message="Fair usage limits exceeded for this plan. Usage has been limited."),
    case("quota_exhausted", "fair-use-terms", message="Account restricted: breach of the Fair Use terms"),
    case("quota_exhausted", "chinese-fair-use", message="超出合理使用范围，请求已被限制"),
    case("quota_exhausted", "chinese-fair-policy", status=429, body="您的账号不符合公平使用政策"),
    # caps on open runs
    case("rate_limited", "max-runs-error-type", message='{"type":"max_concurrent_runs_error","message":"too many"}'),
    case("rate_limited", "reached-limit-active-sessions", status=409, body="You have reached the limit of active agent sessions"),
    case("rate_limited", "hit-max-running-jobs", message="project hit its cap on running batch jobs"),
    case("rate_limited", "too-many-inflight-runs", status=400, body="too many in-flight runs for this assistant"),
    case("rate_limited", "chinese-runs-cap", message="同时运行中的工作流数量已达上限"),
    # tool definitions failing validation
    case("tool_schema_error", "skipping-function-schema", message="Skipping function 'lookup' because its parameters schema is not an object"),
    case("tool_schema_error", "tool-fails-validation", message="Tool fetch_page fails schema validation"),
    case("tool_schema_error", "unknown-schema-keyword", status=400, body="tools[2].parameters: unknown JSON schema keyword 'patternProperties'"),
    case("tool_schema_error", "missing-type-key-property", status=422, body="missing 'type' key in property 'limit' of tool search"),
    case("tool_schema_error", "output-schema-contract", message="Function weather has an output schema but returned plain text"),
    case("tool_schema_error", "chinese-tool-validate", message="工具定义校验失败"),
    # tools not implemented on a route
    case("tool_schema_error", "function-calling-not-implemented", status=400, body="function calling not implemented for this provider"),
    case("tool_schema_error", "tools-not-yet-implemented", message="tools: not yet implemented"),
    case("tool_schema_error", "tool-use-not-implemented", status=422, body="tool_use is not implemented on this endpoint"),
    case("tool_schema_error", "not-implemented-for-tool-calls", message="streaming is not implemented for tool calls"),
    case("tool_schema_error", "chinese-function-not-implemented", status=400, body="函数调用暂未实现"),
    # a model's tool arguments rejected
    case("format_mismatch", "invalid-input-to-function", message="Invalid input passed to function read_file: path is required"),
    case("format_mismatch", "failed-decode-arguments", message="MCP error -32602: failed to decode arguments: expected object"),
    case("format_mismatch", "function-input-not-received", message="function input was not completely received"),
    case("format_mismatch", "invoking-tool-jsondecode", message="error invoking tool `grep`: json.decoder.JSONDecodeError: Expecting value"),
    case("format_mismatch", "spanish-tool-args", message="Argumentos no válidos para la herramienta buscar"),
    case("format_mismatch", "chinese-tool-args", message="函数调用的参数不合法"),
    # tools not offered, call markup in a tool name
    case("format_mismatch", "function-not-found-try", message="Function \"serch\" not found. Available tools: search, open"),
    case("format_mismatch", "tool-does-not-exist-one-of", message="Tool 'browse' does not exist, use one of the following tools: fetch"),
    case("format_mismatch", "generation-stopped-unexpected", message="Generation stopped because of an unexpected function call"),
    case("format_mismatch", "unknown-tool-markup", message="unknown tool name: bash<tool_call>{\"cmd\": \"ls\"}"),
    case("format_mismatch", "chinese-tool-unavailable", message="工具“搜索”不可用，请改用以下工具之一"),
    # tool calls not generated
    case("format_mismatch", "errors-while-generating-function-call", message="errors while generating function call"),
    case("format_mismatch", "llm-unable-to-emit", status=400, body="the LLM was unable to emit a well-formed tool call"),
    case("format_mismatch", "failure-generating-tool-calls", status=200, body="failure when generating the tool_calls"),
    case("format_mismatch", "model-failed-generate-function", message="model failed to generate a function call"),
    case("format_mismatch", "chinese-generate-tool-call", message="生成工具调用时出错"),
    # structured output not JSON
    case("format_mismatch", "output-not-json-schema", message="schema Person: model output is not valid JSON"),
    case("format_mismatch", "structured-answer-not-json", status=200, body="structured answer: generated content was not parsable JSON"),
    case("format_mismatch", "schema-completion-not-json", message="completion was not JSON (schema=ticket)"),
    case("format_mismatch", "response-content-not-json", message="structured: response content is not JSON"),
    case("format_mismatch", "chinese-structured", message="结构化输出内容不是合法的 JSON"),
    # WebSockets going away
    case("network_error", "connectionclosederror-1001", message="ConnectionClosedError: received 1001 (going away); then sent 1001"),
    case("network_error", "websocket-closed-code-1001", message="websocket connection closed with code 1001"),
    case("network_error", "closed-going-away", message="closed: 1001 going away - server restarting"),
    case("network_error", "sent-going-away", message="sent 1001 (going away) session lifetime reached"),
    case("network_error", "connectionclosed-session-cap", message="ConnectionClosed: 1001 Your session hit the maximum duration of 30 minutes."),
    # encrypted content unverifiable
    case("client_error", "encrypted-reasoning-decrypt", status=400, body="encrypted_reasoning could not be decrypted"),
    case("client_error", "encrypted-content-cannot-verify", message="encrypted content for item rs_1 cannot be verified"),
    case("client_error", "encrypted-content-failed-validate", status=400, body="Encrypted content failed to be validated for this organization"),
    case("client_error", "encrypted-content-unverifiable", message="encrypted content is unverifiable"),
    case("client_error", "chinese-encrypted", message="加密推理内容不能解密"),
    # client IPs not allowed
    case("auth_failed", "ip-not-allowed-code", status=403, body='{"code":"ip_not_allowed"}'),
    case("auth_failed", "client-ip-not-permitted", status=401, body="client IP 1.2.3.4 is not permitted for this key"),
    case("auth_failed", "ip-not-whitelisted", message="your IP address is not whitelisted"),
    case("auth_failed", "ip-blocked-code", status=400, body="IP_BLOCKED: requests from this network are refused"),
    case("auth_failed", "chinese-ip-address", status=403, body="IP 地址不被允许"),
    # gated models that need authentication
    case("auth_failed", "must-log-in", status=401, body="You must log in to download this checkpoint"),
    case("auth_failed", "need-to-authenticate", message="You need to authenticate before accessing this repo"),
    case("auth_failed", "have-to-be-signed-in", status=401, body="you have to be signed in to use this model"),
    case("auth_failed", "must-be-logged-in", message="You must be logged in to access gated weights"),
    case("auth_failed", "chinese-login", status=401, body="必须登录后才能下载该模型"),
    # credentials rejected upstream
    case("auth_failed", "upstream-declined-token", status=503, body="the upstream declined the bearer token"),
    case("auth_failed", "provider-did-not-accept-key", status=500, body="provider did not accept the API key"),
    case("auth_failed", "access-key-refused", message="access key was refused by Bedrock"),
    case("auth_failed", "rejected-proxys-credentials", status=502, body="upstream rejected the proxy's credentials"),
    case("auth_failed", "chinese-key-rejected", status=502, body="密钥被拒绝"),
    # models disabled
    case("model_not_found", "model-deactivated", status=400, body="model acme-7b is deactivated"),
    case("model_not_found", "this-model-disabled", status=403, body="This model has been disabled by the administrator"),
    case("model_not_found", "disabled-model-named", message="disabled model: acme-chat"),
    case("model_not_found", "model-was-disabled", status=404, body="The model was disabled"),
    case("model_not_found", "chinese-model-stopped", status=403, body="模型已停用"),
    # unavailable models named
    case("model_not_found", "unavailable-model-quoted", status=400, body='Unavailable model "acme-large"'),
    case("model_not_found", "unavailable-model-eq", message="unavailable model=acme-9b"),
    case("model_not_found", "unavailable-model-404", status=404, body="unavailable model: acme-x"),
    case("model_not_found", "unavailable-model-exception", message="BadRequestError: Unavailable model: o9"),
    case("model_not_found", "chinese-unavailable-model", message="不可用的模型: acme-9"),
]

# (failure, category): texts near a round-20 family, decided by the family they belong to.
NEAR_MISSES = [
    case("quota_exhausted", "usage-resets-days", status=429, body='{"error":{"type":"usage_limit_reached","resets_in_seconds":86400}}'),
    case("rate_limited", "premium-per-minute", status=429, body="premium requests: 10 per minute, try again in 5s"),
    case("content_filtered", "usage-policy-content", status=400, body="The prompt violates our usage policy"),
    case("tool_schema_error", "groq-did-not-match-schema", status=400, body="tool call validation failed: parameters for tool x did not match schema"),
    case("client_error", "session-duration-no-close", message="Error from OpenAI: Your session hit the maximum duration of 30 minutes."),
    case("model_not_found", "key-not-allowed-model", status=403, body="Your key is not allowed to use this model."),
    case("auth_failed", "account-disabled", status=403, body="Your account has been disabled"),
    case("server_error", "model-temporarily-unavailable", status=503, body="model temporarily unavailable"),
]

# (failure, rule): texts with a round-20 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"status": 429, "body": '{"error":{"type":"usage_limit_reached","resets_in_seconds":3600}}'}, "default.r20.usage-window-resets-soon", id="usage-hour"),
    pytest.param({"status": 401, "body": "usage limit reached, resets in 5 seconds"}, "default.r20.usage-window-resets-soon", id="usage-401"),
    pytest.param({"message": "request resets in 5 seconds"}, "default.r20.usage-window-resets-soon", id="no-usage-limit"),
    pytest.param({"message": "premium requests enabled for your plan"}, "default.r20.plan-allowance-used", id="premium-on"),
    pytest.param({"status": 401, "body": "usage credits required: invalid key"}, "default.r20.plan-allowance-used", id="credits-401"),
    pytest.param({"status": 429, "body": "requires usage credits; 5 requests per minute"}, "default.r20.plan-allowance-used", id="credits-per-minute"),
    pytest.param({"message": "fair use policy updated"}, "default.r20.fair-use-restricted", id="fair-use-news"),
    pytest.param({"status": 401, "body": "fair use policy violated: invalid token"}, "default.r20.fair-use-restricted", id="fair-use-401"),
    pytest.param({"message": "usage of the fair weather tool is limited"}, "default.r20.fair-use-restricted", id="fair-weather"),
    pytest.param({"message": "3 open runs in this session"}, "default.r20.open-runs-cap", id="runs-count"),
    pytest.param({"status": 401, "body": "max_workflow_runs_error: unauthorized"}, "default.r20.open-runs-cap", id="runs-401"),
    pytest.param({"message": "the limit of open files was reached"}, "default.r20.open-runs-cap", id="open-files"),
    pytest.param({"message": "MCP error -32602: Invalid arguments for tool search: Required"}, "default.r20.tool-definition-invalid", id="arguments"),
    pytest.param({"status": 500, "body": "Tool x failed validation"}, "default.r20.tool-definition-invalid", id="tool-500"),
    pytest.param({"message": "Skipping tool cache refresh"}, "default.r20.tool-definition-invalid", id="skipping-refresh"),
    pytest.param({"status": 501, "body": "tools not implemented"}, "default.r20.tools-not-implemented", id="tools-501"),
    pytest.param({"message": "feature not implemented"}, "default.r20.tools-not-implemented", id="no-tools"),
    pytest.param({"status": 401, "body": "tools: not yet implemented for your key"}, "default.r20.tools-not-implemented", id="tools-401"),
    pytest.param({"status": 400, "body": "Invalid arguments for tool search"}, "default.r20.tool-arguments-rejected", id="arguments-400"),
    pytest.param({"message": "failed to parse parameters of the config file"}, "default.r20.tool-arguments-rejected", id="config-parameters"),
    pytest.param({"message": "Invalid arguments for tool search: timed out"}, "default.r20.tool-arguments-rejected", id="arguments-timeout"),
    pytest.param({"message": "Tool 'search' is not available on the free plan"}, "default.r20.tool-not-offered", id="plan-tool"),
    pytest.param({"status": 400, "body": "Tool '' is not available. Please try again with one of these tools: [a]"}, "default.r20.tool-not-offered", id="typed-400"),
    pytest.param({"message": "Response stopped due to max tokens"}, "default.r20.tool-not-offered", id="stopped-tokens"),
    pytest.param({"status": 503, "body": "error while generating tool calls: upstream overloaded"}, "default.r20.tool-call-not-generated", id="generating-503"),
    pytest.param({"message": "generating tool call 2 of 3"}, "default.r20.tool-call-not-generated", id="generating-progress"),
    pytest.param({"status": 429, "body": "error in generating tool call: rate limit"}, "default.r20.tool-call-not-generated", id="generating-429"),
    pytest.param({"message": "schema upload failed: request body is not valid JSON"}, "default.r20.structured-output-not-json", id="request-body"),
    pytest.param({"message": "response is not valid JSON"}, "default.r20.structured-output-not-json", id="no-schema"),
    pytest.param({"status": 400, "body": "schema: response text is not valid JSON"}, "default.r20.structured-output-not-json", id="schema-400"),
    pytest.param({"message": "websocket closed with code 1008: invalid api key"}, "default.r20.websocket-going-away", id="ws-1008"),
    pytest.param({"message": "ConnectionClosedError: received 1001 (going away): unauthorized"}, "default.r20.websocket-going-away", id="ws-unauthorized"),
    pytest.param({"status": 500, "body": "websocket closed code 1001"}, "default.r20.websocket-going-away", id="ws-typed"),
    pytest.param({"message": "encrypted content verified"}, "default.r20.encrypted-content-unverifiable", id="encrypted-ok"),
    pytest.param({"status": 500, "body": "encrypted content could not be decrypted"}, "default.r20.encrypted-content-unverifiable", id="encrypted-500"),
    pytest.param({"status": 401, "body": "encrypted content is invalid: bad key"}, "default.r20.encrypted-content-unverifiable", id="encrypted-401"),
    pytest.param({"status": 429, "body": "too many requests from your IP, not allowed for 60 seconds"}, "default.r20.client-ip-not-allowed", id="ip-429"),
    pytest.param({"message": "IP address allowed"}, "default.r20.client-ip-not-allowed", id="ip-ok"),
    pytest.param({"message": "ip restriction disabled"}, "default.r20.client-ip-not-allowed", id="ip-restriction-off"),
    pytest.param({"status": 403, "body": "You must be authenticated to access it"}, "default.r20.gated-needs-authentication", id="gated-403"),
    pytest.param({"message": "You are authenticated to access it"}, "default.r20.gated-needs-authentication", id="gated-ok"),
    pytest.param({"message": "you must log out first"}, "default.r20.gated-needs-authentication", id="log-out"),
    pytest.param({"status": 502, "body": "the provider rejected the request payload"}, "default.r20.credentials-rejected-upstream", id="payload"),
    pytest.param({"status": 429, "body": "upstream refused our API key: too many requests"}, "default.r20.credentials-rejected-upstream", id="credentials-429"),
    pytest.param({"message": "credentials accepted by the provider"}, "default.r20.credentials-rejected-upstream", id="accepted"),
    pytest.param({"status": 403, "body": "Your account has been disabled; model disabled too"}, "default.r20.model-disabled", id="account-disabled"),
    pytest.param({"status": 503, "body": "model disabled while loading"}, "default.r20.model-disabled", id="disabled-503"),
    pytest.param({"message": "model caching disabled"}, "default.r20.model-disabled", id="caching-disabled"),
    pytest.param({"status": 400, "body": "Unavailable model acme-9, temporarily overloaded, try again"}, "default.r20.unavailable-model-named", id="unavailable-transient"),
    pytest.param({"status": 503, "body": "unavailable model: acme"}, "default.r20.unavailable-model-named", id="unavailable-503"),
    pytest.param({"message": "the model is unavailable"}, "default.r20.unavailable-model-named", id="model-unavailable"),
]


(
    test_round20_family_catches_its_concept,
    test_round20_family_leaves_near_misses_to_another,
    test_round20_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-20", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r20."
)
