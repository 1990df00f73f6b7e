# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real CJK texts
"""builtin:default's round-18 families, from both sides, in the whole set.

The families written from round 18's training part (rules/default/r18-train.yaml): tool
definitions rejected at a located field, model output not mapped to messages, tool calls not
extracted, tool input not JSON, schemas a guided-decoding backend cannot compile, reasoning
details to preserve, more than one choice, non-streaming requests too long for an SDK,
content-filter type names, models not served on demand, LLM ids not found, model files
unavailable for legal reasons, no region with quota, local models that failed to start and
answers without a completion text field. Every case here is a wording made up for the test
(imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # validation errors located in the tool definitions
    case("tool_schema_error", "pydantic-tuple-extra", status=400, body="[{'type': 'extra_forbidden', 'loc': ('body', 'tools', 3, 'function', 'cache_control'), 'msg': 'Extra inputs are not permitted'}]"),
    case("tool_schema_error", "fastapi-json-missing", status=422, body='{"detail":[{"type":"missing","loc":["body","tools",0,"function","name"],"msg":"Field required"}]}'),
    case("tool_schema_error", "pydantic-v1-arrow", status=422, body="1 validation error for ChatRequest\nbody -> tools -> 1 -> function -> parameters\n  extra fields not permitted"),
    case("tool_schema_error", "dotted-body-path", message="body.functions.2.parameters: Input should be a valid dictionary"),
    case("tool_schema_error", "literal-error-type", status=400, body="{'type': 'literal_error', 'loc': ('body', 'tools', 0, 'type'), 'msg': \"Input should be 'function'\"}"),
    case("tool_schema_error", "chinese-extra-field", status=400, body="函数声明里包含多余的字段 examples"),
    # model output not mapped to the expected messages
    case("format_mismatch", "expected-3-got-1", status=400, body="Expected 3 output messages (analysis, commentary, final), but got 1."),
    case("format_mismatch", "expected-received", message="parser error: expected 2 output messages, received 7"),
    case("format_mismatch", "no-final-channel", status=500, body="no final channel found in the model output"),
    case("format_mismatch", "model-output-no-final", message="model output contained no final message"),
    case("format_mismatch", "chinese-output-messages", status=400, body="期望 2 个输出消息，但是生成了 4"),
    case("format_mismatch", "spanish-output-messages", message="Se esperaban 2 mensajes de salida pero se obtuvieron 6"),
    # tool calls not extracted from the model's output
    case("format_mismatch", "failed-to-parse-function-call", message="Failed to parse function call from model response"),
    case("format_mismatch", "unable-to-extract-tool-calls", status=200, body="unable to extract tool calls from the completion"),
    case("format_mismatch", "error-parsing-tool-use", status=500, body="error while parsing tool use from LLM output"),
    case("format_mismatch", "tool-call-parsing-failed", message="[mistral_tool_parser] tool call parsing failed"),
    case("format_mismatch", "japanese-tool-extract", message="ツール呼び出しの抽出に失敗しました"),
    case("format_mismatch", "spanish-tool-extract", message="No se pudo extraer la llamada a la herramienta"),
    # tool input from the model not JSON or absent
    case("format_mismatch", "invalid-json-arguments-for-function", message="Invalid JSON arguments for function get_weather"),
    case("format_mismatch", "tool-args-not-json", status=200, body="the tool call arguments were not valid JSON"),
    case("format_mismatch", "failed-to-decode-function-args", message="failed to decode the function call arguments as JSON"),
    case("format_mismatch", "undefined-not-json", message='SyntaxError: "undefined" is not valid JSON'),
    case("format_mismatch", "model-behavior-error-name", message="The model did something unexpected", exception="ModelBehaviorError"),
    case("format_mismatch", "spanish-tool-json", message="Entrada JSON no válida para la herramienta buscar"),
    # schemas a guided-decoding backend cannot compile
    case("client_error", "schema-unsupported-in-outlines", status=400, body="The JSON schema uses a keyword unsupported in outlines: patternProperties"),
    case("client_error", "xgrammar-does-not-support", status=500, body="xgrammar does not support the recursive schema given for response_format"),
    case("client_error", "llguidance-failed-compile", message="llguidance failed to compile the grammar for the answer"),
    case("client_error", "regex-not-supported-guided", status=400, body="regex pattern not supported by the guided decoding backend"),
    case("client_error", "lm-format-enforcer", status=400, body="lm-format-enforcer cannot handle this schema format"),
    case("client_error", "chinese-outlines", status=400, body="outlines 无法编译该 JSON 模式"),
    # reasoning details to preserve
    case("client_error", "thinking-blocks-required-preserved", status=400, body="Claude models require thinking blocks to be preserved in the conversation"),
    case("client_error", "signatures-must-be-kept", message="thought signatures must be kept across turns"),
    case("client_error", "reasoning-items-replayed", status=400, body="reasoning items must be replayed on each request"),
    case("client_error", "details-not-preserved", status=422, body="reasoning details were not preserved in this request"),
    case("client_error", "needs-reasoning-content-returned", message="this route needs reasoning content to be returned with each message"),
    case("client_error", "chinese-reasoning-keep", status=400, body="思考块必须在每个请求中保留"),
    # more than one choice
    case("client_error", "n-greater-unsupported-quoted", status=400, body="'n' > 1 is unsupported by this backend"),
    case("client_error", "n-must-be-one", status=200, body='{"error": "n must be 1"}'),
    case("client_error", "multiple-completions", status=500, body="multiple completions per request are not supported"),
    case("client_error", "best-of-unsupported", message="best_of is not supported for chat models"),
    case("client_error", "candidate-count", status=400, body="candidateCount > 1 is not supported"),
    case("client_error", "chinese-n-only-one", status=200, body="n 只能为 1"),
    # non-streaming requests too long for an SDK
    case("client_error", "streaming-needed-requests", message="Streaming is needed for requests that might take more than 10 minutes"),
    case("client_error", "non-streaming-must-stream", message="Non-streaming requests with a max_tokens this high must use streaming"),
    case("client_error", "use-streaming-long", status=400, body="please use streaming for long-running requests"),
    case("client_error", "calculate-timeout", message="Error at Anthropic._calculateNonstreamingTimeout (core.js:12)"),
    case("client_error", "mandatory-calls", message="streaming is mandatory for calls that could take longer than 600 seconds"),
    case("client_error", "chinese-long-stream", message="可能耗时超过 10 分钟的操作需要使用流式"),
    # content-filter type names
    case("content_filtered", "content-filter-exception", message="ContentFilterException raised by the chat client"),
    case("content_filtered", "content-filter-code-invalid", message="ValueError: 'jailbreak' is not a valid ContentFilterCode"),
    case("content_filtered", "content-moderation-error", status=500, body="ContentModerationError: request blocked"),
    case("content_filtered", "content-filter-blocked-type", status=400, body="ContentFilterBlocked: output withheld"),
    case("content_filtered", "result-reason", message="finish: ContentFilterResultReason.HATE"),
    # models not served on demand
    case("model_not_found", "on-demand-not-supported-model", status=400, body="On-demand inference is not supported for this model"),
    case("model_not_found", "model-cannot-on-demand", message="The model you picked cannot be invoked with on-demand throughput"),
    case("model_not_found", "only-provisioned", status=400, body="This model is only available with provisioned throughput"),
    case("model_not_found", "use-inference-profile", message="Use the ID of an inference profile that contains this model"),
    case("model_not_found", "model-not-on-demand-403", status=403, body="model amazon.titan-x does not support on-demand capacity"),
    case("model_not_found", "chinese-provisioned", status=400, body="该模型仅支持预置吞吐量"),
    # LLM ids not found
    case("model_not_found", "llm-quoted-not-exist", message="LLM 'glm-4@ZHIPU-AI' does not exist"),
    case("model_not_found", "llm-not-registered", status=400, body="LLM qwen-plus@Tongyi is not registered"),
    case("model_not_found", "no-such-llm", message="no such LLM: acme-9"),
    case("model_not_found", "cannot-find-llm", status=404, body="cannot find the LLM you chose"),
    case("model_not_found", "unregistered-llm", message="unregistered LLM acme-chat"),
    case("model_not_found", "chinese-llm-not-found", message="LLM（moonshot-v1@Moonshot）未找到"),
    # model files unavailable for legal reasons
    case("model_not_found", "451-model-path", status=451, body="Unavailable For Legal Reasons: GET https://registry.acme.ai/v1/models/acme-7b/weights"),
    case("model_not_found", "untyped-451-checkpoint", message="download failed: 451 Unavailable For Legal Reasons (checkpoint acme-13b)"),
    case("model_not_found", "weights-withheld-sanctions", message="model weights withheld due to sanctions on your region"),
    case("model_not_found", "model-restricted-export", status=400, body="this model is restricted under export controls"),
    case("model_not_found", "451-model-word", status=451, body="model acme-x unavailable here"),
    case("model_not_found", "chinese-legal", message="该模型由于法律原因不可用"),
    # no region with quota
    case("quota_exhausted", "no-region-sufficient-quota", message="no region has sufficient quota for gpt-4o deployments"),
    case("quota_exhausted", "not-enough-quota-any-location", status=400, body="not enough quota available in any of the locations allowed"),
    case("quota_exhausted", "none-of-regions", message="None of the allowed regions have enough quota for this SKU"),
    case("quota_exhausted", "no-zones-remaining-quota", status=409, body="no zones with remaining quota"),
    case("quota_exhausted", "chinese-all-regions", message="所有地域的配额均不足"),
    case("quota_exhausted", "japanese-no-region", message="十分なクォータがあるリージョンが見つかりません"),
    # local models that failed to start
    case("server_error", "failed-to-launch-model", message="Failed to launch the model: exit status 1"),
    case("server_error", "model-process-crashed", message="model process crashed with code 3221225477"),
    case("server_error", "llama-server-exited", status=500, body="llama-server exited unexpectedly during startup"),
    case("server_error", "not-enough-vram", message="not enough VRAM to load the model (needs 24 GB)"),
    case("server_error", "estimated-memory", status=400, body="estimated memory 80.5GB would exceed the 64GB available"),
    case("server_error", "chinese-model-start", message="显存不足，无法加载该模型"),
    case("server_error", "german-model-start", message="Modell konnte nicht gestartet werden"),
    # answers without a completion text field
    case("empty_response", "answer-no-text-field", message="answer does not contain a text field"),
    case("empty_response", "no-text-field-in-response", status=200, body="no completion text field found in the provider's response"),
    case("empty_response", "output-no-content-part", message="the output didn't contain any content part"),
    case("empty_response", "reply-no-message-block", status=200, body="reply did not contain a message block"),
    case("empty_response", "chinese-no-text-field", message="返回结果中不包含文本字段"),
    case("empty_response", "spanish-no-text-field", message="La respuesta no contenía ningún campo de texto"),
]

# (failure, category): texts near a round-18 family, decided by the family they belong to.
NEAR_MISSES = [
    case("client_error", "messages-loc", status=422, body='{"detail":[{"type":"missing","loc":["body","messages",0,"content"],"msg":"Field required"}]}'),
    case("client_error", "request-messages-count", status=400, body="expected 2 messages in the request, got 1"),
    case("client_error", "tool-history-unpaired", status=400, body="messages[2]: tool_call_id call_9 does not match any tool call"),
    case("client_error", "request-body-json", status=400, body="The request body is not valid JSON: unexpected end of data"),
    case("tool_schema_error", "tool-schema-xgrammar", status=400, body="tool parameters schema contains features not supported by xgrammar"),
    case("auth_failed", "n-greater-401", status=401, body="invalid api key"),
    case("timeout", "stream-took-longer", message="the streamed answer took longer than 10 minutes and timed out"),
    case("content_filtered", "content-filter-words", status=400, body="The response was filtered due to the prompt triggering the content management policy"),
    case("rate_limited", "on-demand-throttled", status=429, body="Too many requests for on-demand throughput, please slow down"),
    case("auth_failed", "llm-api-key", status=401, body="LLM api key not found"),
    case("content_filtered", "451-content", status=451, body="Unavailable For Legal Reasons: the content violates local law"),
    case("rate_limited", "region-quota-rpm", status=429, body="no region has enough quota for 300 RPM, retry later"),
    case("model_not_found", "start-model-missing", message="Failed to start model: model qwen9 not found"),
    case("client_error", "message-no-text", status=400, body="message 2 does not contain a text field"),
]

# (failure, rule): texts with a round-18 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"status": 400, "body": "{'loc': ('body', 'tools'), 'msg': 'Input should be a valid list'}"}, "default.r18.tool-validation-located", id="tools-not-indexed"),
    pytest.param({"status": 401, "body": "loc ('body', 'tools', 0): invalid api key"}, "default.r18.tool-validation-located", id="tools-401"),
    pytest.param({"status": 500, "body": "{'loc': ('body', 'tools', 0), 'msg': 'Extra inputs are not permitted'}"}, "default.r18.tool-validation-located", id="tools-500"),
    pytest.param({"message": "output message 2 of 3 received"}, "default.r18.output-messages-unmapped", id="output-message-progress"),
    pytest.param({"status": 429, "body": "expected 2 output messages but got 3: rate limited"}, "default.r18.output-messages-unmapped", id="output-messages-429"),
    pytest.param({"message": "final message delivered"}, "default.r18.output-messages-unmapped", id="final-message-ok"),
    pytest.param({"message": "extracted 2 tool calls from the response"}, "default.r18.tool-call-not-extracted", id="extracted-ok"),
    pytest.param({"status": 400, "body": "could not parse tool call from the request body"}, "default.r18.tool-call-not-extracted", id="parse-request"),
    pytest.param({"message": "parsing tool definitions failed"}, "default.r18.tool-call-not-extracted", id="parse-definitions"),
    pytest.param({"message": "json mode enabled for the tool"}, "default.r18.tool-input-not-json", id="json-word"),
    pytest.param({"status": 400, "body": "Invalid JSON input for tool"}, "default.r18.tool-input-not-json", id="tool-json-400"),
    pytest.param({"message": "the tool call arguments are not valid JSON: timed out reading"}, "default.r18.tool-input-not-json", id="tool-json-timeout"),
    pytest.param({"message": "xgrammar backend selected for structured outputs"}, "default.r18.structured-output-backend", id="backend-config"),
    pytest.param({"status": 429, "body": "outlines does not support this schema: rate limited"}, "default.r18.structured-output-backend", id="backend-429"),
    pytest.param({"status": 400, "body": "function parameters use a schema not supported by xgrammar"}, "default.r18.structured-output-backend", id="backend-function"),
    pytest.param({"message": "reasoning details preserved"}, "default.r18.reasoning-details-preserved", id="reasoning-ok"),
    pytest.param({"status": 500, "body": "reasoning blocks must be preserved across turns"}, "default.r18.reasoning-details-preserved", id="reasoning-500"),
    pytest.param({"status": 400, "body": "thinking budget must be at least 1024"}, "default.r18.reasoning-details-preserved", id="thinking-budget"),
    pytest.param({"message": "n=1 choices returned"}, "default.r18.choices-count-unsupported", id="n-returned"),
    pytest.param({"status": 400, "body": "top_n > 1 is not supported"}, "default.r18.choices-count-unsupported", id="top-n"),
    pytest.param({"status": 429, "body": "n > 1 is not supported while rate limited"}, "default.r18.choices-count-unsupported", id="n-429"),
    pytest.param({"message": "streaming is enabled for this request"}, "default.r18.streaming-required-long", id="streaming-on"),
    pytest.param({"status": 500, "body": "Streaming is required for operations that may take longer than 10 minutes"}, "default.r18.streaming-required-long", id="streaming-500"),
    pytest.param({"message": "non-streaming request completed in 12s"}, "default.r18.streaming-required-long", id="nonstreaming-ok"),
    pytest.param({"status": 200, "body": '{"content_filter_results":{"hate":{"filtered":false}}}'}, "default.r18.content-filter-type-named", id="results-field"),
    pytest.param({"message": "contentfiltercodes module imported"}, "default.r18.content-filter-type-named", id="lowercase-name"),
    pytest.param({"message": "ContentFilterConfig updated for the deployment"}, "default.r18.content-filter-type-named", id="config-type"),
    pytest.param({"message": "on-demand throughput is billed per token"}, "default.r18.model-not-on-demand", id="pricing"),
    pytest.param({"status": 429, "body": "model does not support on-demand throughput right now, too many requests"}, "default.r18.model-not-on-demand", id="on-demand-429"),
    pytest.param({"message": "inference profile created"}, "default.r18.model-not-on-demand", id="profile-created"),
    pytest.param({"message": "LLM response not found in the cache"}, "default.r18.llm-id-not-found", id="llm-response"),
    pytest.param({"status": 401, "body": "LLM(acme) not found"}, "default.r18.llm-id-not-found", id="llm-401"),
    pytest.param({"message": "LLM registered: acme-9"}, "default.r18.llm-id-not-found", id="llm-registered"),
    pytest.param({"status": 451, "body": "Unavailable For Legal Reasons"}, "default.r18.model-legally-unavailable", id="451-bare"),
    pytest.param({"status": 451, "body": "model output blocked: content policy, unavailable for legal reasons"}, "default.r18.model-legally-unavailable", id="451-content-policy"),
    pytest.param({"message": "legal reasons aside, the model is available"}, "default.r18.model-legally-unavailable", id="legal-word"),
    pytest.param({"message": "quota checked in all regions: ok"}, "default.r18.no-region-with-quota", id="quota-ok"),
    pytest.param({"status": 401, "body": "no region with enough quota: invalid credentials"}, "default.r18.no-region-with-quota", id="quota-401"),
    pytest.param({"message": "no region found with enough quota, try again later"}, "default.r18.no-region-with-quota", id="quota-retry"),
    pytest.param({"message": "Failed to start model download: unknown model acme"}, "default.r18.local-model-start-failed", id="start-unknown-model"),
    pytest.param({"message": "failed to initialize model registry"}, "default.r18.local-model-start-failed", id="model-registry"),
    pytest.param({"status": 429, "body": "failed to start model: rate limit reached"}, "default.r18.local-model-start-failed", id="start-429"),
    pytest.param({"message": "The model backend stopped.\n/opt/bin/runner: /usr/lib/libcrypto.so.3: version `OPENSSL_3.3.0' not found (required by /lib64/libssl.so.3)"}, "seed.text.model-hint", id="library-version-not-found"),
    pytest.param({"message": "Model server crashed.\nImportError: undefined symbol: cublasLtCreate not found"}, "seed.text.model-hint", id="symbol-not-found"),
    pytest.param({"status": 400, "body": "response does not contain a text field"}, "default.r18.no-completion-text-field", id="text-field-400"),
    pytest.param({"message": "response did not contain a text field: connection reset by peer"}, "default.r18.no-completion-text-field", id="text-field-reset"),
    pytest.param({"message": "the prompt does not contain a text field"}, "default.r18.no-completion-text-field", id="prompt-text-field"),
]


(
    test_round18_family_catches_its_concept,
    test_round18_family_leaves_near_misses_to_another,
    test_round18_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-18", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r18."
)
