"""builtin:default's w16 concept families, from both sides, in the whole set.

The families of rules/default/w16-families.yaml, written from round 12's blind misses as
concepts rather than wordings: safety reasons written as identifiers, moderation verdicts,
spent cost budgets, features only paying accounts may use, lacking permissions, models not
ready yet, paths into the tool definitions, the system message's position, inputs an option
needs, tool kinds that will not combine, hosts not reached, internal failure names, models
not offered where asked, endpoint URLs not found, invalid model output and invalid tool-server
configuration. Each family must catch at least five wordings of imagined providers that no
corpus record used, and leave alone the near misses that belong to another family.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import family_tests
from helpers.family_cases import rule_case as case

SAFETY = "default.w16.safety-reason-identifier"
MODERATION = "default.w16.moderation-verdict"
COST = "default.w16.cost-budget-spent"
PAID = "default.w16.paid-accounts-only"
PERMISSION = "default.w16.permission-lacking"
NOT_READY = "default.w16.not-ready-yet"
TOOL_PATH = "default.w16.tool-definition-pointer"
SYSTEM_FIRST = "default.w16.system-message-position"
INPUT_ABSENT = "default.w16.required-input-absent"
TOOL_KINDS = "default.w16.tool-kinds-combined"
REACH = "default.w16.reach-failed"
INTERNAL = "default.w16.internal-failure-name"
NOT_OFFERED = "default.w16.model-not-offered-here"
ENDPOINT_URL = "default.w16.endpoint-url-not-found"
OUTPUT = "default.w16.model-output-invalid"
TOOL_SERVER = "default.w16.tool-server-config-invalid"


# (failure, the rule that must decide it, its category): wordings of imagined providers.
CATCHES = [
    case(SAFETY, "content_filtered", "go-enum-finish", message="stopped: FinishReasonSafety"),
    case(SAFETY, "content_filtered", "proto-block-reason", status=200,
         body='{"promptFeedback":{"reason":"BLOCK_REASON_PROHIBITED_CONTENT"}}'),
    case(SAFETY, "content_filtered", "camel-stop-reason", message="StopReasonContentFilter"),
    case(SAFETY, "content_filtered", "snake-safety-block", status=400,
         body='{"error":{"code":"safety_block"}}'),
    case(SAFETY, "content_filtered", "blocked-by-policy", message="result: blocked_by_policy"),
    case(SAFETY, "content_filtered", "java-enum-recitation",
         message="Candidate finished with FINISH_REASON_RECITATION"),
    case(MODERATION, "content_filtered", "term-is-banned", message="the term 'nude' is banned"),
    case(MODERATION, "content_filtered", "forbidden-keywords", status=400,
         body="prompt contains forbidden keywords"),
    case(MODERATION, "content_filtered", "moderators-rejected",
         message="Our moderators rejected this image request"),
    case(MODERATION, "content_filtered", "against-usage-policy", status=422,
         body="This prompt may be against our acceptable-use policy"),
    case(MODERATION, "content_filtered", "es-contra-normas",
         message="La petición va en contra de nuestras políticas"),
    case(MODERATION, "content_filtered", "ru-rules", message="Запрос нарушает правила сообщества"),
    case(MODERATION, "content_filtered", "ko-guidelines",
         message="커뮤니티 가이드라인에 위배됩니다"),
    case(MODERATION, "content_filtered", "zh-community", message="输入违反社区规范"),
    case(COST, "quota_exhausted", "camel-cost-limit", message="CostLimitExceeded: run stopped"),
    case(COST, "quota_exhausted", "cost-over-budget",
         message="Total cost $12.40 is over the session budget"),
    case(COST, "quota_exhausted", "snake-spend-cap", status=400,
         body='{"error":"spend_cap_reached"}'),
    case(COST, "quota_exhausted", "max-cost-exceeded", message="max_cost exceeded for task 17"),
    case(COST, "quota_exhausted", "zh-spend", message="消费额度已用完"),
    case(PAID, "quota_exhausted", "billed-projects", status=400,
         body="Video generation is only available to billing-enabled projects"),
    case(PAID, "quota_exhausted", "paid-plans", message="This endpoint is only open to paid plans"),
    case(PAID, "quota_exhausted", "paying-customers-only",
         message="Fine-tuning: paying customers only"),
    case(PAID, "quota_exhausted", "only-subscribed-can",
         message="Only subscribed accounts can use this endpoint"),
    case(PAID, "quota_exhausted", "zh-paid-only", message="此功能仅对付费用户开放"),
    case(PERMISSION, "auth_failed", "principal-lacks", message="The principal lacks the "
         "required permission aiplatform.endpoints.predict"),
    case(PERMISSION, "auth_failed", "service-account-necessary",
         message="Service account does not have the necessary permissions on this bucket"),
    case(PERMISSION, "auth_failed", "insufficient-iam", status=500,
         body='{"error":"INSUFFICIENT_IAM_PERMISSIONS"}'),
    case(PERMISSION, "auth_failed", "grant-role",
         message="Grant the service account the roles/aiplatform.user role"),
    case(PERMISSION, "auth_failed", "de-keine-berechtigung",
         message="Sie haben keine Berechtigung für dieses Projekt"),
    case(PERMISSION, "auth_failed", "ja-no-permission",
         message="このプロジェクトを使う権限がありません"),
    case(NOT_READY, "server_error", "429-not-ready-inference", status=429,
         body="Endpoint is not ready for inference yet"),
    case(NOT_READY, "server_error", "replica-warming-up", status=400,
         body="replica is warming up, please retry"),
    case(NOT_READY, "server_error", "snake-not-ready", message="error: deployment_not_ready"),
    case(NOT_READY, "server_error", "container-starting-up", status=503,
         body="The container is starting up"),
    case(NOT_READY, "server_error", "zh-service-not-ready", message="服务尚未就绪, 请稍后"),
    case(TOOL_PATH, "tool_schema_error", "pointer-parameters", status=400,
         body="#/tools/3/function/parameters/properties: unknown keyword 'examples'"),
    case(TOOL_PATH, "tool_schema_error", "dollar-path", status=422,
         body="$.tools[1].input_schema: must be object"),
    case(TOOL_PATH, "tool_schema_error", "toolspec-dotted",
         message="toolSpec.inputSchema.json: missing required 'type'"),
    case(TOOL_PATH, "tool_schema_error", "toolconfig-pointer", status=400,
         body="#/toolConfig/tools/0/toolSpec/name: string does not match pattern"),
    case(TOOL_PATH, "tool_schema_error", "function-declarations-pointer", status=400,
         body="#/function_declarations/2/parameters: invalid schema"),
    case(SYSTEM_FIRST, "client_error", "system-must-be-first", status=400,
         body="system message must be the first in the list"),
    case(SYSTEM_FIRST, "client_error", "developer-only-at-start",
         message="developer instructions are only allowed at the beginning"),
    case(SYSTEM_FIRST, "client_error", "only-first-message-system", status=422,
         body="Only the first message can be a system message"),
    case(SYSTEM_FIRST, "client_error", "system-turn-before", status=400,
         body="System turns must come before user turns"),
    case(SYSTEM_FIRST, "client_error", "zh-system-first", message="系统提示只能放在开头"),
    case(INPUT_ABSENT, "client_error", "tts-no-text",
         message="speech synthesis requested but no text was provided"),
    case(INPUT_ABSENT, "client_error", "vision-no-image", status=400,
         body="vision enabled but no image supplied"),
    case(INPUT_ABSENT, "client_error", "no-query", message="no query given"),
    case(INPUT_ABSENT, "client_error", "rerank-no-input", status=422,
         body="rerank selected but no documents passed"),
    case(INPUT_ABSENT, "client_error", "no-messages", message="No messages were provided"),
    case(TOOL_KINDS, "client_error", "only-when-all-retrieval", status=400,
         body="Several tools are allowed only when they are all retrieval tools"),
    case(TOOL_KINDS, "client_error", "hosted-with-custom", status=400,
         body="Custom functions may not be mixed with hosted search"),
    case(TOOL_KINDS, "client_error", "function-with-grounding",
         message="Function declarations cannot be combined with grounding tools"),
    case(TOOL_KINDS, "client_error", "cannot-mix", status=400,
         body="cannot mix search tools with function tools"),
    case(TOOL_KINDS, "client_error", "only-when-no-builtin",
         message="Function tools can only be used when no built-in tools are present"),
    case(REACH, "network_error", "could-not-reach-ip",
         message="could not reach 10.0.0.4:8000"),
    case(REACH, "network_error", "failed-to-reach-gateway",
         message="failed to reach the inference gateway"),
    case(REACH, "network_error", "didnt-reach-proxy",
         message="We didn't reach your proxy in time"),
    case(REACH, "network_error", "upstream-unreachable", status=502,
         body="upstream is unreachable"),
    case(REACH, "network_error", "unable-to-reach-localhost",
         message="Unable to reach localhost:1234 - is LM Studio running?"),
    case(INTERNAL, "server_error", "internal-backend-exception",
         message="InternalBackendException"),
    case(INTERNAL, "server_error", "engine-internal-failure", status=502,
         body='{"code":"ENGINE_INTERNAL_FAILURE"}'),
    case(INTERNAL, "server_error", "internal-runtime-error", message="internal_runtime_error"),
    case(INTERNAL, "server_error", "service-internal-fault", status=200,
         body='{"status":"error","code":"ServiceInternalFault"}'),
    case(INTERNAL, "server_error", "internal-inference-error",
         message="Internal inference error"),
    case(NOT_OFFERED, "model_not_found", "not-available-region", status=400,
         body="Model 'claude-x' is not available in this region"),
    case(NOT_OFFERED, "model_not_found", "not-enabled-project",
         message='model "mixtral-big" is not enabled for your project'),
    case(NOT_OFFERED, "model_not_found", "available-models-list", status=400,
         body="Requested model not recognised. Available models: ['a', 'b']"),
    case(NOT_OFFERED, "model_not_found", "not-deployed-workspace",
         message="Model `llama-x` is not deployed in this workspace"),
    case(NOT_OFFERED, "model_not_found", "valid-models-include",
         message="model foo is not supported; valid models include: [bar, baz]"),
    case(ENDPOINT_URL, "client_error", "httpx-completions", status=404,
         body="Client error '404 Not Found' for url 'http://gpu-box:8000/v1/completions'"),
    case(ENDPOINT_URL, "client_error", "requests-api-chat",
         message="404 Client Error: Not Found for url: http://localhost:11434/api/chat"),
    case(ENDPOINT_URL, "client_error", "httpx-v1", status=404,
         body="Client error '404 Not Found' for url 'https://proxy.example/v1'"),
    case(ENDPOINT_URL, "client_error", "decode-not-found",
         message="could not parse: Not Found"),
    case(ENDPOINT_URL, "client_error", "deserialize-404",
         message="failed to deserialize: 404 page not found"),
    case(OUTPUT, "format_mismatch", "produced-invalid-sequence",
         message="Model produced invalid sequence during function call"),
    case(OUTPUT, "format_mismatch", "emitted-garbled-text", status=500,
         body="the model emitted garbled text"),
    case(OUTPUT, "format_mismatch", "returned-broken-xml",
         message="model returned broken XML"),
    case(OUTPUT, "format_mismatch", "generated-corrupt-tokens",
         message="model generated corrupt tokens"),
    case(OUTPUT, "format_mismatch", "output-malformed-arguments",
         message="the model wrote malformed arguments for search()"),
    case(TOOL_SERVER, "client_error", "plugin-config-invalid",
         message="plugin_config_invalid: missing command"),
    case(TOOL_SERVER, "client_error", "invalid-mcp-configuration",
         message="Invalid MCP configuration in settings.json"),
    case(TOOL_SERVER, "client_error", "connector-misconfigured",
         message="connector server drive-sync is misconfigured"),
    case(TOOL_SERVER, "client_error", "extension-config-error",
         message="extension-config-error: unknown field 'cmd'"),
    case(TOOL_SERVER, "client_error", "mcp-server-invalid",
         message="MCP server jira invalid: url missing"),
]

# (failure, the category builtin:default must decide, a w16 rule that must not decide it):
# texts with a family's words but another family's concept.
NEAR_MISSES = [
    pytest.param({"status": 403, "body": "您无权限访问该模型,或者要访问的模型不存在。"},
                 "model_not_found", PERMISSION, id="permission-or-absent-model"),
    pytest.param({"message": "No API key provided."}, "auth_failed", INPUT_ABSENT,
                 id="absent-key-is-auth"),
    pytest.param({"status": 429, "body": "Too many requests, the model is ready"},
                 "rate_limited", NOT_READY, id="throttle-with-ready"),
    pytest.param({"status": 400, "body": "Multiple tools are not supported by this model"},
                 "tool_schema_error", TOOL_KINDS, id="model-without-tools"),
    pytest.param({"status": 400, "body": "Logprobs is not supported for this model."},
                 "client_error", NOT_OFFERED, id="parameter-not-model"),
    pytest.param({"status": 404, "body": "404 Client Error: Not Found for url: https://router"
                  ".example/models/org/m-7b/v1/chat/completions"}, "model_not_found",
                 ENDPOINT_URL, id="url-names-a-model"),
    pytest.param({"status": 200, "body": "msg: EngineInternalError:error, status code: 400, "
                  "message: finish_reason=model_context_window_exceeded"},
                 "context_window_exceeded", INTERNAL, id="wrapper-over-4xx-cause"),
    pytest.param({"message": "Your monthly quota is exhausted; upgrade to a paid plan"},
                 "quota_exhausted", COST, id="quota-not-cost"),
]

# (failure, a w16 rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"message": "finish_reason: stop"}, SAFETY, id="normal-stop"),
    pytest.param({"message": "FinishReasonMaxTokens"}, SAFETY, id="length-stop"),
    pytest.param({"message": "your IP is banned for 10 minutes due to abuse"}, MODERATION,
                 id="banned-ip"),
    pytest.param({"message": "Contact a moderator if you need help"}, MODERATION,
                 id="moderator-without-verdict"),
    pytest.param({"message": "Cost estimate unavailable for this model"}, COST,
                 id="cost-without-limit"),
    pytest.param({"message": "Beta only available to invited users"}, PAID, id="invitation"),
    pytest.param({"message": "Tool call requires permission from the user"}, PERMISSION,
                 id="tool-approval"),
    pytest.param({"message": "Batch results are not ready yet"}, NOT_READY, id="batch"),
    pytest.param({"status": 400, "body": "#/messages/1/content: expected a string"}, TOOL_PATH,
                 id="messages-path"),
    pytest.param({"message": "system prompt is too long"}, SYSTEM_FIRST, id="system-size"),
    pytest.param({"message": "Deferred request completed but no response was returned."},
                 INPUT_ABSENT, id="empty-answer"),
    pytest.param({"message": "We could not reach an agreement on the schema"}, REACH,
                 id="agreement"),
    pytest.param({"message": "Community peers are busy or unreachable"}, REACH,
                 id="busy-peers"),
    pytest.param({"message": "InternalServiceAccountMissing"}, INTERNAL, id="not-a-failure"),
    pytest.param({"message": "The model returned the following errors: prompt is too long"},
                 OUTPUT, id="bedrock-prefix"),
    pytest.param({"message": "MCP server timed out after 30s"}, TOOL_SERVER, id="mcp-timeout"),
]


def test_every_w16_family_has_five_made_up_wordings() -> None:
    """Every w16 family is tried on at least five wordings of imagined providers."""
    counts: dict[str, int] = {}
    for param in CATCHES:
        rule = param.values[1]
        counts[rule] = counts.get(rule, 0) + 1
    assert len(counts) == 16
    assert min(counts.values()) >= 5


(
    test_w16_family_catches_its_concept,
    test_w16_family_leaves_near_misses_to_another,
    test_w16_rule_does_not_decide_a_lookalike,
) = family_tests(
    "w16", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES
)
