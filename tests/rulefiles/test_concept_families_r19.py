# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real CJK texts
"""builtin:default's round-19 families, from both sides, in the whole set.

The families written from round 19's training part (rules/default/r19-train.yaml): streams
that crashed on the server, SDK keys not passed, tool definitions missing a field, proxies
reset before headers, client deadlines while reading, proxy credentials, bodies cut
mid-transfer, gateways' own send failures, TLS not established, socket connect timeouts,
money only guessed under a 401/403, no content with a guessed timeout, gateway tokens in more
languages, tokens allowed no model, saturated groups, channels without keys, organisations
restricted from a model, character limits, maxLength inputs, media URLs not fetched, files
without media, requests needing a file, speech without audio and stream chunks without text.
Every case here is a wording made up for the test (imagined providers), not one of the
corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

R = "default.r19."

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # exceptions raised while the server streamed its answer
    case("server_error", "unhandled-during-stream", status=200, body='{"error":"Unhandled exception during response stream"}'),
    case("server_error", "uncaught-while-streaming", message="uncaught error while streaming the response from worker 3"),
    case("server_error", "exception-during-streaming-500", status=500, body="exception raised during streaming response"),
    case("server_error", "stream-generator-crashed", message="stream generator crashed after 12 chunks"),
    case("server_error", "chinese-stream-exception", message="响应流过程中出现未捕获的异常"),
    case("server_error", "german-stream-exception", message="Unbehandelte Ausnahme während des Antwort-Streams"),
    case("server_error", "russian-stream-exception", message="Необработанное исключение во время потоковой передачи"),
    # SDKs that must be given a key
    case("auth_failed", "pass-token-or-set-env", message="AcmeClient: either pass token= or set ACME_TOKEN"),
    case("auth_failed", "provide-api-key-or-define", message="You must provide an api_key or define NOVA_API_KEY in your environment"),
    case("auth_failed", "set-env-or-pass", message="Set the ORBIT_API_KEY environment variable or pass api_key to the constructor"),
    case("auth_failed", "supplying-key-or-exporting", message="Initialise the client by supplying your api key or exporting LYRA_API_KEY"),
    case("auth_failed", "chinese-pass-or-set", message="请通过 api_key 参数传入，或者设置 NOVA_API_KEY"),
    case("auth_failed", "german-pass-or-set", message="Übergeben Sie api_key oder setzen Sie NOVA_API_KEY"),
    # tool definitions missing a field
    case("tool_schema_error", "search-tool-must-include", message="Search tool must include 'index_name'"),
    case("tool_schema_error", "tool-declaration-must-have", status=400, body='tool declaration must have a "parameters" field'),
    case("tool_schema_error", "function-missing-field", status=422, body="function lookup_order is missing required field 'parameters'"),
    case("tool_schema_error", "tool-spec-missing-property", message="tool spec #2 is missing the required property"),
    case("tool_schema_error", "chinese-tool-config", status=400, body="工具配置必须包含 name 字段"),
    case("tool_schema_error", "spanish-tool-must", message="La herramienta buscar debe incluir 'query'"),
    # proxies reset before headers
    case("network_error", "envoy-remote-failure", message="upstream connect error or disconnect/reset before headers. reset reason: remote connection failure"),
    case("network_error", "reset-before-headers-log", message="agent: retry 2: upstream reset before headers (gateway)"),
    case("network_error", "reset-reason-local", message="request aborted - reset reason: local reset"),
    case("network_error", "denied-prefix", message="Access denied: upstream connect error or disconnect/reset before headers. reset reason: connection failure"),
    case("network_error", "chinese-before-headers", message="上游连接错误或头部之前重置"),
    # client deadlines while reading
    case("timeout", "client-timeout-awaiting", message='Get "https://llm.acme.ai/v1/models": net/http: request canceled (Client.Timeout exceeded while awaiting headers)'),
    case("timeout", "client-timeout-reading-body", message="read: Client.Timeout exceeded while reading body"),
    case("timeout", "go-headers-timeout", message="net/http: timeout awaiting response headers"),
    case("timeout", "undici-headers-timeout", message="TypeError: fetch failed (cause: UND_ERR_HEADERS_TIMEOUT)"),
    case("timeout", "undici-body-timeout", message="terminated: Body Timeout Error"),
    # proxy credentials
    case("auth_failed", "typed-407-plain", status=407, body="Proxy Authentication Required"),
    case("auth_failed", "typed-407-html", status=407, body="<html><body>Access denied by corporate gateway</body></html>"),
    case("auth_failed", "proxy-credentials-rejected", message="proxy credentials rejected by squid"),
    case("auth_failed", "tunnel-407", message="curl: (56) CONNECT tunnel failed, response 407"),
    case("auth_failed", "chinese-proxy-auth", message="代理服务器认证失败"),
    case("auth_failed", "german-proxy-auth", message="Proxy-Authentifizierung erforderlich"),
    # bodies cut mid-transfer
    case("network_error", "incomplete-read", message="http.client.IncompleteRead: IncompleteRead(512 bytes read, 1024 more expected)"),
    case("network_error", "content-length-error", message="aiohttp.ContentLengthError: Not enough data to satisfy content length header."),
    case("network_error", "ended-prematurely", status=200, body="ChunkedEncodingError: Response ended prematurely"),
    case("network_error", "premature-close-node", message="FetchError: Premature close while reading the stream"),
    case("network_error", "chrome-incomplete-chunked", message="net::ERR_INCOMPLETE_CHUNKED_ENCODING 200 (OK)"),
    case("network_error", "chinese-response-incomplete", message="响应数据提前结束"),
    # gateways' own send failures under a 5xx
    case("network_error", "reqwest-under-500", status=500, body="proxy: error sending request for url (https://api.acme.ai/v1/chat)"),
    case("network_error", "hyper-under-502", status=502, body="upstream: error trying to connect: tcp connect error: Connection refused"),
    case("network_error", "dispatch-failure-503", status=503, body="bedrock relay: dispatch failure"),
    case("network_error", "node-fetch-under-502", status=502, body="request to https://api.acme.ai/v1/chat failed, reason: connect EHOSTUNREACH"),
    case("network_error", "failed-to-send-upstream", status=500, body="failed to send request upstream"),
    case("network_error", "chinese-send-failed", status=502, body="向上游发送请求失败"),
    # TLS not established
    case("network_error", "tls-handshake-failed", message="TLS handshake failed: remote error: tls: bad certificate"),
    case("network_error", "ssl-handshake-failure", message="ssl.SSLError: [SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure"),
    case("network_error", "dotnet-ssl-authentication", message="HttpRequestException: The SSL connection could not be established. AuthenticationException: Authentication failed because the remote party sent a TLS alert"),
    case("network_error", "certificate-verify-500", status=502, body="certificate verify failed: unable to get local issuer certificate"),
    case("network_error", "german-ssl", message="Die SSL-Verbindung konnte nicht hergestellt werden"),
    case("network_error", "russian-ssl", message="Не удалось установить SSL-соединение"),
    # socket connect timeouts
    case("network_error", "errno-110-requests", message="requests.exceptions.ConnectionError: [Errno 110] Connection timed out"),
    case("network_error", "connect-etimedout-under-502", status=502, body="connect ETIMEDOUT 10.2.3.4:443"),
    case("network_error", "undici-connect-timeout-code", message="fetch failed: UND_ERR_CONNECT_TIMEOUT"),
    case("network_error", "winerror-10060", message="[WinError 10060] A connection attempt failed because the connected party did not properly respond after a period of time"),
    case("network_error", "java-connect-timed-out", message="java.net.SocketTimeoutException: connect timed out"),
    case("network_error", "dio-connection-timeout", message="DioException [connection timeout]: The request connection took longer than 0:00:30"),
    case("network_error", "german-semaphore", message="Das Zeitlimit für die Semaphore wurde erreicht"),
    # money only guessed under a 401/403
    case("auth_failed", "english-possibly-balance", status=403, body="Access to the model denied, possibly insufficient balance or no permission"),
    case("auth_failed", "indonesian-mungkin", status=403, body="Akses ditolak, mungkin saldo tidak cukup"),
    case("auth_failed", "vietnamese-co-the", status=401, body="Truy cập bị từ chối, có thể số dư không đủ"),
    case("auth_failed", "russian-vozmozhno", status=403, body="Доступ запрещён, возможно, закончился баланс"),
    case("auth_failed", "german-moeglicherweise", status=403, body="Zugriff verweigert, möglicherweise unzureichendes Guthaben"),
    # no content with a guessed timeout
    case("empty_response", "english-may-have-timed-out", message="The model returned no content. It may have timed out."),
    case("empty_response", "japanese-no-content", message="モデルからコンテンツが返されませんでした。タイムアウトした可能性があります"),
    case("empty_response", "vietnamese-no-content", message="Mô hình không trả về nội dung, có thể đã hết thời gian"),
    case("empty_response", "portuguese-no-content", message="O modelo não retornou conteúdo, talvez tenha expirado"),
    case("empty_response", "german-no-content", message="Das Modell hat keinen Inhalt zurückgegeben. Möglicherweise Zeitüberschreitung"),
    case("empty_response", "russian-no-content", message="Модель не вернула содержимое, возможно тайм-аут"),
    # gateway tokens in more languages
    case("auth_failed", "turkish-token", message="Geçersiz token"),
    case("auth_failed", "indonesian-token", message="Token tidak valid"),
    case("auth_failed", "persian-token", message="توکن نامعتبر است"),
    case("auth_failed", "hebrew-token", message="הטוקן אינו תקין"),
    case("auth_failed", "portuguese-token", status=401, body="O status deste token não está disponível"),
    case("auth_failed", "korean-token", message="이 토큰은 비활성화되었습니다"),
    case("auth_failed", "vietnamese-token-disabled", message="Token này đã bị vô hiệu hóa"),
    case("auth_failed", "chinese-token-disabled", status=403, body="该令牌已被禁用"),
    # tokens allowed no model at all
    case("auth_failed", "key-not-allowed-any-model", message="This key is not allowed to use any model"),
    case("auth_failed", "no-models-for-token", status=403, body="no models are enabled for this token"),
    case("auth_failed", "vietnamese-no-model", message="Token này không có quyền truy cập bất kỳ mô hình nào"),
    case("auth_failed", "turkish-no-model", message="Bu token'ın hiçbir modele erişimi yok"),
    case("auth_failed", "portuguese-no-model", message="Este token não tem acesso a nenhum modelo"),
    case("auth_failed", "persian-no-model", message="این توکن به هیچ مدلی دسترسی ندارد"),
    # saturated groups
    case("rate_limited", "english-group-saturated", message="The upstream load of the current group is saturated, please try again later"),
    case("rate_limited", "group-capacity-saturated", status=503, body="group's upstream capacity is saturated"),
    case("rate_limited", "indonesian-group", message="Beban upstream grup saat ini sudah jenuh, silakan coba lagi nanti"),
    case("rate_limited", "portuguese-group", message="A carga upstream do grupo atual está saturada, tente novamente mais tarde"),
    case("rate_limited", "russian-group", message="Нагрузка на upstream текущей группы насыщена, повторите попытку позже"),
    case("rate_limited", "korean-group", message="현재 그룹의 업스트림 부하가 포화 상태입니다"),
    # channels without keys
    case("server_error", "channel-has-no-keys", status=503, body="channel 12 has no available keys"),
    case("server_error", "no-usable-keys-for-channel", message="no usable keys for this channel"),
    case("server_error", "chinese-channel-key", message="渠道没有可用的密钥"),
    case("server_error", "turkish-channel-key", message="Kullanılabilir kanal anahtarı yok"),
    case("server_error", "russian-channel-key", message="Нет доступных ключей канала"),
    case("server_error", "portuguese-channel-key", message="Nenhuma chave de canal disponível"),
    # organisations restricted from a model
    case("model_not_found", "model-restricted-for-org", status=403, body="This model is restricted for your organization"),
    case("model_not_found", "model-restricted-in-workspace", message="model acme-9 is restricted for this workspace"),
    case("model_not_found", "team-restriction-on-model", status=400, body="team restriction on this model"),
    case("model_not_found", "russian-org-model", message="Модель ограничена для вашей организации"),
    case("model_not_found", "portuguese-org-model", message="Este modelo está restrito para a sua organização"),
    case("model_not_found", "chinese-org-model", status=403, body="您的组织受限，无法使用此模型"),
    # text over a character limit
    case("context_window_exceeded", "input-exceeds-char-limit", status=400, body="input exceeds the maximum character limit of 5000"),
    case("context_window_exceeded", "text-too-long-chars", status=422, body="text is too long: 12000 characters"),
    case("context_window_exceeded", "has-n-chars-exceeds", message="Your prompt has 4100 characters and exceeds the character limit"),
    case("context_window_exceeded", "spanish-char-limit", status=400, body="El texto excede el límite de 3000 caracteres"),
    case("context_window_exceeded", "russian-char-limit", status=400, body="Текст превышает лимит в 5000 символов"),
    case("context_window_exceeded", "german-char-limit", message="Eingabe überschreitet das Zeichenlimit"),
    # inputs over a schema's maxLength
    case("context_window_exceeded", "texts-must-not-have-more", status=400, body="/texts/0 must NOT have more than 2048 characters"),
    case("context_window_exceeded", "string-longer-than-maxlength", status=400, body="input string is longer than maxLength 512"),
    case("context_window_exceeded", "failed-maxlength-validation", message="inputText: failed maxLength validation (expected maxLength: 8000, actual: 9100)"),
    case("context_window_exceeded", "prompt-must-not-have-more", status=400, body="/prompt must NOT have more than 4000 characters"),
    case("context_window_exceeded", "text-exceeds-maxlength", message="text exceeds maxLength"),
    # media URLs not fetched
    case("client_error", "unable-to-fetch-image-at", status=400, body="unable to fetch image at https://cdn.example.org/cat.png"),
    case("client_error", "could-not-fetch-audio", message="could not fetch audio file from the provided URL"),
    case("client_error", "audio-url-not-accessible", status=400, body="audio_url is not publicly accessible"),
    case("client_error", "video-url-unreachable", message="video url could not be downloaded"),
    case("client_error", "chinese-image-url", message="图片链接无法访问"),
    case("client_error", "spanish-download-url", message="No se pudo descargar el archivo desde https://example.es/a.wav"),
    # files without the media they should hold
    case("client_error", "file-not-contain-video", status=400, body="The uploaded file does not contain video"),
    case("client_error", "no-audio-stream-in-file", message="no audio stream found in the uploaded file"),
    case("client_error", "not-valid-audio-file", status=400, body="not a valid audio file"),
    case("client_error", "doesnt-contain-audio-track", message="input.mp4 doesn't contain an audio track"),
    case("client_error", "german-no-audio", message="Die Datei enthält kein Audio"),
    case("client_error", "russian-no-audio", status=400, body="Файл не содержит аудио"),
    # requests needing at least one file
    case("client_error", "needs-at-least-one-reference", message="image-to-video needs at least one reference image"),
    case("client_error", "at-least-one-file-required", status=400, body="at least one file is required"),
    case("client_error", "must-include-one-attachment", status=422, body="request must include at least one attachment"),
    case("client_error", "chinese-one-image", message="至少需要上传一张图片"),
    case("client_error", "spanish-one-image", status=400, body="Se requiere al menos una imagen"),
    case("client_error", "portuguese-one-file", message="É necessário pelo menos um arquivo"),
    # speech without audio
    case("empty_response", "no-audio-data-received", message="no audio data was received for segment 4"),
    case("empty_response", "tts-returned-empty", message="TTS stream returned empty audio"),
    case("empty_response", "synthesis-produced-no-audio", message="speech synthesis produced no audio"),
    case("empty_response", "unexpected-message-null-audio", message='unexpected message {"audio": null, "isFinal": false}'),
    case("empty_response", "chinese-no-audio", message="未生成任何音频数据"),
    case("empty_response", "german-no-audio-data", message="Keine Audiodaten empfangen"),
    # chat stream chunks without text
    case("empty_response", "failed-get-content-stream", message="failed to get content from the stream"),
    case("empty_response", "chunk-neither-delta", message="chunk contains neither delta nor message"),
    case("empty_response", "no-text-in-chunks", message="no text in chat stream chunks"),
    case("empty_response", "chinese-no-text", message="未能从数据流中提取到内容"),
    case("empty_response", "spanish-no-text", message="No se pudo obtener el texto del stream"),
]

# (failure, category): texts near a round-19 family, decided by the family they belong to.
NEAR_MISSES = [
    case("network_error", "stream-exception-reset", message="unhandled exception during response stream: connection reset by peer"),
    case("rate_limited", "stream-exception-throttle", status=429, body="exception while streaming: rate limit exceeded"),
    case("auth_failed", "sdk-invalid-key", status=401, body="Invalid API key provided"),
    case("client_error", "tool-result-must-include", status=400, body="tool result must include 'tool_call_id'"),
    case("server_error", "envoy-overflow-503", status=503, body="upstream connect error or disconnect/reset before headers. reset reason: overflow"),
    case("network_error", "dial-with-client-timeout", message='Post "https://api.acme.ai": dial tcp 1.2.3.4:443: i/o timeout (Client.Timeout exceeded while awaiting headers)'),
    case("client_error", "typed-400-chunk", status=400, body="InvalidChunkLength in uploaded JSONL"),
    case("timeout", "send-timed-out-504", status=504, body="error sending request: operation timed out"),
    case("rate_limited", "send-failed-throttle", status=502, body="error sending request: rate limit exceeded upstream"),
    case("auth_failed", "ssl-with-invalid-key", status=401, body="SSL handshake ok; invalid api key"),
    case("timeout", "nginx-read-timeout", status=504, body="upstream timed out (110: Connection timed out) while reading response header from upstream"),
    case("quota_exhausted", "balance-stated-403", status=403, body="Insufficient balance, please top up"),
    case("timeout", "no-content-timeout-stated", message="模型未返回内容：请求超时"),
    case("context_window_exceeded", "token-count-over", status=400, body="Số token vượt quá giới hạn ngữ cảnh của mô hình"),
    case("model_not_found", "one-model-no-access", status=403, body="This token has no access to model acme-9"),
    case("quota_exhausted", "group-saturated-billing", message='{"error":{"message":"当前分组负载已饱和，请稍后再试，或升级账户以提升服务质量。","type":"billing_not_active","code":"billing_not_active"}}'),
    case("rate_limited", "channel-keys-cooldown", status=502, body="no available key (all keys in cooldown or disabled)"),
    case("model_not_found", "no-channel-for-model", status=503, body="当前分组 default 下对于模型 acme-9 无可用渠道"),
    case("auth_failed", "org-restricted-whole", status=400, body="Organization has been restricted. Please reach out to support."),
    case("quota_exhausted", "characters-remaining", message="This request exceeds your quota. You have 10 characters remaining, while 80 characters are required."),
    case("tool_schema_error", "tools-array-too-long", status=400, body="Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length 200 instead."),
    case("server_error", "image-download-failed-bare", status=500, body="Image download failed"),
    case("client_error", "image-too-large-url", status=400, body="Failed to download image from https://cdn.example.org/a.gif. Image size exceeds the limit."),
    case("client_error", "at-least-one-message", status=400, body="messages: at least one message is required"),
    case("network_error", "stream-text-reset", message="Failed to retrieve text from chat stream: connection reset"),
]

# (failure, rule): texts with a round-19 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"message": "streaming response completed without error"}, R + "stream-handler-crashed", id="stream-ok"),
    pytest.param({"status": 400, "body": "unexpected error during streaming setup: invalid parameter stream_options"}, R + "stream-handler-crashed", id="stream-400"),
    pytest.param({"message": "error while streaming: request timed out"}, R + "stream-handler-crashed", id="stream-timeout"),
    pytest.param({"message": "Set ACME_API_KEY to change the region"}, R + "sdk-key-not-passed", id="env-only"),
    pytest.param({"message": "pass api_key= to override the default key"}, R + "sdk-key-not-passed", id="pass-only"),
    pytest.param({"status": 429, "body": "pass a token or set ACME_TOKEN: rate limit exceeded"}, R + "sdk-key-not-passed", id="sdk-429"),
    pytest.param({"status": 400, "body": "tool message must include 'tool_call_id'"}, R + "tool-definition-missing-field", id="tool-turn"),
    pytest.param({"message": "the search tool must include results in its answer"}, R + "tool-definition-missing-field", id="tool-prose"),
    pytest.param({"status": 400, "body": "tool_use blocks must include an id"}, R + "tool-definition-missing-field", id="tool-use"),
    pytest.param({"status": 503, "body": "upstream connect error or disconnect/reset before headers. reset reason: connection failure"}, R + "proxy-reset-before-headers", id="reset-typed"),
    pytest.param({"message": "upstream connect error or disconnect/reset before headers. reset reason: overflow"}, R + "proxy-reset-before-headers", id="reset-overflow"),
    pytest.param({"message": "password reset before headers were sent"}, R + "proxy-reset-before-headers", id="reset-word"),
    pytest.param({"message": "Client.Timeout set to 30s"}, R + "client-deadline-reading", id="deadline-config"),
    pytest.param({"message": "dial tcp: i/o timeout (Client.Timeout exceeded while awaiting headers)"}, R + "client-deadline-reading", id="deadline-dial"),
    pytest.param({"status": 429, "body": "Client.Timeout exceeded while awaiting headers"}, R + "client-deadline-reading", id="deadline-429"),
    pytest.param({"message": "proxy configured at http://10.0.0.1:3128"}, R + "proxy-credentials", id="proxy-config"),
    pytest.param({"status": 401, "body": "Unauthorized"}, R + "proxy-credentials", id="plain-401"),
    pytest.param({"message": "proxy authentication failed: rate limit reached"}, R + "proxy-credentials", id="proxy-throttle"),
    pytest.param({"status": 400, "body": "InvalidChunkLength in uploaded file"}, R + "body-cut-mid-transfer", id="chunk-400"),
    pytest.param({"message": "payload is completed"}, R + "body-cut-mid-transfer", id="payload-ok"),
    pytest.param({"message": "IncompleteRead: context length exceeded"}, R + "body-cut-mid-transfer", id="chunk-context"),
    pytest.param({"message": "error sending request for url (https://api.acme.ai)"}, R + "gateway-send-failed", id="send-untyped"),
    pytest.param({"status": 400, "body": "error sending request: invalid header"}, R + "gateway-send-failed", id="send-400"),
    pytest.param({"status": 504, "body": "error sending request: operation timed out"}, R + "gateway-send-failed", id="send-timeout"),
    pytest.param({"message": "TLS handshake completed"}, R + "tls-not-established", id="tls-ok"),
    pytest.param({"status": 401, "body": "SSL handshake failed: invalid api key"}, R + "tls-not-established", id="tls-401"),
    pytest.param({"message": "Authentication failed, see inner exception."}, R + "tls-not-established", id="auth-alone"),
    pytest.param({"message": "connect timeout set to 10 seconds"}, R + "socket-connect-timeout", id="connect-config"),
    pytest.param({"message": "upstream timed out (110: Connection timed out) while reading response header"}, R + "socket-connect-timeout", id="nginx-read"),
    pytest.param({"status": 400, "body": "connect ETIMEDOUT"}, R + "socket-connect-timeout", id="connect-400"),
    pytest.param({"status": 403, "body": "Insufficient balance, possibly because your plan expired"}, R + "money-only-guessed", id="money-first"),
    pytest.param({"status": 402, "body": "Payment required, possibly insufficient balance"}, R + "money-only-guessed", id="money-402"),
    pytest.param({"status": 403, "body": "Forbidden, possibly a wrong region"}, R + "money-only-guessed", id="no-money"),
    pytest.param({"message": "The model returned no content: request timed out after 60s"}, R + "no-content-timeout-guessed", id="timeout-stated"),
    pytest.param({"message": "the model returned content in 2 chunks"}, R + "no-content-timeout-guessed", id="content-ok"),
    pytest.param({"status": 400, "body": "The model returned no content"}, R + "no-content-timeout-guessed", id="no-content-400"),
    pytest.param({"status": 400, "body": "Số token không hợp lệ: vượt quá giới hạn ngữ cảnh"}, R + "gateway-token-verdict", id="token-count"),
    pytest.param({"message": "token usage: 1200"}, R + "gateway-token-verdict", id="token-usage"),
    pytest.param({"status": 429, "body": "Token không hợp lệ"}, R + "gateway-token-verdict", id="token-429"),
    pytest.param({"status": 403, "body": "This token has no access to model acme-9"}, R + "token-no-model-at-all", id="one-model"),
    pytest.param({"message": "any model may be used with this token"}, R + "token-no-model-at-all", id="any-model-ok"),
    pytest.param({"status": 429, "body": "This token has no access to any model right now: rate limited"}, R + "token-no-model-at-all", id="no-model-429"),
    pytest.param({"message": "group load is 40%, not saturated"}, R + "group-load-saturated", id="group-ok"),
    pytest.param({"message": "当前分组负载已饱和，请升级账户"}, R + "group-load-saturated", id="group-upgrade"),
    pytest.param({"status": 401, "body": "当前分组上游负载已饱和"}, R + "group-load-saturated", id="group-401"),
    pytest.param({"status": 502, "body": "no available channel keys (all keys in cooldown)"}, R + "channel-without-key", id="channel-cooldown"),
    pytest.param({"message": "channel 3 has 4 available keys"}, R + "channel-without-key", id="channel-ok"),
    pytest.param({"status": 503, "body": "No available channel for model acme-9"}, R + "channel-without-key", id="channel-route"),
    pytest.param({"status": 400, "body": "Organization has been restricted."}, R + "organisation-restricted-model", id="org-whole"),
    pytest.param({"message": "this model has no restrictions for your organization"}, R + "organisation-restricted-model", id="org-ok"),
    pytest.param({"status": 429, "body": "This model is restricted for your organization: rate limit"}, R + "organisation-restricted-model", id="org-429"),
    pytest.param({"message": "You have 20 characters remaining and exceed the character limit"}, R + "text-over-character-limit", id="chars-remaining"),
    pytest.param({"status": 400, "body": "tool name exceeds the character limit of 64"}, R + "text-over-character-limit", id="tool-name-chars"),
    pytest.param({"message": "character limit per request: 5000"}, R + "text-over-character-limit", id="chars-doc"),
    pytest.param({"status": 400, "body": "tools/0/function/name must NOT have more than 64 characters"}, R + "input-over-maxlength", id="maxlength-tool"),
    pytest.param({"message": "maxLength: 2048 is the documented bound"}, R + "input-over-maxlength", id="maxlength-doc"),
    pytest.param({"status": 400, "body": "/metadata/id must NOT have more than 36 characters"}, R + "input-over-maxlength", id="maxlength-id"),
    pytest.param({"status": 500, "body": "Image download failed"}, R + "media-url-not-fetched", id="download-bare"),
    pytest.param({"message": "failed to download image from https://x/y.png: timed out"}, R + "media-url-not-fetched", id="download-timeout"),
    pytest.param({"status": 401, "body": "unable to access file at https://x/y.wav: unauthorized"}, R + "media-url-not-fetched", id="download-401"),
    pytest.param({"message": "The synthesized file does not contain audio"}, R + "file-without-media", id="output-file"),
    pytest.param({"message": "the file contains audio and video"}, R + "file-without-media", id="file-ok"),
    pytest.param({"status": 500, "body": "not a valid audio file"}, R + "file-without-media", id="file-500"),
    pytest.param({"status": 400, "body": "requires at least one message"}, R + "request-needs-a-file", id="needs-message"),
    pytest.param({"message": "at least one image was processed"}, R + "request-needs-a-file", id="image-processed"),
    pytest.param({"status": 429, "body": "at least one file is required"}, R + "request-needs-a-file", id="file-429"),
    pytest.param({"status": 400, "body": "The uploaded audio file is empty"}, R + "speech-without-audio", id="upload-empty"),
    pytest.param({"message": "audio frames were pushed for text"}, R + "speech-without-audio", id="audio-ok"),
    pytest.param({"status": 400, "body": "no audio data was received in the request"}, R + "speech-without-audio", id="audio-400"),
    pytest.param({"message": "Failed to retrieve text from chat stream: connection reset"}, R + "stream-chunk-without-text", id="text-reset"),
    pytest.param({"message": "retrieved text from chat stream"}, R + "stream-chunk-without-text", id="text-ok"),
    pytest.param({"status": 400, "body": "failed to get content from the stream parameter"}, R + "stream-chunk-without-text", id="text-400"),
]


(
    test_round19_family_catches_its_concept,
    test_round19_family_leaves_near_misses_to_another,
    test_round19_rule_does_not_decide_a_lookalike,
) = family_tests("round-19", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix=R)
