# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real CJK texts
"""builtin:default's round-16 families, from both sides, in the whole set.

The families written from round 16's training part (rules/default/r16-train.yaml):
structured-output retries used up, tool calls cut by the token limit, models not servable
in a region or a pool or on a route, streams without activity, response headers not
received in time, resources still provisioning, tool options not taken, WebSocket close
codes with a request verdict, WebSocket connection lifetimes, moderation models throttled,
ethics filters, no quota left this month, proxies to check, licences expired, empty answers
named by identifiers, audio generation failed and reasoning signatures missing. Every case
here is a wording made up for the test (imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # structured-output retries used up
    case("format_mismatch", "retries-for-output-validation", message="Exceeded maximum retries (3) for output validation"),
    case("format_mismatch", "output-retries-exceeded", message="agent error: exceeded max output retries (2)"),
    case("format_mismatch", "validation-failed-after-attempts", message="Structured output validation failed after 3 attempts"),
    case("format_mismatch", "instructor-validation-errors", message="InstructorRetryException: 2 validation errors for Invoice"),
    case("format_mismatch", "chinese-output-retries", message="输出校验重试次数已用尽"),
    case("format_mismatch", "spanish-output-retries", message="Se superó el número máximo de reintentos de validación de la salida"),
    case("format_mismatch", "german-output-retries", message="Maximale Anzahl an Versuchen für die Ausgabevalidierung überschritten"),
    # tool calls cut by the token limit
    case("format_mismatch", "token-limit-while-writing-call", message="Output token limit hit while writing the function call; arguments incomplete"),
    case("format_mismatch", "args-truncated-max-tokens", message="tool call arguments were truncated at max_output_tokens"),
    case("format_mismatch", "incomplete-call-finish-length", message="incomplete tool call arguments (finish_reason: length)"),
    case("format_mismatch", "chinese-call-truncated", message="达到最大输出 token 上限，工具调用参数不完整"),
    case("format_mismatch", "spanish-call-truncated", message="La llamada a la herramienta quedó incompleta al alcanzar el límite de tokens"),
    case("format_mismatch", "incomplete-tool-call-name", message="IncompleteToolCall raised by the agent"),
    # models not servable in a region or by a pool
    case("model_not_found", "model-not-servable-region", status=400, body="Model projects/p/locations/asia-east1/publishers/google/models/gemini-x is not servable in region asia-east1"),
    case("model_not_found", "no-keys-serve-model", status=503, body="no available keys that serve the requested model"),
    case("model_not_found", "no-channel-supports-model", message="No healthy upstream channels support the selected model"),
    case("model_not_found", "chinese-no-account-model", status=500, body="没有可用的账号支持该模型"),
    case("model_not_found", "spanish-region-model", message="El modelo gemini-x no está disponible en esta región"),
    case("model_not_found", "french-region-model", message="Le modèle claude-x n'est pas disponible dans cette région"),
    # models not served on a route
    case("model_not_found", "batch-api-not-available", status=400, body="Batch API is not available for this model"),
    case("model_not_found", "model-no-provisioned-throughput", message="The selected model does not support provisioned throughput"),
    case("model_not_found", "model-not-supported-batch-jobs", message="Model kimi-k3 is not supported for batch jobs"),
    case("model_not_found", "chinese-no-finetune", message="该模型不支持微调"),
    case("model_not_found", "spanish-no-batch", message="La inferencia por lotes no es compatible con este modelo"),
    # streams without activity
    case("timeout", "no-data-from-stream", message="no data received from the stream for 90 seconds"),
    case("timeout", "sse-went-silent", status=502, body="upstream SSE went silent mid-answer"),
    case("timeout", "stream-inactivity-timeout", message="streaming inactivity timeout reached"),
    case("timeout", "no-chunks-in", message="no new chunks received in 30s"),
    case("timeout", "japanese-stream", message="ストリームが60秒間応答なし"),
    case("timeout", "german-stream", message="Keine Stream-Aktivität seit 120 s"),
    # response headers not received in time
    case("timeout", "timed-out-waiting-headers", status=504, body="proxy timed out waiting for response headers"),
    case("timeout", "headers-timeout-go", message="http: timeout awaiting response headers"),
    case("timeout", "headers-not-received", message="response headers not received within 300 seconds"),
    case("timeout", "chinese-headers", status=502, body="等待响应头超时"),
    case("timeout", "spanish-headers", message="Tiempo de espera agotado al esperar las cabeceras de respuesta"),
    # resources still provisioning
    case("server_error", "project-being-set-up", status=400, body="Your project is being set up. Please try again in a few minutes."),
    case("server_error", "roles-propagating", status=400, body="Roles are still propagating, retry shortly"),
    case("server_error", "endpoint-being-deployed", status=409, body="The endpoint is currently being deployed; retry later"),
    case("server_error", "japanese-provisioning", message="サービスアカウントを作成中です。数分後に再試行してください"),
    case("server_error", "spanish-provisioning", status=400, body="Los agentes de servicio se están aprovisionando; inténtelo de nuevo en unos minutos"),
    case("server_error", "german-provisioning", status=400, body="Das Dienstkonto wird gerade eingerichtet, versuchen Sie es in einigen Minuten erneut"),
    # tool options not taken
    case("tool_schema_error", "no-strict-function-calling", message="This provider doesn't support strict function calling"),
    case("tool_schema_error", "tool-choice-required", status=400, body="tool_choice 'required' is not supported by this model"),
    case("tool_schema_error", "parallel-function-calling", status=400, body="The model cannot accept parallel function calling"),
    case("tool_schema_error", "strict-tools-not-allowed", message="Strict tools are not allowed on this route"),
    case("tool_schema_error", "spanish-strict", message="El proveedor no admite el modo estricto para herramientas"),
    case("tool_schema_error", "chinese-parallel", message="该服务不支持 parallel_tool_calls"),
    # WebSocket close codes with a request verdict
    case("client_error", "ws-1008-invalid-sample-rate", message="WebSocket connection closed with code 1008: invalid sample rate"),
    case("client_error", "ws-1003-unsupported-codec", message="ws closed: code 1003, reason: unsupported codec opus/48000"),
    case("client_error", "ws-1000-unknown-voice", message="socket closed with code 1000 (normal closure): unknown voice id 'xyz'"),
    case("client_error", "ws-1007-missing-text", message="WebSocket closed unexpectedly with code 1007: text is required"),
    case("client_error", "ws-chinese-reason", message="WebSocket closed with code 1007: 不支持的音色"),
    case("client_error", "ws-french-reason", message="WebSocket fermé (closed) avec code 1007 : voix non prise en charge"),
    # WebSocket connection lifetimes
    case("network_error", "ws-lifetime-reached", message="WebSocket connection lifetime of 60 minutes reached"),
    case("network_error", "ws-hit-limit", message="The WebSocket connection hit the 60-minute limit; open a new one"),
    case("network_error", "ws-max-age", message="max connection age exceeded on the websocket, reconnecting"),
    case("network_error", "ws-code-in-json", status=400, body='{"error":{"code":"websocket_connection_limit_reached"}}'),
    case("network_error", "ws-spanish-lifetime", message="La conexión websocket alcanzó su tiempo de vida máximo"),
    # moderation models throttled
    case("rate_limited", "omni-moderation-tpm", status=429, body="Rate limit reached for omni-moderation-latest on tokens per min"),
    case("rate_limited", "moderation-model-throttled", message="moderation_model throttled, retry in 2s"),
    case("rate_limited", "text-moderation-stable-429", status=429, body="text-moderation-stable: Too Many Requests"),
    case("rate_limited", "default-moderation-rpm", message="429 RPM limit on default-moderation-api"),
    case("rate_limited", "chinese-moderation-rate", status=429, body="content-moderation-v2 触发速率限制"),
    case("quota_exhausted", "moderation-daily", status=429, body="Rate limit reached for text-moderation-latest on requests per day (RPD)"),
    # ethics filters
    case("content_filtered", "russian-ethics-rejected", message="Ответ отклонён этической проверкой"),
    case("content_filtered", "english-ethical-guidelines", status=400, body="The prompt was rejected by our ethical guidelines screening"),
    case("content_filtered", "chinese-ethics-filter", message="请求被伦理过滤拦截"),
    case("content_filtered", "japanese-ethics-filter", message="倫理フィルターによりブロックされました"),
    case("content_filtered", "spanish-ethics-filter", message="Mensaje bloqueado por el filtro ético"),
    case("content_filtered", "german-ethics-filter", message="Nachricht vom Ethikfilter blockiert"),
    # no quota left this month
    case("quota_exhausted", "japanese-credits-none", message="今月のクレジットは残っていません"),
    case("quota_exhausted", "french-credits-none", message="Vous n'avez plus de crédits ce mois-ci"),
    case("quota_exhausted", "italian-quota-none", message="Non hai più quota questo mese"),
    case("quota_exhausted", "portuguese-quota-none", message="Você não tem mais cota este mês"),
    case("quota_exhausted", "german-quota-none", message="Sie haben kein Kontingent mehr für diesen Monat"),
    case("quota_exhausted", "russian-quota-none", message="Квота на этот месяц исчерпана"),
    case("quota_exhausted", "korean-quota-none", message="이번 달 할당량이 모두 소진되었습니다"),
    # proxies to check
    case("network_error", "french-proxy-check", message="Vérifiez si le serveur proxy fonctionne correctement"),
    case("network_error", "spanish-proxy-check", message="Debido a la dirección del proxy configurada, compruebe si el servidor proxy funciona"),
    case("network_error", "german-proxy-check", message="Prüfen Sie, ob der Proxy-Server korrekt funktioniert"),
    case("network_error", "japanese-proxy-check", message="プロキシサーバーが正常に動作しているか確認してください"),
    case("network_error", "english-proxy-down", message="The proxy server is not responding"),
    case("network_error", "russian-proxy-down", message="Прокси-сервер не отвечает"),
    # licences expired
    case("auth_failed", "english-licence-revoked", message="Your license key was revoked"),
    case("auth_failed", "spanish-licence", message="La licencia ha caducado"),
    case("auth_failed", "italian-licence", message="Licenza scaduta, controlla la chiave di licenza"),
    case("auth_failed", "japanese-licence", message="ライセンスの有効期限が切れています"),
    case("auth_failed", "russian-licence", message="Срок действия лицензии истёк: лицензия недействительна"),
    case("auth_failed", "snake-licence-code", status=400, body='{"code":"license_expired"}'),
    # empty answers named by identifiers
    case("empty_response", "snake-empty-completion", message="llm_client: empty_completion model=glm-5"),
    case("empty_response", "camel-empty-response", message="EmptyResponseWarning: the provider returned nothing"),
    case("empty_response", "kebab-empty-output", status=200, body="status=empty-model-output"),
    case("empty_response", "prefixed-empty-answer", message="chat.summary_empty_answer_detected finish_reason=length"),
    case("empty_response", "empty-generation-upper", message="EMPTY_GENERATION"),
    # audio generation failed
    case("server_error", "speech-generation-failed", status=500, body="speech generation failed"),
    case("server_error", "failed-synthesize-audio", message="Failed to synthesize audio for segment 3"),
    case("server_error", "error-during-tts-synthesis", message="Error during TTS synthesis"),
    case("server_error", "japanese-tts", message="音声合成に失敗しました"),
    case("server_error", "spanish-tts", message="Error en la síntesis de voz"),
    # reasoning signatures missing
    case("client_error", "thinking-signature-path-extra", status=400, body="messages.3.content.1.thinking.signature: Input should be a valid string"),
    case("client_error", "missing-thought-signature", message="function call part is missing thought_signature: missing thought_signature"),
    case("client_error", "reasoning-signature-mismatch", status=400, body="reasoning signature does not match the encrypted content"),
    case("client_error", "thinking-signature-required", status=400, body="thinking.signature is required"),
    case("client_error", "japanese-signature", message="思考ブロックの署名が無効です"),
]

# (failure, category): texts near a round-16 family, decided by the family they belong to.
NEAR_MISSES = [
    case("network_error", "urllib3-max-retries", message="HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded with url: /v1/chat (Caused by NewConnectionError('Failed to establish a new connection'))"),
    case("client_error", "max-tokens-bound", status=400, body="max_tokens must be at most 4096 for this model"),
    case("network_error", "sse-stream-closed", message="SSE stream closed by the server before the answer was complete"),
    case("client_error", "header-fields-too-large", status=431, body="Request header fields too large"),
    case("server_error", "model-still-loading", status=503, body="Model is still loading, try again in a few minutes"),
    case("rate_limited", "spanish-quota-per-minute", status=429, body="No te queda cuota por minuto, espera 5 segundos"),
    case("auth_failed", "proxy-auth-407", status=407, body="Proxy Authentication Required"),
    case("quota_exhausted", "subscription-expired", message="Your subscription has expired"),
    case("rate_limited", "retries-throttle", status=429, body="Exceeded maximum retries (3) for output validation: rate limit reached"),
    case("client_error", "instructor-wraps-api-error", status=400, message="instructor.exceptions.InstructorRetryException: litellm.BadRequestError: Unsupported parameter: 'max_tokens'"),
    case("context_window_exceeded", "prompt-too-long-tool", status=400, body="prompt is too long: 210000 tokens > 200000 maximum while generating a tool call"),
    case("format_mismatch", "length-finish-parse", message="Could not parse response content as the length limit was reached"),
    case("rate_limited", "pool-limited-model", status=503, body="No available accounts support the requested model: all accounts are rate limited"),
    case("model_not_found", "model-not-in-region", message="Model gpt-4o is not available in region eu-west-1"),
    case("quota_exhausted", "no-credits-for-model", status=402, body="No available credits to serve this model; top up your balance"),
    case("client_error", "batch-size-param", status=400, body="Batch size is not supported for this model"),
    case("client_error", "streaming-not-supported", status=400, body="Streaming is not supported for this model"),
    case("client_error", "finetune-file-invalid", status=400, body="Fine-tuning job failed: training file is invalid"),
    case("timeout", "read-timeout-stream", message="httpx.ReadTimeout: The read operation timed out"),
    case("network_error", "dial-timeout", message="dial tcp 10.0.0.1:443: i/o timeout"),
    case("network_error", "dial-timeout-headers", message="dial tcp 10.0.0.1:443: i/o timeout while awaiting response headers"),
    case("client_error", "invalid-header", status=400, body="Invalid header value for anthropic-version"),
    case("rate_limited", "provisioned-throttle", status=429, body="Too many requests. Exceeded the Provisioned Throughput."),
    case("quota_exhausted", "billing-being-set-up", status=402, body="Your billing account is being set up, try again later"),
    case("client_error", "project-setup-required", status=400, body="Set up your project before calling this API"),
    case("client_error", "response-format-strict", status=400, body="strict mode is not supported for response_format json_schema"),
    case("client_error", "tool-history", status=400, body="tool_use ids were found without tool_result blocks immediately after"),
    case("client_error", "strict-positive", status=400, body="temperature must be strictly positive"),
    case("server_error", "ws-1011", message="received 1011 (internal error) upstream failure"),
    case("content_filtered", "ws-1008-safety", message="received 1008 (policy violation) The prompt was blocked due to safety"),
    case("network_error", "ws-1006", message="WebSocket closed unexpectedly with code 1006"),
    case("client_error", "session-max-duration", message="Error from OpenAI: Your session hit the maximum duration of 30 minutes."),
    case("rate_limited", "ws-stream-limit", status=400, body='{"error":{"type":"invalid_request_error","code":"websocket_stream_limit_reached","message":"This WebSocket connection has reached its stream limit."}}'),
    case("rate_limited", "too-many-connections", status=503, body="ServiceUnavailableException: Too many connections, please wait before trying again."),
    case("content_filtered", "moderation-flagged", status=429, body="Your input was flagged by omni-moderation-latest"),
    case("model_not_found", "moderation-model-wrong", message="this model is not supported with moderation, please use text-moderation-stable or text-moderation-latest instead"),
    case("content_filtered", "moderation-verdict", status=400, body="Your request was blocked by content moderation."),
    case("server_error", "ethics-filter-unavailable", status=503, body="ethics filter unavailable, please retry"),
    case("server_error", "ethics-filter-crashed", status=500, body="ethics filter service crashed"),
    case("content_filtered", "russian-content-block", message="Сообщение заблокировано: нарушение правил безопасности контента"),
    case("rate_limited", "quota-per-minute", status=429, body="Vous n'avez plus de quota par minute, réessayez dans 10 s"),
    case("quota_exhausted", "quota-plain-english", message="Your quota for this month has been used up"),
    case("auth_failed", "proxy-token", status=401, body="Authentication Error, Invalid proxy server token passed."),
    case("network_error", "proxy-connect", message="Proxy error: cannot connect to proxy"),
    case("auth_failed", "model-terms", status=403, body="User has not agreed to Llama3.2 model terms"),
    case("auth_failed", "invalid-api-key", status=401, body="Invalid API key provided"),
    case("empty_response", "empty-response-words", status=500, body="Empty response from model"),
    case("client_error", "non-empty-required", status=400, body="messages: text content blocks must be non-empty"),
    case("empty_response", "no-choices", status=200, body='{"choices": []}'),
    case("client_error", "tts-unsupported-format", status=400, body="TTS synthesis failed: unsupported audio format"),
    case("timeout", "tts-timed-out", message="TTS synthesis failed: request timed out"),
    case("context_window_exceeded", "tts-text-too-long", message="speech synthesis failed: text is too long"),
    case("auth_failed", "request-signature", status=401, body="Invalid request signature"),
    case("client_error", "thinking-signature-r12", status=400, body="messages.3.content.1: Missing signature in redacted_thinking block"),
    case("auth_failed", "aws-signature", status=403, body="The request signature we calculated does not match the signature you provided"),
]

# (failure, rule): texts with a round-16 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"message": "validation retries: 3 of 5 used, output OK"}, "default.r16.output-retries-exhausted", id="retries-count"),
    pytest.param({"message": "Truncated the prompt to fit the tool call token limit"}, "default.r16.tool-call-cut-by-limit", id="prompt-truncated"),
    pytest.param({"message": "This model is servable in region us-central1"}, "default.r16.model-not-servable", id="servable-positive"),
    pytest.param({"message": "Batch inference is now supported for the requested model"}, "default.r16.model-not-on-route", id="batch-positive"),
    pytest.param({"message": "stream: no chunks yet, waiting"}, "default.r16.stream-inactive", id="stream-waiting"),
    pytest.param({"message": "Missing header: x-api-key"}, "default.r16.headers-timeout", id="missing-header"),
    pytest.param({"status": 400, "body": "Your project is being set up"}, "default.r16.still-provisioning", id="no-retry-advice"),
    pytest.param({"status": 400, "body": "strict must be a boolean"}, "default.r16.tool-option-unsupported", id="strict-type"),
    pytest.param({"message": "WebSocket closed with code 1000 (normal closure)"}, "default.r16.ws-close-verdict", id="ws-normal"),
    pytest.param({"message": "WebSocket connection established, limit 60 minutes"}, "default.r16.ws-connection-lifetime", id="ws-open"),
    pytest.param({"status": 429, "body": "omni-moderation-latest flagged the input as harmful"}, "default.r16.moderation-model-throttled", id="moderation-verdict-429"),
    pytest.param({"message": "Ethics filter enabled for this workspace"}, "default.r16.ethics-filter", id="ethics-enabled"),
    pytest.param({"message": "Ver cuota de este mes: 20 créditos restantes"}, "default.r16.quota-none-left", id="quota-remaining"),
    pytest.param({"message": "Proxy configured: http://127.0.0.1:7890"}, "default.r16.proxy-check", id="proxy-configured"),
    pytest.param({"message": "License: MIT"}, "default.r16.licence-invalid", id="licence-name"),
    pytest.param({"message": "skip_empty_responses enabled"}, "default.r16.empty-identifier", id="skip-empty"),
    pytest.param({"message": "Audio response generated in 2.1 s"}, "default.r16.audio-generation-failed", id="audio-ok"),
    pytest.param({"message": "thinking.signature present and verified"}, "default.r16.reasoning-signature", id="signature-ok"),
    pytest.param({"message": "Exceeded maximum retries (5)"}, "default.r16.output-retries-exhausted", id="retries-generic"),
    pytest.param({"message": "tool call used 120 tokens of output"}, "default.r16.tool-call-cut-by-limit", id="tool-call-tokens"),
    pytest.param({"message": "No streaming support in this client"}, "default.r16.stream-inactive", id="no-streaming-support"),
    pytest.param({"message": "See our ethics page for details"}, "default.r16.ethics-filter", id="ethics-word"),
    pytest.param({"message": "Ver cuota de uso"}, "default.r16.quota-none-left", id="quota-word"),
    pytest.param({"message": "Using the configured proxy for requests"}, "default.r16.proxy-check", id="proxy-word"),
    pytest.param({"message": "Released under the Apache license"}, "default.r16.licence-invalid", id="licence-word"),
    pytest.param({"message": "config: allow_empty_response=false"}, "default.r16.empty-identifier", id="allow-empty-flag"),
    pytest.param({"message": "audio response ready"}, "default.r16.audio-generation-failed", id="audio-word"),
    pytest.param({"message": "speech synthesis failed: voice en-XX-Foo is not supported"}, "default.r16.audio-generation-failed", id="voice-verdict"),
]


(
    test_round16_family_catches_its_concept,
    test_round16_family_leaves_near_misses_to_another,
    test_round16_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-16", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r16."
)
