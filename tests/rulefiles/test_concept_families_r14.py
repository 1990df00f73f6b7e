# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real Chinese texts
"""builtin:default's round-14 families, from both sides, in the whole set.

The families written from round 14's training part (rules/default/r14-train.yaml, and the
tool-field branch of vocabulary.yaml's tool_declaration_over_limit): WebSocket close codes,
local engines busy or to be loaded first, models that failed to load, model types a runtime
does not know, model files absent, browsers' built-in models unavailable, client features
not enabled, empty message lists, prompts from refused roles, unsupported languages, Python
call-signature errors, sessions over their maximum duration, admin-only routes, tool fields
too long, audio uploads and files too large, safety reviews not passed, native runtime check
failures and answers without fields. Every case here is a wording made up for the test
(imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    case(
        "server_error",
        "ws-1011-plain",
        message="ConnectionClosedError: received 1011 (internal error) backend crashed; then sent 1011 (internal error)",
    ),
    case(
        "server_error",
        "ws-1011-resource-exhausted",
        message="live session closed: received 1011 (internal error) [ORIGINAL ERROR] generic::resource_exhausted: com.example.vision.Scanner",
    ),
    case(
        "server_error",
        "ws-1012-restart",
        message="realtime socket: received 1012 (service restart)",
    ),
    case(
        "server_error",
        "ws-1013-try-later",
        message="websockets closed: sent 1013 (try again later) node draining",
    ),
    case(
        "server_error",
        "ws-1011-under-500",
        status=500,
        body="received 1011 (internal error) upstream model error",
    ),
    case(
        "client_error",
        "ws-1008-session-missing",
        message="voice agent: received 1008 (policy violation) Session id abc not found",
    ),
    case(
        "client_error",
        "ws-1008-invalid-arg",
        message="received 1008 (policy violation) Request contains an invalid argument.; then sent 1008 (policy violation)",
    ),
    case(
        "client_error",
        "ws-1007-payload",
        message="ConnectionClosedError: received 1007 (invalid frame payload data) Cannot parse setup message",
    ),
    case(
        "client_error",
        "ws-1003-data",
        message="received 1003 (unsupported data) binary frames are not accepted on this endpoint",
    ),
    case(
        "client_error",
        "ws-1008-unknown-field",
        message="Live API closed: received 1008 (policy violation) Unknown name \"voice\" at 'setup': Cannot find field.",
    ),
    case("server_error", "engine-busy", message="Engine is busy, try again in a moment"),
    case(
        "server_error",
        "runner-already-generating",
        message="The runner is already generating a response",
    ),
    case(
        "server_error",
        "wait-previous-inference",
        message="Please wait for the previous inference to finish before sending a new prompt",
    ),
    case(
        "server_error",
        "another-completion",
        message="Another completion is already in progress for this context",
    ),
    case("server_error", "zh-model-generating", message="模型正在生成中，请稍后再发送"),
    case("server_error", "ja-model-busy", message="モデルは現在処理中です"),
    case("server_error", "es-model-busy", message="El modelo está ocupado, inténtelo de nuevo"),
    case("server_error", "de-model-busy", message="Das Modell ist beschäftigt"),
    case(
        "server_error", "load-model-first", message="No model is ready: please load the model first"
    ),
    case(
        "server_error",
        "model-must-be-loaded",
        message="The model must be loaded before generating text",
    ),
    case(
        "server_error",
        "model-not-yet-initialized",
        message="Model is not yet initialized. Call init() on the model before use",
    ),
    case("server_error", "zh-load-first", message="请先加载模型后再开始对话"),
    case(
        "server_error",
        "ja-load-first",
        message="モデルがロードされていません。先にモデルをロードしてください",
    ),
    case("server_error", "es-load-first", message="Cargue el modelo primero"),
    case(
        "server_error",
        "weights-failed-load",
        message="RuntimeError: failed to load the weights from /models/llama.safetensors",
    ),
    case(
        "server_error",
        "model-loading-failed-underscore",
        message='{"error": "model_load_failed", "detail": "mmap error"}',
    ),
    case(
        "server_error",
        "model-initialization-failed",
        message="Model initialization failed: out of device memory",
    ),
    case("server_error", "fr-load-failed", message="Impossible de charger le modèle"),
    case("server_error", "de-load-failed", message="Das Modell konnte nicht geladen werden"),
    case("server_error", "pt-load-failed", message="Falha ao carregar o modelo"),
    case("server_error", "ko-load-failed", message="모델 로드 실패"),
    case(
        "model_not_found",
        "unknown-arch-llamacpp",
        message="error loading model: unknown model architecture: 'newarch'",
    ),
    case(
        "model_not_found",
        "arch-not-supported",
        message="Architecture 'Phi4MMForCausalLM' is not supported yet",
    ),
    case(
        "model_not_found", "model-type-snake", message="ValueError: unsupported_model_type: mamba3"
    ),
    case(
        "model_not_found",
        "transformers-does-not-recognize",
        message="The checkpoint you are trying to load has model type `gemma9` but Transformers does not recognize this architecture.",
    ),
    case("model_not_found", "zh-model-type", message="不支持的模型类型：qwen9"),
    case("model_not_found", "ja-model-type", message="サポートされていないモデルタイプです"),
    case("model_not_found", "es-model-type", message="Tipo de modelo no soportado: foo"),
    case(
        "model_not_found",
        "hf-file-named",
        message="OSError: acme/tiny does not appear to have a file named model.safetensors",
    ),
    case(
        "model_not_found",
        "entry-not-found",
        message="huggingface_hub.utils.EntryNotFoundError: 404 Client Error: Entry Not Found for url",
    ),
    case(
        "model_not_found",
        "model-file-missing",
        message="Model file '/data/models/phi.gguf' not found",
    ),
    case(
        "model_not_found",
        "not-valid-identifier",
        message="foo/bar is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'",
    ),
    case("model_not_found", "zh-model-file", message="模型文件不存在，请重新下载"),
    case(
        "model_not_found",
        "locate-onnx",
        message='Could not locate file: "models/decoder_model_merged.onnx"',
    ),
    case(
        "model_not_found",
        "dom-model-unavailable",
        message="NotSupportedError: The model is not available.",
    ),
    case(
        "model_not_found",
        "gemini-nano-unavailable",
        message="Gemini Nano is not available on this browser",
    ),
    case(
        "model_not_found",
        "dom-session-could-not",
        message="UnknownError: The language model session could not be created",
    ),
    case(
        "model_not_found",
        "device-not-eligible",
        message="Device is not eligible to run the built-in AI model",
    ),
    case(
        "model_not_found",
        "on-device-not-downloaded",
        message="The on-device model is not downloaded yet",
    ),
    case(
        "client_error",
        "vision-not-enabled",
        message="Vision support is not enabled on this server; start it with --mmproj",
    ),
    case("client_error", "lora-not-initialized", message="LoRA adapters have not been initialized"),
    case(
        "client_error",
        "audio-input-not-enabled",
        status=400,
        body="Audio input is not enabled for this deployment",
    ),
    case("client_error", "call-init-first", message="Call initVision() first"),
    case("client_error", "zh-multimodal", message="多模态未启用，请先初始化"),
    case("client_error", "es-multimodal", message="El soporte multimodal no está habilitado"),
    case("client_error", "contents-empty", status=400, body="contents is empty"),
    case(
        "client_error", "prompt-must-not-be-empty", message="ValueError: prompt must not be empty"
    ),
    case(
        "client_error", "no-messages-provided", message="No messages were provided in the request"
    ),
    case(
        "client_error",
        "must-contain-one-message",
        message="The request must contain at least one message",
    ),
    case("client_error", "ja-empty", message="メッセージが空です"),
    case("client_error", "fr-empty", message="La liste des messages est vide"),
    case("client_error", "de-empty", message="Nachrichten dürfen nicht leer sein"),
    case(
        "client_error",
        "must-come-from-user",
        message="Messages must come from the 'user' or 'assistant' role",
    ),
    case("client_error", "first-turn-from-user", message="Content should come from the user role"),
    case(
        "client_error",
        "only-roles-allowed",
        status=400,
        body="Only user, assistant and system roles are allowed",
    ),
    case("client_error", "prompts-must-be-from", message='Prompts must be from the "human" role'),
    case(
        "client_error",
        "only-user-role-supported",
        message="only 'user' role is supported by this endpoint",
    ),
    case("client_error", "lang-code-unsupported", message="Language code 'xx' is not supported"),
    case(
        "client_error",
        "does-not-support-language",
        message="This voice does not support the requested language",
    ),
    case(
        "client_error",
        "unsupported-source-language",
        status=400,
        body="Unsupported source language: klingon",
    ),
    case(
        "client_error", "language-not-supported-snake", message='{"code": "language_not_supported"}'
    ),
    case("client_error", "zh-language", message="不支持该语言"),
    case("client_error", "ja-language", message="指定された言語はサポートされていません"),
    case("client_error", "fr-language", message="Langue non prise en charge"),
    case("client_error", "de-language", message="Diese Sprache wird nicht unterstützt"),
    case(
        "client_error",
        "takes-positional",
        message="TypeError: invoke() takes 2 positional arguments but 3 were given",
    ),
    case(
        "client_error",
        "missing-keyword-only",
        message="complete() missing 1 required keyword-only argument: 'model'",
    ),
    case(
        "client_error",
        "unexpected-kwarg",
        message="acompletion() got an unexpected keyword argument 'stream_options'",
    ),
    case(
        "client_error",
        "takes-no-arguments",
        message="TypeError: close() takes no arguments (1 given)",
    ),
    case(
        "client_error",
        "takes-from-to",
        message="embed() takes from 1 to 2 positional arguments but 4 were given",
    ),
    case(
        "client_error",
        "stream-exceeded-max-duration",
        message="The stream exceeded the maximum duration of 10 minutes",
    ),
    case(
        "client_error",
        "max-session-duration-reached",
        message="Maximum session duration of 60 min reached",
    ),
    case(
        "client_error",
        "session-time-limit",
        message="Session time limit exceeded, start a new session",
    ),
    case(
        "client_error",
        "connection-hit-max-lifetime",
        message="WebSocket connection hit the maximum lifetime",
    ),
    case("client_error", "fr-session", message="La session a atteint sa durée maximale"),
    case("client_error", "ja-session", message="セッションの最大時間に達しました"),
    case(
        "auth_failed",
        "only-org-owners",
        status=400,
        body="Only organization owners can create API keys",
    ),
    case(
        "auth_failed",
        "admin-role-required-500",
        status=500,
        body="admin role required for /key/generate",
    ),
    case(
        "auth_failed",
        "role-not-allowed",
        message="Your role=viewer is not allowed to call this route",
    ),
    case(
        "auth_failed",
        "requires-admin-privileges",
        message="This operation requires admin privileges",
    ),
    case("auth_failed", "ja-admin", message="管理者のみが実行できます"),
    case("auth_failed", "es-admin", message="Solo los administradores pueden crear claves"),
    case(
        "tool_schema_error",
        "tool-name-too-long",
        status=400,
        body="Invalid 'tools[0].function.name': string too long. Expected a string with maximum length 64",
    ),
    case(
        "tool_schema_error",
        "functions-description-max",
        status=400,
        body="functions.2.description exceeds the maximum length",
    ),
    case(
        "tool_schema_error",
        "function-declarations-name",
        status=400,
        body="function_declarations[1].name: too long (max 63)",
    ),
    case(
        "tool_schema_error",
        "function-description-chars",
        message="Function description exceeds 1024 characters",
    ),
    case(
        "tool_schema_error",
        "tool-name-exceeds",
        status=400,
        body="tool name exceeds the maximum length",
    ),
    case(
        "client_error",
        "whisper-too-large",
        status=413,
        body="Whisper upload rejected: audio exceeds the maximum size of 25 MB",
    ),
    case(
        "client_error",
        "transcription-413",
        message="Transcription failed with status 413 Payload Too Large",
    ),
    case(
        "client_error",
        "speech-file-too-big",
        status=400,
        body="Speech file too big for recognition",
    ),
    case("client_error", "voice-note-size-limit", message="Voice note over the size limit"),
    case("client_error", "zh-audio", message="音频文件过大"),
    case(
        "client_error",
        "document-cannot-be-processed",
        message="The document cannot be processed because it is too large",
    ),
    case(
        "client_error",
        "attachment-too-large-to-upload",
        status=400,
        body="attachment is too large to be uploaded",
    ),
    case(
        "client_error", "file-was-not-indexed", message="file was not indexed since it was too big"
    ),
    case("client_error", "file-too-big-to-embed", message="File is too big to be embedded"),
    case(
        "client_error",
        "upload-could-not-be-converted",
        message="Upload could not be converted because it is too large",
    ),
    case(
        "content_filtered",
        "did-not-pass-moderation-check",
        message="The prompt did not pass the moderation check",
    ),
    case(
        "content_filtered",
        "failing-safety-filters",
        message="Image generation aborted: failing to pass Acme's safety filters",
    ),
    case(
        "content_filtered",
        "safety-screening-failed",
        status=500,
        body="safety screening failed for this video",
    ),
    case(
        "content_filtered",
        "not-pass-trust-safety",
        message="Output does not pass trust and safety review",
    ),
    case("content_filtered", "zh-safety-review", message="内容审核未通过"),
    case("content_filtered", "de-safety", message="Sicherheitsprüfung nicht bestanden"),
    case(
        "server_error",
        "check-failed-glog",
        message="F20250101 tensor.cc:42] Check failed: dims == 4",
    ),
    case(
        "server_error",
        "ret-check-500",
        status=500,
        body="INTERNAL: RET_CHECK failure (calculator.cc:77) status",
    ),
    case("server_error", "tflite-prepare", message="Node number 3 (CONV_2D) failed to prepare."),
    case(
        "server_error", "interpreter-invoke", message="Interpreter failed to invoke: kTfLiteError"
    ),
    case("server_error", "allocate-tensors", message="Failed to allocate tensors"),
    case("empty_response", "response-no-valid-fields", message="Response had no valid fields"),
    case(
        "empty_response",
        "deserialize-no-known-fields",
        message="Decoding the reply found no valid fields",
    ),
    case("empty_response", "part-empty", message="Unhandled format for Part: {}"),
    case("empty_response", "message-null", message="Unsupported format for Message: null"),
    case("empty_response", "candidate-content-empty-object", message="candidate content is {}"),
]

# (failure, category): near misses of a round-14 family, decided by the family they belong to.
NEAR_MISSES = [
    case(
        "rate_limited",
        "ws-1011-throttled",
        message="received 1011 (internal error) [ORIGINAL ERROR] throttling::THROTTLED_CLIENT: Request throttled",
    ),
    case(
        "content_filtered",
        "ws-1008-safety",
        message="received 1008 (policy violation) The prompt was blocked due to safety settings",
    ),
    case("server_error", "server-busy", message="The server is busy. Please try again later."),
    case("model_not_found", "lmstudio-not-loaded", message="Model not loaded"),
    case(
        "model_not_found",
        "no-url-for-model-id",
        message='Failed to load model: No URL found for model ID "Foo-q4". Please check the model ID',
    ),
    case(
        "network_error",
        "load-model-fetch-failed",
        message="Load model failed with error TypeError: fetch failed",
    ),
    case(
        "tool_schema_error",
        "function-calling-not-enabled",
        status=400,
        body="Function calling is not enabled for this model",
    ),
    case(
        "context_window_exceeded",
        "bare-content-size-413",
        status=413,
        body="Maximum content size limit (26214400) exceeded (26222592 bytes read)",
    ),
    case(
        "context_window_exceeded",
        "request-too-large-to-process",
        status=400,
        body="The request is too large to be processed: reduce the prompt",
    ),
    case(
        "server_error",
        "safety-service-down",
        status=503,
        body="Safety review service unavailable, retry later",
    ),
    case(
        "client_error",
        "parameter-check",
        message="parameter check failed, max_output_tokens range is [2, 2048]",
    ),
]

# (failure, rule): texts with a round-14 rule's gate words but not its concept.
LEAVES = [
    pytest.param(
        {"message": "The language model gpt-x is not supported"},
        "default.r14.language-unsupported",
        id="language-model-unsupported",
    ),
    pytest.param(
        {"message": "The admin panel is down for maintenance"},
        "default.r14.admin-role-required",
        id="admin-panel-down",
    ),
    pytest.param(
        {"message": "The admin role must come from your identity provider"},
        "default.r14.role-must-come-from",
        id="account-role-idp",
    ),
    pytest.param(
        {"message": "Session expired, please log in again"},
        "default.r14.session-max-duration",
        id="login-session-expired",
    ),
    pytest.param(
        {"message": "the endpoint takes 2 arguments"},
        "default.r14.call-signature-mismatch",
        id="endpoint-takes-args",
    ),
    pytest.param(
        {"message": "Could not locate file: config.yaml in the working directory"},
        "default.r14.model-files-absent",
        id="config-file-not-located",
    ),
    pytest.param(
        {"message": 'Unhandled format for Content: {"role": "tool"}'},
        "default.r14.answer-without-fields",
        id="content-with-fields",
    ),
    pytest.param(
        {"message": "The support line is busy"}, "default.r14.engine-busy", id="busy-signal-phone"
    ),
    pytest.param(
        {
            "message": "Incompatible task_type, the requested type [rerank] does not match the model type [text_embedding]"
        },
        "default.r14.model-type-unknown",
        id="task-type-mismatch",
    ),
    pytest.param(
        {"message": "The response messages array is empty"},
        "default.r14.messages-empty",
        id="response-messages-empty",
    ),
    pytest.param(
        {
            "status": 400,
            "body": "Invalid 'messages[3].content': string too long. Expected a string with maximum length 10485760",
        },
        "default.r13.tool-declaration-over-limit",
        id="messages-content-too-long",
    ),
]


(
    test_round14_family_catches_its_concept,
    test_round14_family_leaves_near_misses_to_another,
    test_round14_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-14", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r14."
)
