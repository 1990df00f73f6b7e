# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real Chinese texts
"""builtin:default's round-10 families on the give-up side, from both sides, in the whole set.

The families written from round 10's training part for the give-up categories
(rules/default/giveup-r10.yaml, and additions to content-filter, quota, auth, models and
requests): content blocked for safety reasons, censored or moderated, risk checks not passed,
banned words, RAI filter counts; usage and credits used up; APIs to enable, CamelCase key
names, unreadable tokens; bots and model parameters not served; moderation named as a model
or option, conversation roles built wrong, fixed parameters, training files, unknown keys,
unsupported locations, missing keys, cached content gone; the caller's request wrong in more
wordings. Each family must catch wordings the training records did not use and leave alone
the near misses that belong to another family; every case here differs from the corpus
records it was written from.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    pytest.param({"message": "Video generation was refused for safety reasons."}, "content_filtered", id="refused-for-safety-reasons"),
    pytest.param({"status": 400, "body": "The output was censored by the provider"}, "content_filtered", id="censored"),
    pytest.param({"status": 200, "body": '{"id":"t1","status":"Content Moderated","result":null}'}, "content_filtered", id="content-moderated-status"),
    pytest.param({"message": "Image risk check failed for this prompt"}, "content_filtered", id="image-risk-check-failed"),
    pytest.param({"status": 400, "body": "Your prompt includes banned words."}, "content_filtered", id="banned-words"),
    pytest.param({"status": 200, "body": '{"predictions":[],"raiFilteredReason":"The prompt could not be submitted."}'}, "content_filtered", id="rai-filtered-reason"),
    pytest.param({"message": "出于合规考虑，本次生成已被拒绝"}, "content_filtered", id="zh-compliance-refusal"),
    pytest.param({"message": "Your team has run out of credits. Add more to continue."}, "quota_exhausted", id="team-out-of-credits"),
    pytest.param({"message": "You have used up the monthly usage allowance of your plan."}, "quota_exhausted", id="used-up-usage-allowance"),
    pytest.param({"status": 403, "body": '{"error":{"type":"quota_exhausted","message":"No requests left"}}'}, "quota_exhausted", id="typed-quota-under-403"),
    pytest.param({"message": "The Generative Language API has not been enabled for this project."}, "auth_failed", id="api-not-enabled"),
    pytest.param({"message": "ExpiredApiKey: rotate the key"}, "auth_failed", id="camelcase-expired-key"),
    pytest.param({"status": 400, "body": "Malformed bearer token"}, "auth_failed", id="malformed-bearer-token"),
    pytest.param({"message": "认证失败，请确认 secret_key 是否有效"}, "auth_failed", id="zh-confirm-secret-key"),
    pytest.param({"status": 404, "body": "No such bot: claude-9"}, "model_not_found", id="no-such-bot"),
    pytest.param({"status": 400, "body": "The parameter `model` is not valid for this endpoint"}, "model_not_found", id="model-parameter-not-valid"),
    pytest.param({"status": 400, "body": "Please use text-moderation-latest for this request"}, "model_not_found", id="moderation-model-offered"),
    pytest.param({"status": 400, "body": "Unsupported moderation option: strict"}, "client_error", id="moderation-option"),
    pytest.param({"status": 400, "body": "More than one system message is not allowed"}, "client_error", id="more-than-one-system-message"),
    pytest.param({"status": 400, "body": "User message must contain text content"}, "client_error", id="user-message-without-content"),
    pytest.param({"status": 400, "body": "top_p is fixed at 1.0 for reasoning models"}, "client_error", id="parameter-fixed"),
    pytest.param({"status": 400, "body": "Validation file: line 12 is missing the 'messages' key"}, "client_error", id="validation-file-line"),
    pytest.param({"status": 400, "body": "Unrecognized property 'temprature' in request"}, "client_error", id="unrecognized-property"),
    pytest.param({"message": "This country is not supported by the API"}, "client_error", id="country-not-supported"),
    pytest.param({"status": 400, "body": "No provider key configured for anthropic. Add credits or configure a key."}, "auth_failed", id="no-provider-key-configured"),
    pytest.param({"status": 404, "body": "cachedContents/xyz has expired"}, "client_error", id="cached-content-expired"),
    pytest.param({"message": "deployment needs to be specified for Azure"}, "client_error", id="value-needs-to-be-specified"),
    pytest.param({"status": 400, "body": "The query cannot be empty"}, "client_error", id="query-cannot-be-empty"),
    pytest.param({"status": 422, "body": "Additional properties are not allowed ('foo' was unexpected)"}, "client_error", id="jsonschema-additional-properties"),
    pytest.param({"status": 400, "body": "The v1beta endpoint has been deprecated. Use v1."}, "client_error", id="endpoint-deprecated"),
    pytest.param({"status": 400, "body": "Cannot cancel a batch that is already completed"}, "client_error", id="cannot-cancel"),
    pytest.param({"status": 400, "body": "Unsupported MIME type: application/x-msdownload"}, "client_error", id="unsupported-mime-type"),
    pytest.param({"message": "This endpoint only accepts PNG images"}, "client_error", id="only-accepts-png"),
]

# (failure, the category builtin:default must decide): near misses that belong elsewhere.
NEAR_MISSES = [
    pytest.param({"status": 429, "body": "Resource has been exhausted (e.g. check quota)."}, "rate_limited", id="google-resource-exhausted-stays-a-throttle"),
    pytest.param({"status": 429, "body": "You have exhausted your requests per minute; retry in 20s"}, "rate_limited", id="per-minute-stays-a-throttle"),
    pytest.param({"status": 500, "body": "java.lang.OutOfMemoryError: the server ran out of memory"}, "server_error", id="out-of-memory-is-the-server"),
    pytest.param({"status": 400, "body": "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens."}, "context_window_exceeded", id="context-stays-context"),
    pytest.param({"status": 400, "body": "Unknown field 'strict' in tool definition"}, "tool_schema_error", id="tool-field-stays-tools"),
    pytest.param({"status": 410, "body": '{"error":{"message":"This endpoint has been removed"}}'}, "model_not_found", id="410-gone-stays-gone"),
    pytest.param({"status": 400, "body": "The model gpt-4-0314 has been deprecated"}, "model_not_found", id="deprecated-model-stays-a-model"),
    pytest.param({"status": 403, "body": '{"type":"error","error":{"type":"RegionError","message":"This model is not available in your country."}}'}, "model_not_found", id="model-not-in-country"),
    pytest.param({"status": 401, "body": "Invalid API key provided"}, "auth_failed", id="invalid-key-stays-auth"),
    pytest.param({"status": 400, "body": '{"error":{"message":"Your input was flagged by our moderation system","code":"moderation_flagged"}}'}, "content_filtered", id="moderation-verdict-stays-content"),
    pytest.param({"status": 200, "body": '{"choices":[{"message":{"content":""},"finish_reason":"stop"}]}'}, "empty_response", id="empty-answer-stays-empty"),
]

# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"message": "model dolphin-uncensored not found"}, "default.content.blocked-more-wordings", id="uncensored-model-name"),
    pytest.param({"status": 200, "body": '{"raiMediaFilteredCount":0,"videos":[{"uri":"gs://b/v.mp4"}]}'}, "default.content.blocked-more-wordings", id="nothing-filtered"),
    pytest.param({"status": 400, "body": "stop words must contain at most 4 terms"}, "default.content.blocked-more-wordings", id="stop-words-parameter"),
    pytest.param({"status": 400, "body": "max_tokens: please pass a valid token count"}, "default.auth.setup-wordings-r10", id="token-count-is-no-credential"),
    pytest.param({"status": 400, "body": "Streaming is not enabled for this deployment"}, "default.auth.setup-wordings-r10", id="feature-not-enabled"),
    pytest.param({"status": 400, "body": "The bot answered: this does not exist in my knowledge"}, "default.model.bot-or-model-param", id="bot-answer"),
    pytest.param({"status": 400, "body": "Unrecognized API key"}, "default.request.unknown-key", id="unrecognized-api-key"),
    pytest.param({"status": 400, "body": "Moderation is enabled for this key"}, "default.request.moderation-option", id="moderation-setting-stated"),
    pytest.param({"status": 400, "body": "the system prompt is too long: 9000 tokens > 8192"}, "default.request.conversation-roles", id="long-system-prompt"),
    pytest.param({"status": 400, "body": "Your credit balance is too low. Add credits or set an API key with billing"}, "default.auth.no-key-set", id="money-no-missing-key"),
    pytest.param({"status": 400, "body": "Your request was blocked by our content policy. If you think this is a mistake, contact support."}, "default.auth.request-blocked-contact-support", id="content-block-with-support"),
    pytest.param({"status": 400, "body": "context size is too small for this prompt"}, "default.request.more-wordings-r10", id="context-too-small"),
    pytest.param({"message": "Cancellation failed: connection reset by peer"}, "default.request.more-wordings-r10", id="cancel-cut-by-network"),
]


@pytest.mark.parametrize(("failure", "category"), CATCHES)
def test_round10_giveup_family_catches_its_concept(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """Each round-10 give-up family decides its concept in wordings its records did not use."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "category"), NEAR_MISSES)
def test_round10_giveup_family_leaves_near_misses_to_another(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """A near miss of a round-10 give-up family is decided by the family it belongs to."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "rule"), LEAVES)
def test_round10_giveup_rule_does_not_decide_a_lookalike(
    default: Any, failure: dict[str, Any], rule: str
) -> None:
    """A text with a round-10 rule's gate words but not its concept is not decided by it."""
    assert decide(default, failure).rule_id != rule
