# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real CJK texts
"""builtin:default's round-21 families, from both sides, in the whole set.

The families written from round 21's training part (rules/default/r21-train.yaml):
structured answers off their schema, tool calls not parsed, models without resources to
load, account pools whose last error is transport, content-filter policies as parameters,
tools refused by a route, credentials verdicts across line wraps, requests not transformed
or not serialisable, parameter values a model restricts, streams idle without data,
response bodies not read, HTML pages for JSON, Connect-RPC internal errors, Moonshot's engine
overload and 404s of endpoints and upstreams. Every case here is a wording made up for the
test (imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # structured answers that did not match the schema asked for
    case("format_mismatch", "no-object-generated-zod", message='No object generated: response did not match schema. [ { "code": "invalid_type", "expected": "string", "received": "undefined", "path": ["title"] } ]'),
    case("format_mismatch", "exception-name", message="could not validate the generated value", exception="NoObjectGeneratedError"),
    case("format_mismatch", "output-failed-to-match", status=200, body="the LLM output failed to match the expected schema"),
    case("format_mismatch", "object-conform", status=500, body="generated object does not conform to the output schema"),
    case("format_mismatch", "chinese-schema", message="生成的对象不符合所需的 JSON Schema"),
    case("format_mismatch", "spanish-schema", message="La respuesta no coincide con el esquema solicitado"),
    # tool calls of the model not parsed
    case("format_mismatch", "function-call-unparseable", message="The function call could not be parsed from the assistant turn"),
    case("format_mismatch", "tool-use-invalid", status=200, body="tool use was malformed; asking the model again"),
    case("format_mismatch", "malformed-tool-call-from-llm", message="malformed tool call from the LLM"),
    case("format_mismatch", "tool-parser-error", status=500, body="[qwen3_tool_parser] error: unexpected token in arguments"),
    case("format_mismatch", "chinese-tool-call", message="工具调用格式错误，已重试"),
    case("format_mismatch", "japanese-tool-call", message="ツール呼び出しを解析できません"),
    # models without the resources to load
    case("server_error", "insufficient-vram", message="Insufficient VRAM to load the model qwen3-32b"),
    case("server_error", "out-of-memory-starting", status=400, body="out of memory for starting this model, close other apps"),
    case("server_error", "lack-of-resources", message="lack of system resources to run the model"),
    case("server_error", "chinese-memory", message="内存不足，无法加载模型"),
    case("server_error", "spanish-memory", message="Memoria insuficiente para cargar el modelo"),
    # account pools whose last error is transport
    case("network_error", "keys-connection-refused", message="all api keys failed; last error: connect ECONNREFUSED 10.1.1.1:443"),
    case("network_error", "channels-tls", message="All channels unavailable. Last error: TLS handshake timeout with upstream"),
    case("network_error", "credentials-reset", message="all credentials exhausted, last error: connection reset by peer"),
    case("network_error", "upstreams-dns", message="all upstreams tried - last error: dns lookup failed for api.acme.test"),
    case("network_error", "chinese-pool", message="所有渠道均不可用，最后一次错误：ECONNRESET"),
    # content-filter policies named in the request and rejected
    case("client_error", "unknown-rai-policy", status=400, body="Unknown RAI policy 'strict-v9' for this deployment"),
    case("client_error", "guardrail-config-not-found", status=404, body="guardrail configuration gc-7 was not found"),
    case("client_error", "moderation-policy-invalid", message="The moderation policy name is invalid"),
    case("client_error", "content-filtering-config-missing", status=400, body="missing content filtering configuration in the request"),
    case("client_error", "chinese-policy", message="无效的内容过滤策略"),
    # tools refused by the route
    case("tool_schema_error", "tools-not-supported", status=400, body='{"error":{"message":"Tools are not supported on this route","param":"tools","code":"unsupported_parameter"}}'),
    case("tool_schema_error", "tool-choice-not-permitted", status=422, body="{'error': {'message': 'not permitted with a prompt template', 'param': 'tool_choice'}}"),
    case("tool_schema_error", "tools-indexed-invalid", status=400, body='{"error":{"message":"invalid_value","param":"tools[2]"}}'),
    case("tool_schema_error", "tool-resources-unsupported", status=400, body='{"error":{"message":"unsupported when an assistant is set","param":"tool_resources"}}'),
    case("tool_schema_error", "function-call-not-accepted", status=400, body='{"error":{"message":"this field is not accepted by the agent endpoint","param":"function_call"}}'),
    # credentials verdicts across a line wrap
    case("auth_failed", "invalid-key-wrapped", status=400, body="Message: \"Invalid API\n   key supplied for this org\""),
    case("auth_failed", "wrong-secret-key", message="upstream said: wrong secret\n key"),
    case("auth_failed", "revoked-token", status=500, body="proxy: revoked\naccess token"),
    case("auth_failed", "expired-auth-token", message="expired auth\n  token, sign in again"),
    case("auth_failed", "incorrect-keys", status=400, body="Incorrect\n  API keys in header"),
    # requests not transformed or not serialisable
    case("client_error", "could-not-convert-request", message="could not convert the request to the Gemini format: unknown part type"),
    case("client_error", "error-translating-payload", status=400, body="error translating payload: messages[0].content is a number"),
    case("client_error", "bigint", message="TypeError: Do not know how to serialize a BigInt"),
    case("client_error", "go-json-unsupported", message="json: unsupported type: func() string"),
    case("client_error", "chinese-serialise", message="无法序列化请求：包含不支持的类型"),
    # parameter values a model restricts
    case("client_error", "only-default-allowed", status=400, body="invalid top_p: only the default 1.0 is supported with this model"),
    case("client_error", "temperature-must-be", status=400, body="temperature must be 1 with this model"),
    case("client_error", "valid-range-parenthesis", message="Invalid n value, the valid range of n is (1, 8)"),
    case("client_error", "range-chinese", status=400, body="top_k 的有效范围是 [1, 100]"),
    case("client_error", "chinese-only-supports", status=400, body="该模型仅支持 temperature=1"),
    # streams idle without data
    case("timeout", "connection-idle-seconds", message="connection idle for 120 seconds with no bytes"),
    case("timeout", "stream-idle-over", status=504, body="stream was idle for over 300s without events"),
    case("timeout", "no-chunks-received", message="no chunks received within 90 seconds"),
    case("timeout", "no-tokens-last", status=502, body="no tokens received in the last 60000 ms"),
    case("timeout", "chinese-stream", message="流 30 秒内没有任何数据"),
    # response bodies not read
    case("network_error", "failed-to-read-body", message="failed to read response body: connection closed"),
    case("network_error", "unable-to-read-http-body", message="unable to read the http response body"),
    case("network_error", "body-read-error", message="response body read error (stream ended early)"),
    case("network_error", "japanese-body", message="レスポンスボディの読み取りに失敗しました"),
    case("network_error", "spanish-body", message="Error al leer el cuerpo de la respuesta"),
    # HTML pages where JSON was expected
    case("server_error", "doctype-lowercase", message="Unexpected token '<', \"<!doctype \"... is not valid JSON"),
    case("server_error", "html-tag", message="Cannot reach the assistant (SyntaxError: Unexpected token '<', \"<html>\n<he\"... is not valid JSON)"),
    case("server_error", "position-0", message="request to the copilot failed: Unexpected token < in JSON at position 0"),
    case("server_error", "got-html-document", message="got an HTML document instead of JSON"),
    case("server_error", "chinese-html", message="接口返回 HTML 而非 JSON"),
    # Connect-RPC and gRPC errors coded internal
    case("server_error", "serialization-internal", message="Request failed. Check your internet connection.\nencoding error in api.v2.ChatStream [internal]"),
    case("server_error", "panic-internal", message="handler panic: nil map [internal] (trace 9)"),
    case("server_error", "grpc-internal", message="rpc error: code = Internal desc = stream terminated by RST_STREAM"),
    case("server_error", "connect-error-internal", message="ConnectError: [internal] database unavailable"),
    case("server_error", "connecterror-colon", message="connect error: internal - see logs"),
    # Moonshot's engine overload
    case("rate_limited", "moonshot-429", provider="moonshot", status=429, body='{"error":{"message":"The engine is currently overloaded, please try again later","type":"engine_overloaded_error"}}'),
    case("rate_limited", "kimi-untyped", provider="kimi", message="engine currently overloaded"),
    case("rate_limited", "type-only", message='{"error":{"type":"engine_overloaded_error","message":"busy"}}'),
    case("rate_limited", "moonshot-engine-is-overloaded", provider="moonshot-cn", message="Error: engine is overloaded"),
    case("rate_limited", "chinese-engine", provider="moonshot", message="引擎负载过高，请稍后再试"),
    # 404s of endpoints and upstreams
    case("client_error", "proxy-forwarding-404", status=404, body="error forwarding request to /v1/chat/completions; model gpt-x; upstream 404"),
    case("client_error", "failed-proxying-route", status=404, body="failed proxying route /api/generate (model: llama3)"),
    case("client_error", "gateway-error-not-found", status=503, body="Gateway error: Not Found"),
    case("client_error", "backend-responded-404", message="backend responded with 404 Not Found"),
    case("client_error", "connector-http-error", message='{"message": "Backend: HTTP Error: 404 Not Found"}'),
]

# (failure, category): texts near a round-21 family, decided by the family they belong to.
NEAR_MISSES = [
    case("client_error", "request-zod-issues", status=400, body='[{"code":"invalid_type","expected":"number","received":"string","path":["max_tokens"],"message":"Expected number, received string"}]'),
    case("empty_response", "object-not-generated-empty", message='Error: {"error":"No object generated: the model did not return a response."}'),
    case("client_error", "tool-history", status=400, body="messages[3]: tool call could not be parsed in the request"),
    case("quota_exhausted", "pool-money", message="All accounts exhausted: insufficient balance on every key"),
    case("content_filtered", "policy-verdict", status=400, body="The response was filtered due to the prompt triggering Azure OpenAI's content management policy"),
    case("client_error", "messages-param", status=400, body='{"error":{"message":"Invalid value","param":"messages"}}'),
    case("server_error", "result-not-serialisable", message="Error while returning job result. | Object of type EmbedOut is not JSON serializable"),
    case("network_error", "response-cut", message="failed to read the stream: unexpected end of JSON input"),
    case("server_error", "overloaded-elsewhere", provider="acme", message="The engine is currently overloaded, please try again later"),
    case("model_not_found", "404-model-missing", status=404, body="failed while handling endpoint /responses: model acme-large does not exist"),
    case("auth_failed", "invalid-key-exit", message="Invalid API key · Please run /login\nError: agent process exited with code 1"),
    case("server_error", "exit-on-signal", message="Error: the runner process exited with code 137"),
]

# (failure, rule): texts with a round-21 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"status": 400, "body": "the request does not match the schema of the endpoint"}, "default.r20.structured-output-not-json", id="request-schema"),
    pytest.param({"status": 401, "body": "No object generated: invalid api key"}, "default.r20.structured-output-not-json", id="object-401"),
    pytest.param({"message": "No object generated: the model did not produce any output"}, "default.r20.structured-output-not-json", id="object-empty"),
    pytest.param({"status": 400, "body": "tool call was malformed in the request"}, "default.r21.tool-call-unparsed", id="tool-request"),
    pytest.param({"status": 400, "body": "function call could not be parsed"}, "default.r21.tool-call-unparsed", id="tool-400"),
    pytest.param({"message": "tool parser loaded: hermes"}, "default.r21.tool-call-unparsed", id="tool-parser-loaded"),
    pytest.param({"status": 429, "body": "not enough resources to load the model, too many requests"}, "default.r21.model-load-resources", id="resources-429"),
    pytest.param({"message": "not enough resources to finish the batch"}, "default.r21.model-load-resources", id="resources-batch"),
    pytest.param({"message": "the model loaded with enough memory"}, "default.r21.model-load-resources", id="loaded-fine"),
    pytest.param({"message": "All keys exhausted. Last error: insufficient_quota"}, "default.r21.pool-last-error-transport", id="pool-quota"),
    pytest.param({"status": 502, "body": "all accounts failed, last error: connection refused"}, "default.r21.pool-last-error-transport", id="pool-typed"),
    pytest.param({"message": "last error: connection reset by peer"}, "default.r21.pool-last-error-transport", id="no-pool"),
    pytest.param({"status": 400, "body": "The prompt was blocked by the content filter policy"}, "default.r21.filter-policy-invalid", id="filter-verdict"),
    pytest.param({"status": 500, "body": "invalid content filter policy"}, "default.r21.filter-policy-invalid", id="filter-500"),
    pytest.param({"message": "content filter policy applied: strict"}, "default.r21.filter-policy-invalid", id="filter-applied"),
    pytest.param({"status": 400, "body": '{"error":{"message":"not allowed","param":"messages"}}'}, "default.r21.tools-param-refused", id="param-messages"),
    pytest.param({"status": 401, "body": '{"error":{"message":"not allowed","param":"tools"}}'}, "default.r21.tools-param-refused", id="param-tools-401"),
    pytest.param({"status": 400, "body": '{"error":{"message":"string too long","param":"tools"}}'}, "default.r21.tools-param-refused", id="param-tools-no-verdict"),
    pytest.param({"status": 400, "body": "invalid api key"}, "default.r21.credential-verdict-wrapped", id="key-one-line"),
    pytest.param({"status": 429, "body": "invalid\napi key rate limited"}, "default.r21.credential-verdict-wrapped", id="key-429"),
    pytest.param({"message": "invalid\nrequest: max_tokens"}, "default.r21.credential-verdict-wrapped", id="wrapped-request"),
    pytest.param({"message": "failed to transform response: unexpected end of JSON input"}, "default.r21.request-not-transformed", id="transform-response"),
    pytest.param({"status": 500, "body": "failed to convert request to upstream format"}, "default.r21.request-not-transformed", id="convert-500"),
    pytest.param({"message": "Error while returning job result. | Object of type Out is not JSON serializable"}, "default.r21.request-not-transformed", id="serialise-result"),
    pytest.param({"status": 400, "body": "only 5 images are allowed per request"}, "default.r21.parameter-value-restricted", id="images-count"),
    pytest.param({"status": 500, "body": "the valid range of max_tokens is [1, 8192]"}, "default.r21.parameter-value-restricted", id="range-500"),
    pytest.param({"status": 404, "body": "only gpt-4o is served for this route"}, "default.r21.parameter-value-restricted", id="model-served"),
    pytest.param({"message": "worker idle for 30 seconds, shutting down"}, "default.r21.stream-idle-without-data", id="worker-idle"),
    pytest.param({"status": 400, "body": "stream idle for 10s without data"}, "default.r21.stream-idle-without-data", id="idle-400"),
    pytest.param({"message": "no data received"}, "default.r21.stream-idle-without-data", id="no-duration"),
    pytest.param({"message": "failed to read the response body as JSON: unexpected JSON token"}, "default.r21.response-body-unread", id="body-json"),
    pytest.param({"status": 502, "body": "error reading response body"}, "default.r21.response-body-unread", id="body-502"),
    pytest.param({"message": "response body logged to file"}, "default.r21.response-body-unread", id="body-logged"),
    pytest.param({"message": "SyntaxError: Unexpected token 'd', \"data: {\"id\"... is not valid JSON"}, "default.r21.html-page-for-json", id="stream-frame"),
    pytest.param({"status": 502, "body": "<html><body>Bad Gateway</body></html> is not valid JSON"}, "default.r21.html-page-for-json", id="html-typed"),
    pytest.param({"message": "the answer contains HTML <b> tags instead of markdown"}, "default.r21.html-page-for-json", id="html-tags"),
    pytest.param({"message": "ConnectError: [unauthenticated] invalid token"}, "default.r21.rpc-internal-code", id="rpc-unauthenticated"),
    pytest.param({"status": 400, "body": "error in request [internal]"}, "default.r21.rpc-internal-code", id="rpc-typed"),
    pytest.param({"message": "internal tools [internal] listed"}, "default.r21.rpc-internal-code", id="internal-word"),
    pytest.param({"provider": "acme", "message": "The engine is currently overloaded"}, "default.r21.moonshot-engine-overloaded", id="engine-acme"),
    pytest.param({"provider": "moonshot", "status": 503, "body": "The engine is currently overloaded"}, "default.r21.moonshot-engine-overloaded", id="engine-503"),
    pytest.param({"provider": "moonshot", "message": "the engine is ready"}, "default.r21.moonshot-engine-overloaded", id="engine-ready"),
    pytest.param({"status": 404, "body": "model acme-x not found"}, "default.r21.proxy-endpoint-404", id="404-model"),
    pytest.param({"status": 400, "body": "failed while handling endpoint /responses"}, "default.r21.proxy-endpoint-404", id="endpoint-400"),
    pytest.param({"status": 404, "body": "failed while handling endpoint /responses: unknown model acme-x"}, "default.r21.proxy-endpoint-404", id="endpoint-unknown-model"),
    pytest.param({"message": "vertexAI provider not found"}, "default.r21.upstream-404-quoted", id="provider-not-found"),
    pytest.param({"status": 500, "body": "upstream error: model acme-x not found"}, "default.r21.upstream-404-quoted", id="upstream-model"),
    pytest.param({"status": 400, "body": "gateway error: Not Found"}, "default.r21.upstream-404-quoted", id="gateway-400"),
]


(
    test_round21_family_catches_its_concept,
    test_round21_family_leaves_near_misses_to_another,
    test_round21_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-21", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r21."
)
