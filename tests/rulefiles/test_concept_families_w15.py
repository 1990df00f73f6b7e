"""builtin:default's w15 tool families, from both sides, in the whole set.

The families of rules/default/w15-families.yaml: message roles a route does not take (the
caller's history, client_error), tools combined with an option the route cannot combine
them with (client_error), tool definitions the provider rejects as written and tool features
a model or route lacks (tool_schema_error); then helper w15b's families (concurrency, short
resets, models not ready, credentials not set up, absent model routes, input sizes, parameter
bounds, request faults, content blocks, spent allowances, invalid model output, cut response
bodies). Each family must catch wordings no corpus record used and leave alone the near misses
that belong to another family.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import family_tests
from helpers.family_cases import rule_case as case

ROLE = "default.w15.message-role-refused"
CONFLICT = "default.w15.tools-option-conflict"
DEFINITION = "default.w15.tool-definition-rejected"
FEATURE = "default.w15.tool-feature-lacking"


# (failure, the rule that must decide it, its category): wordings made up for each family.
CATCHES = [
    case(ROLE, "client_error", "tool-role-not-accepted", status=400,
         body='{"error":"role: tool is not accepted by this endpoint"}'),
    case(ROLE, "client_error", "developer-messages-unsupported",
         message="Developer messages are not supported; use a system prompt."),
    case(ROLE, "client_error", "invalid-role-ipython", status=422,
         body="invalid role: ipython"),
    case(ROLE, "client_error", "role-zh", status=400, body="function 角色不被支持"),
    case(CONFLICT, "client_error", "regex-constraints-with-tools", status=400,
         body="Cannot combine regex output constraints with tools"),
    case(CONFLICT, "client_error", "json-mode-with-tools",
         message="You may not enable strict JSON mode with the tools"),
    case(CONFLICT, "client_error", "prefill-with-tools", status=422,
         body="can't pass assistant prefill together with tools"),
    case(DEFINITION, "tool_schema_error", "path-into-tool-list", status=400,
         body='{"error":{"message":"tools.2.input_schema.type: Field required"}}'),
    case(DEFINITION, "tool_schema_error", "bracket-path-unknown-key", status=400,
         body="functions[1].parameters: unknown key 'examples'"),
    case(DEFINITION, "tool_schema_error", "malformed-function-declaration",
         message="Malformed function declaration for get_time"),
    case(DEFINITION, "tool_schema_error", "duplicate-function-names", status=400,
         body="Request has duplicate function names: lookup"),
    case(DEFINITION, "tool_schema_error", "array-parameter-without-items", status=400,
         body="array parameter 'tags' should define items"),
    case(DEFINITION, "tool_schema_error", "parameter-without-type",
         message="parameter unit must specify a type"),
    case(DEFINITION, "tool_schema_error", "too-many-nullable-parameters", status=400,
         body="too many optional parameters with nullable types in the function schema"),
    case(DEFINITION, "tool_schema_error", "duplicate-zh", status=400,
         body="函数名称重复, search"),
    case(FEATURE, "tool_schema_error", "code-execution-disabled", status=400,
         body="code_execution is disabled for this deployment"),
    case(FEATURE, "tool_schema_error", "no-file-search",
         message="This model cannot support file search yet"),
    case(FEATURE, "tool_schema_error", "tool-choice-required-unsupported", status=400,
         body="tool_choice 'required' is not supported by the selected model"),
    case(FEATURE, "tool_schema_error", "url-context-instead", status=400,
         body="Please use url_context tool instead of the legacy browse field"),
    case(FEATURE, "tool_schema_error", "function-calling-zh", status=400,
         body="当前模型函数调用未开启"),
]

# (failure, the category builtin:default must decide, a rule that must not decide it): texts
# with a family's words but another family's concept.
NEAR_MISSES = [
    pytest.param({"status": 400, "body": "Invalid schema for response_format 'x': array "
                  "schema must have items"}, "client_error", DEFINITION,
                 id="answer-format-schema"),
    pytest.param({"status": 400, "body": "messages.1.content.0: tool_use ids were found "
                  "without tool_result blocks immediately after: toolu_1"}, "client_error",
                 DEFINITION, id="history-path"),
    pytest.param({"status": 400, "body": '"qwen2.5-tool-calling:7b" does not support '
                  "thinking"}, "client_error", FEATURE, id="model-name-with-tool-calling"),
    pytest.param({"status": 400, "body": "Invalid parameter: messages with role 'tool' must "
                  "be a response to a preceding message with 'tool_calls'."}, "client_error",
                 ROLE, id="tool-role-out-of-order"),
    pytest.param({"status": 429, "body": "Too many tool calls per minute, tool_choice "
                  "is not supported while throttled"}, "rate_limited", FEATURE,
                 id="tool-words-in-a-429"),
]

# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"status": 400, "body": "property name must have a value"}, DEFINITION,
                 id="property-without-value"),
    pytest.param({"message": "The role of this key is not supported for billing exports"},
                 ROLE, id="key-role"),
    pytest.param({"status": 400, "body": "web search results are empty"}, FEATURE,
                 id="web-search-empty"),
    pytest.param({"status": 400, "body": "Cannot use a port with the proxy"}, CONFLICT,
                 id="no-tools"),
    pytest.param({"status": 400, "body": "Cannot use tools with this model"}, CONFLICT,
                 id="model-without-tools"),
]


(
    test_w15_family_catches_its_concept,
    test_w15_family_leaves_near_misses_to_another,
    test_w15_rule_does_not_decide_a_lookalike,
) = family_tests(
    "w15", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES
)


# --- w15b: the remaining misses of rounds 1-11, by concept (issue 11) --------------------------
CONCURRENT = "default.w15b.concurrent-operation"
SHORT_RESET = "default.w15b.short-reset"
NOT_READY = "default.w15b.model-not-ready"
NOT_SET_UP = "default.w15b.credentials-not-set-up"
STATED_401 = "default.w15b.stated-401"
ROUTE_ABSENT = "default.w15b.model-route-absent"
INPUT_SIZE = "default.w15b.input-size-exceeded"
PARAMETER = "default.w15b.parameter-bound"
REQUEST = "default.w15b.request-fault"
BLOCKED = "default.w15b.content-blocked"
ALLOWANCE = "default.w15b.allowance-spent"
OUTPUT_INVALID = "default.w15b.model-output-invalid"
BODY_CUT = "default.w15b.response-body-cut"

# (failure, the rule that must decide it, its category): wordings no corpus record used.
CATCHES_W15B = [
    case(CONCURRENT, "rate_limited", "another-generation-running", status=409,
         body="Another generation is still running for this chat; retry when it ends."),
    case(CONCURRENT, "rate_limited", "thread-busy", message="The thread is currently busy"),
    case(CONCURRENT, "rate_limited", "zh-task-running", message="已有任务正在运行, 请稍候"),
    case(CONCURRENT, "rate_limited", "concurrency-limit-reached", status=400,
         body="concurrency limit of 4 reached; top up to raise it"),
    case(SHORT_RESET, "rate_limited", "capacity-resets-seconds",
         message="Model capacity spent. The limit resets in 30 seconds"),
    case(SHORT_RESET, "rate_limited", "quota-reset-minutes",
         message="quota will reset after 2 min"),
    case(SHORT_RESET, "rate_limited", "allowance-resets-ms", message="allowance resets in 500ms"),
    case(NOT_READY, "server_error", "429-not-ready", status=429,
         body="Endpoint is not ready to serve traffic"),
    case(NOT_READY, "server_error", "provisioning", status=400,
         body="GPU capacity still being provisioned, retry later"),
    case(NOT_READY, "server_error", "still-loading-model", status=429,
         body="worker still loading the model"),
    case(NOT_SET_UP, "auth_failed", "500-enter-key", status=500,
         body="Enter your Gemini API key to continue"),
    case(NOT_SET_UP, "auth_failed", "503-backend-not-configured", status=503,
         body="The chat backend is not configured."),
    case(NOT_SET_UP, "auth_failed", "secret-key-revoked", message="secret key is revoked"),
    case(NOT_SET_UP, "auth_failed", "zh-key-not-configured", message="未配置 API Key"),
    case(STATED_401, "auth_failed", "401-retry-apology", status=401,
         body="Got 401 from the model host; it may be unavailable, retry later."),
    case(STATED_401, "auth_failed", "401-in-a-moment", status=401,
         body="HTTP 401 - the service is temporarily unreachable"),
    case(STATED_401, "auth_failed", "401-try-again", status=401,
         body="upstream error 401, please try again"),
    case(ROUTE_ABSENT, "model_not_found", "workflow-not-published",
         message="This workflow has not been published"),
    case(ROUTE_ABSENT, "model_not_found", "zh-app-not-online", message="应用未上线"),
    case(ROUTE_ABSENT, "model_not_found", "500-invalid-model-alias", status=500,
         body="Invalid model alias: \"turbo-x\""),
    case(ROUTE_ABSENT, "model_not_found", "no-endpoints-matching", status=404,
         body="No endpoints found matching your routing constraints"),
    case(ROUTE_ABSENT, "model_not_found", "no-tokenizer-loaded", message="no tokenizer loaded"),
    case(INPUT_SIZE, "context_window_exceeded", "too-many-bytes", status=400,
         body="too many total bytes in the prompt"),
    case(INPUT_SIZE, "context_window_exceeded", "audio-duration-exceeds", status=400,
         body="audio duration exceeds the maximum of 25 minutes"),
    case(INPUT_SIZE, "context_window_exceeded", "video-duration-longer", status=400,
         body="video duration is longer than 60 seconds"),
    case(INPUT_SIZE, "context_window_exceeded", "document-length-over", status=422,
         body="document length is over the limit"),
    case(INPUT_SIZE, "context_window_exceeded", "zod-too-big-text",
         body='{"issues":[{"code":"too_big","maximum":5000,"path":["text"]}]}'),
    case(PARAMETER, "client_error", "presence-penalty-range", status=400,
         body="presence_penalty must be between -2 and 2"),
    case(PARAMETER, "client_error", "top-k-too-high", status=400, body="top_k is too high: 1000"),
    case(PARAMETER, "client_error", "value-below-minimum", status=422,
         body='{"param":"temperature","message":"Value below minimum"}'),
    case(REQUEST, "client_error", "no-model-selected", message="No model was given in the request"),
    case(REQUEST, "client_error", "zh-name-a-model", message="请指定模型"),
    case(REQUEST, "client_error", "video-modality-off", status=400,
         body="Video input is not supported for this deployment"),
    case(REQUEST, "client_error", "empty-prompt",
         message="Cannot compute logprobs for an empty prompt"),
    case(REQUEST, "client_error", "batch-line-json", message="line is not parseable as valid JSON"),
    case(BLOCKED, "content_filtered", "request-blocked", status=400,
         body="Your prompt has been blocked."),
    case(BLOCKED, "content_filtered", "zh-compliance", message="回答由于合规原因无法生成"),
    case(BLOCKED, "content_filtered", "completion-blocked", message="The completion was blocked"),
    case(ALLOWANCE, "quota_exhausted", "free-credits-used", message="Free credits used up"),
    case(ALLOWANCE, "quota_exhausted", "lifetime-limit", message="Budget hit (lifetime limit)"),
    case(ALLOWANCE, "quota_exhausted", "key-without-credits", status=402,
         body="This key does not have credits"),
    case(OUTPUT_INVALID, "format_mismatch", "emitted-malformed-output", status=500,
         body="The model emitted malformed output"),
    case(OUTPUT_INVALID, "format_mismatch", "produced-invalid-json",
         message="model produced invalid json"),
    case(OUTPUT_INVALID, "format_mismatch", "returned-unparseable-response",
         message="the model returned an unparseable response"),
    case(BODY_CUT, "network_error", "fetch-error-cut",
         message="invalid json response body at https://x.test/v1 reason: Unexpected end"),
    case(BODY_CUT, "network_error", "fetch-error-token",
         message="FetchError: invalid json response body at http://127.0.0.1/api"),
    case(BODY_CUT, "network_error", "fetch-error-html",
         message="invalid json response body at https://gw.test reason: Unexpected token <"),
]

# (failure, the category it must get, a w15b rule that must not decide it): near misses.
NEAR_MISSES_W15B = [
    pytest.param({"message": "Your quota resets in 23 hours"}, "quota_exhausted", SHORT_RESET,
                 id="long-reset"),
    pytest.param({"status": 400, "body": "Image size exceeds the limit."}, "client_error",
                 INPUT_SIZE, id="image-size-is-media"),
    pytest.param({"status": 400, "body": "max_tokens is too large: 100000"}, "client_error",
                 INPUT_SIZE, id="parameter-not-input"),
    pytest.param({"status": 400, "body": "请求参数错误: Model Not Exist"}, "model_not_found",
                 REQUEST, id="request-words-model-missing"),
    pytest.param({"status": 401, "body": "401: quota exceeded, try again tomorrow"},
                 "quota_exhausted", STATED_401, id="401-quota"),
]

# (failure, a w15b rule that must not decide it): gate words without the rule's concept.
LEAVES_W15B = [
    pytest.param({"status": 400, "body": "API Error: 400 due to tool use concurrency issues. "
                  "Run /rewind to recover the conversation."}, CONCURRENT,
                 id="tool-concurrency-history"),
    pytest.param({"message": "ValueError: Check the candidate.safety_ratings to see if the "
                  "response was blocked."}, BLOCKED, id="sdk-guess-empty"),
    pytest.param({"status": 503, "body": "No available providers at the moment"},
                 ROUTE_ABSENT, id="no-providers-now"),
    pytest.param({"message": "Your account was blocked"}, BLOCKED, id="account-blocked"),
    pytest.param({"status": 503, "body": "Model is loading, no requests served yet"},
                 ROUTE_ABSENT, id="model-loading"),
    pytest.param({"message": "Set the temperature to 0.7 for best results"}, PARAMETER,
                 id="parameter-advice"),
    pytest.param({"status": 500, "body": "No model specified upstream"}, REQUEST, id="5xx"),
    pytest.param({"status": 429, "body": "Set your API key tier higher for more requests per "
                  "minute"}, NOT_SET_UP, id="throttle-advice"),
]


(
    test_w15b_family_catches_its_concept,
    test_w15b_family_leaves_near_misses_to_another,
    test_w15b_rule_does_not_decide_a_lookalike,
) = family_tests(
    "w15b", catches=CATCHES_W15B, near_misses=NEAR_MISSES_W15B, leaves=LEAVES_W15B
)
