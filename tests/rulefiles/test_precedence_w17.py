"""builtin:default's w17 step-backs: a broad family's word in another role decides nothing.

Round 13's blind misses were broad families firing on a word in another role. Each guard
below describes the role, not the message: an upsell "upgrade to ... plan" beside the
provider's capacity state is no spent plan; a money word inside a URL is no verdict on the
account; a rate-limit word that only names a JSON key is no throttle; an empty-result
wording after a typed 4xx failure is the wrapper's follow-up, not an empty answer; the model
as the one who produced something exists; "try again later" after a verdict on the caller's
own activity is no provider state; an upstream 4xx request verdict quoted inside a gateway's
5xx decides like that 4xx. Each guard is tried on at least five wordings of imagined
providers on both sides: what it must now leave to the right family, and what the family must
still catch.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide

UPSELL = "upsell-beside-capacity"
URL_MONEY = "money-word-in-url"
RATE_KEY = "rate-limit-json-key"
EMPTY_AFTER_4XX = "empty-after-4xx"
MODEL_ACTOR = "model-as-actor"
CALLER_ACTIVITY = "caller-activity"
UPSTREAM_4XX = "upstream-4xx-in-5xx"
GUARDS = (UPSELL, URL_MONEY, RATE_KEY, EMPTY_AFTER_4XX, MODEL_ACTOR, CALLER_ACTIVITY, UPSTREAM_4XX)


def left(guard: str, category: str, family: str, name: str, **failure: Any) -> Any:
    """A row the family must now leave: its guard, the category it must get, the family rule
    that must not decide it."""
    return pytest.param(guard, failure, category, family, id=f"{guard}-{name}")


def kept(guard: str, category: str, name: str, **failure: Any) -> Any:
    """A row the family must still catch: its guard and the category it must get."""
    return pytest.param(guard, failure, category, id=f"{guard}-{name}")


# (guard, failure, category it must get, the broad rule that must not decide it)
LEFT = [
    left(UPSELL, "server_error", "default.grid-throttle.quota", "plus-plan-529", status=529,
         body="High traffic detected. For a more stable experience, upgrade to our Plus plan"),
    left(UPSELL, "server_error", "default.quota.trial-or-allowance", "high-demand-pro",
         status=503, body="We're seeing high demand right now. Upgrade to Pro for priority "
                          "access."),
    left(UPSELL, "server_error", "default.quota.billing", "overloaded-subscription",
         message="Servers are overloaded at the moment - upgrade your subscription to skip the "
                 "queue"),
    left(UPSELL, "server_error", "default.quota.trial-or-allowance", "at-capacity-paid-tier",
         status=503, body="The model is at capacity. Upgrade to a paid tier for dedicated "
                          "throughput."),
    left(UPSELL, "server_error", "default.quota.billing", "busy-heavy-load",
         message="Service busy: heavy load. Tip: upgrade to Premium plan for faster responses"),
    left(UPSELL, "server_error", "default.grid-throttle.quota", "overloaded-team-plan",
         status=529, body="Overloaded. Consider upgrading to the Team plan for higher "
                          "availability."),
    left(URL_MONEY, "timeout", "default.grid-throttle.quota", "go-deadline-credit-grants",
         message='Get "https://api.openai.com/dashboard/billing/credit_grants": context '
                 "deadline exceeded (Client.Timeout exceeded while awaiting headers)"),
    left(URL_MONEY, "timeout", "default.grid-throttle.quota", "billing-credits-deadline",
         message="GET https://api.acme.ai/v1/billing/credits: context deadline exceeded"),
    left(URL_MONEY, "network_error", "default.grid-throttle.quota", "credit-balance-refused",
         message="request to https://console.example.com/account/credit_balance failed: "
                 "connection refused"),
    left(URL_MONEY, "network_error", "default.grid-throttle.quota", "usage-quota-tls",
         message='Post "https://api.foo.dev/usage/quota": net/http: TLS handshake timeout'),
    left(URL_MONEY, "timeout", "default.grid-throttle.quota", "subscription-timed-out",
         message="fetch https://dash.provider.io/billing/subscription timed out after 30s"),
    left(URL_MONEY, "network_error", "default.grid-throttle.quota", "www-credit-reset",
         message="error calling www.llmhost.com/credit/limits: read tcp: connection reset by peer"),
    left(RATE_KEY, "unknown", "default.rate.throttled", "usage-key-in-200", status=200,
         body='Something went wrong during completion. Reason: HTTP code 200 from API '
              '("{\\"rate_limit_usage\\": {\\)'),
    left(RATE_KEY, "unknown", "default.rate.throttled", "remaining-and-reset-keys",
         message='completion failed: unexpected payload {"ratelimit_remaining": 42, '
                 '"ratelimit_reset": 1700000000}'),
    left(RATE_KEY, "unknown", "default.rate.throttled", "info-key-stream", status=200,
         body='stream error, last chunk: {"rate_limit_info": {"tier": "free"}, '
              '"finish_reason": null}'),
    left(RATE_KEY, "unknown", "default.rate.throttled", "status-key-ok",
         message='Invalid response from API: {"rate_limit_status": "ok", "data": null}'),
    left(RATE_KEY, "unknown", "default.rate.throttled", "policy-key-single-quotes",
         message="could not decode body {'rate-limit-policy': 'default'} as JSON"),
    left(EMPTY_AFTER_4XX, "client_error", "default.server.empty-response", "post-404-empty-result",
         status=404, body="Error generating from LLM: ('post request failed with status code: "
                          "404', ''), returning empty result"),
    left(EMPTY_AFTER_4XX, "client_error", "default.server.empty-response", "untyped-404",
         message="Error generating from LLM: ('post request failed with status code: 404', ''), "
                 "returning empty result"),
    left(EMPTY_AFTER_4XX, "client_error", "default.server.empty-response", "typed-400-summarizer",
         status=400, body="summarizer: upstream call failed, returning empty response"),
    left(EMPTY_AFTER_4XX, "client_error", "default.server.empty-response", "untyped-422",
         message="request failed with status code 422 - returning empty completion"),
    left(EMPTY_AFTER_4XX, "auth_failed", "default.server.nothing-generated", "http-401-no-output",
         message="HTTP 401 from upstream; no output produced, returning None"),
    left(MODEL_ACTOR, "server_error", "default.model.unavailable", "invalid-unicode", status=500,
         body="openai.InternalServerError: the model generated invalid Unicode output"),
    left(MODEL_ACTOR, "format_mismatch", "default.model.unavailable", "invalid-tool-call",
         message="Error: the model returned an invalid tool call payload"),
    left(MODEL_ACTOR, "format_mismatch", "default.model.unavailable", "invalid-json", status=500,
         body="model produced invalid JSON in its final answer"),
    left(MODEL_ACTOR, "unknown", "default.model.unavailable", "unknown-token",
         message="The model emitted an unknown token id 151643"),
    left(MODEL_ACTOR, "server_error", "default.model.unavailable", "unsupported-block",
         status=502, body="upstream: model sent an unsupported content block"),
    left(CALLER_ACTIVITY, "rate_limited", "default.server.transient-state", "chatgpt-detail",
         message='Failed to load response from ChatGPT: {"detail":"Our systems have detected '
                 'unusual activity from your system. Please try again later."}'),
    left(CALLER_ACTIVITY, "rate_limited", "default.server.transient-state", "ip-wait-minutes",
         message="Suspicious traffic detected from your IP address. Please wait a few minutes "
                 "and retry."),
    left(CALLER_ACTIVITY, "rate_limited", "default.server.transient-state", "noticed-account",
         message="We noticed unusual activity on your account. Try again in a little while."),
    left(CALLER_ACTIVITY, "rate_limited", "default.server.transient-state", "zh-abnormal",
         message="检测到您的账号存在异常请求，请稍后再试"),  # noqa: RUF001
    left(CALLER_ACTIVITY, "rate_limited", "default.server.transient-state", "automated-network",
         message="Automated requests detected from your network; please try again later"),
    left(CALLER_ACTIVITY, "rate_limited", "default.server.transient-state", "abnormal-ip",
         message="Abnormal traffic detected from your IP. Please retry later."),
    left(UPSTREAM_4XX, "client_error", "seed.status.server-error", "tensorzero-1214",
         status=502, body='502 All variants failed with errors: glm: Invalid status code: 400 '
                          'Bad Request: {"error":{"code":"1214","message":"The messages '
                          'parameter is illegal. Please check the documentation."}}'),
    left(UPSTREAM_4XX, "client_error", "seed.status.server-error", "unknown-parameter",
         status=503, body="provider error (status code: 400): unknown parameter 'top_k'"),
    left(UPSTREAM_4XX, "client_error", "seed.status.server-error", "origin-invalid-value",
         status=502, body="Bad gateway: origin responded with 400 Bad Request - invalid value "
                          "for 'max_tokens'"),
    left(UPSTREAM_4XX, "client_error", "seed.status.server-error", "required-field-missing",
         status=500, body="proxy error: HTTP 400 from backend: required field 'messages' is "
                          "missing"),
    left(UPSTREAM_4XX, "client_error", "seed.status.server-error", "unprocessable-argument",
         status=502, body="upstream: 422 Unprocessable Entity - unrecognized argument 'seed'"),
]

# (guard, failure, category): what the guarded family (or its own family) must still decide
KEPT = [
    kept(UPSELL, "quota_exhausted", "used-up-monthly", status=429,
         body="You have used up your monthly plan. Upgrade to continue."),
    kept(UPSELL, "quota_exhausted", "free-tier-exhausted",
         message="Your free tier is exhausted; upgrade your plan to keep going"),
    kept(UPSELL, "quota_exhausted", "credits-exhausted", status=402,
         body="Credits exhausted. Upgrade to a paid plan."),
    kept(UPSELL, "quota_exhausted", "plan-limit-in-high-traffic",
         message="Plan limit reached during high traffic hours. Please upgrade."),
    kept(UPSELL, "quota_exhausted", "subscription-quota", status=400,
         body="Subscription quota exceeded, upgrade to Pro"),
    kept(UPSELL, "server_error", "overloaded-no-upsell", status=529,
         body='{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'),
    kept(URL_MONEY, "quota_exhausted", "top-up-at-url",
         message="Insufficient credits. Top up at https://acme.ai/billing"),
    kept(URL_MONEY, "quota_exhausted", "balance-see-url", status=402,
         body="Your balance is exhausted, see https://platform.example.com/account/billing"),
    kept(URL_MONEY, "quota_exhausted", "credit-limit-url",
         message="Credit limit exceeded - https://x.ai/console/credits"),
    kept(URL_MONEY, "quota_exhausted", "quota-help-url", status=429,
         body="You exceeded your current quota: https://help.example.com/quota"),
    kept(URL_MONEY, "quota_exhausted", "balance-overdue-url",
         message="Account balance insufficient (details: https://docs.example.cn/billing/overdue)"),
    kept(RATE_KEY, "rate_limited", "typed-error-and-key", status=429,
         body='{"error":{"type":"rate_limit_error"},"rate_limit_usage":{"requests":60}}'),
    kept(RATE_KEY, "rate_limited", "verdict-and-key",
         message='Rate limit exceeded. {"rate_limit_remaining": 0}'),
    kept(RATE_KEY, "rate_limited", "too-many-and-key",
         message='{"rate_limit_remaining": 0, "message": "too many requests"}'),
    kept(RATE_KEY, "rate_limited", "code-value-and-key", status=400,
         body='{"code": "rate_limit_exceeded", "rate_limit_reset": 30}'),
    kept(RATE_KEY, "rate_limited", "ratelimit-hit-and-key",
         message='ratelimit hit for key abc; {"ratelimit_reset": 12}'),
    kept(EMPTY_AFTER_4XX, "empty_response", "model-returned-empty",
         message="The model returned an empty response."),
    kept(EMPTY_AFTER_4XX, "empty_response", "no-choices", status=200, body='{"choices": []}'),
    kept(EMPTY_AFTER_4XX, "empty_response", "no-content-retrying",
         message="LLM returned no content (empty response), retrying"),
    kept(EMPTY_AFTER_4XX, "empty_response", "after-status-200",
         message="Empty completion from provider after status 200"),
    kept(EMPTY_AFTER_4XX, "empty_response", "under-500", status=500,
         body="Upstream sent an empty response body"),
    kept(MODEL_ACTOR, "model_not_found", "does-not-exist", message="The model `gpt-9` does not "
                                                                   "exist"),
    kept(MODEL_ACTOR, "model_not_found", "not-found-404", status=404, body="model 'llama-9b' "
                                                                           "not found"),
    kept(MODEL_ACTOR, "model_not_found", "invalid-model-and-actor",
         message="Invalid model: foo-bar. The model returned by /v1/models is different"),
    kept(MODEL_ACTOR, "model_not_found", "unknown-model-and-actor", status=400,
         body="Unknown model 'claude-x'; the model returned an error"),
    kept(MODEL_ACTOR, "model_not_found", "not-available",
         message="Model 'mistral-xxl' is not available on this endpoint"),
    kept(CALLER_ACTIVITY, "server_error", "servers-overloaded",
         message="Our servers are overloaded. Please try again later."),
    kept(CALLER_ACTIVITY, "server_error", "our-side-busy", status=503,
         body="Unusual traffic on our side, the service is busy. Please try again later."),
    kept(CALLER_ACTIVITY, "server_error", "temporarily-unavailable",
         message="The service is temporarily unavailable, please try again later"),
    kept(CALLER_ACTIVITY, "server_error", "loading", message="Model is currently loading, try "
                                                             "again shortly"),
    kept(CALLER_ACTIVITY, "server_error", "zh-busy", message="服务器繁忙，请稍后再试"),  # noqa: RUF001
    kept(UPSTREAM_4XX, "server_error", "token-error-quoted-400", status=502,
         body="Upstream error from AtlasCloud: Unexpected token 173781 while expecting start "
              "token 200006 (code 400)"),
    kept(UPSTREAM_4XX, "server_error", "upstream-500", status=502,
         body="upstream returned 500: invalid state in worker pool"),
    kept(UPSTREAM_4XX, "context_window_exceeded", "quoted-400-context", status=500,
         body="upstream returned 400: This model's maximum context length is 8192 tokens, "
              "however you requested 9000 tokens"),
    kept(UPSTREAM_4XX, "auth_failed", "quoted-400-key", status=502,
         body="status code: 400 - Invalid API key provided"),
    kept(UPSTREAM_4XX, "model_not_found", "quoted-400-model", status=500,
         body="upstream returned 400: model 'gpt-x' not found"),
    kept(UPSTREAM_4XX, "server_error", "quoted-400-crash", status=503,
         body="Invalid status code: 400 Bad Request from a dead worker; the backend crashed"),
]


@pytest.mark.parametrize(("guard", "failure", "category", "family"), LEFT)
def test_a_word_in_another_role_leaves_the_broad_family(
    default: Any, guard: str, failure: dict[str, Any], category: str, family: str
) -> None:
    """A broad family's word in another role no longer decides: the right family does."""
    decision = decide(default, failure)
    assert decision.rule_id != family, guard
    assert decision.category == category, guard


@pytest.mark.parametrize(("guard", "failure", "category"), KEPT)
def test_the_family_still_catches_its_concept(
    default: Any, guard: str, failure: dict[str, Any], category: str
) -> None:
    """Beside each step-back, the family still decides the concept it was written for."""
    assert decide(default, failure).category == category, guard


def test_every_guard_has_five_wordings_on_both_sides() -> None:
    """Every w17 guard is tried on at least five made-up wordings it must leave and five the
    family must still catch."""
    for table in (LEFT, KEPT):
        counts = dict.fromkeys(GUARDS, 0)
        for param in table:
            counts[param.values[0]] += 1
        assert min(counts.values()) >= 5, counts
