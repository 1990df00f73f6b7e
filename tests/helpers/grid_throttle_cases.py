"""The throttle grid's cases, generated from the concept: a short window (rate_limited) or
money and long windows (quota_exhausted), each subject x each verdict x word order (x
status), in English and eight more languages, plus the near misses. Shared by
tests/rulefiles/test_grid_throttle.py; nothing here is copied from a record."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

RATE = "rate_limited"
QUOTA = "quota_exhausted"

#: What a short window limits.
RATE_SUBJECTS = [
    "requests", "API calls", "tokens per minute", "tokens per second", "requests per minute",
    "RPM", "TPM", "QPS", "concurrency", "concurrent requests", "parallel requests",
    "calls per second", "queued requests",
]  # fmt: skip
#: What a throttle says about it ({s}: the subject; {S}: capitalised).
RATE_VERDICTS = [
    "{S} limit exceeded", "{S} limit reached", "Too many {s}", "{S} throttled",
    "{S} limited, slow down", "Slow down: too many {s}", "{S} exceeded, try again in 20 seconds",
    "{S} exceeds the allowed limit, please try again later", "Limit on {s} reached; retry later",
    "You have hit the {s} limit. Please try again shortly",
]  # fmt: skip
#: Money.
MONEY_SUBJECTS = [
    "credits",
    "credit balance",
    "account balance",
    "funds",
    "prepaid balance",
    "tokens balance",
]
#: What spent money says.
MONEY_VERDICTS = [
    "Insufficient {s}", "{S} exhausted", "{S} depleted", "You have run out of {s}",
    "You have used up your {s}", "No remaining {s}", "{S} too low: top up to continue",
    "Please purchase more {s} to continue", "Add funds: {s} used up", "Not enough {s}",
]  # fmt: skip
#: Allowances over a long window, a plan or a budget.
QUOTA_SUBJECTS = [
    "quota", "billing quota", "plan limit", "free tier", "daily allowance", "monthly allowance",
    "weekly usage limit", "usage limit", "spending limit", "budget", "daily token limit",
    "monthly request limit", "subscription quota", "free tier quota",
]  # fmt: skip
#: What a spent allowance says.
QUOTA_VERDICTS = [
    "Your {s} has been exceeded", "{S} exhausted", "{S} reached", "You have used up your {s}",
    "{S} depleted", "No remaining {s}", "{S} exceeded, please upgrade your plan",
    "You have reached your {s}", "{S} used up for this period",
]  # fmt: skip
RATE_STATUSES: list[int | None] = [None, 429, 400]
QUOTA_STATUSES: list[int | None] = [None, 429, 402, 403, 400]

#: Other languages: (language, category, texts).
LANGUAGES: list[tuple[str, str, list[str]]] = [
    ("zh", RATE, ["请求频率超过限制", "请求过于频繁，请稍后再试", "并发数超过限制", "每分钟请求数超限", "调用太频繁，请降低请求速率"]),
    ("zh", QUOTA, ["账户余额不足", "额度已用完，请充值", "配额已耗尽", "今日免费次数已用完", "套餐已到期，请续费", "账户已欠费"]),
    ("ja", RATE, ["レート制限を超えました", "リクエストが多すぎます。しばらくしてから再試行してください", "1分あたりのリクエスト数の上限に達しました"]),
    ("ja", QUOTA, ["クレジットが不足しています", "残高が不足しています", "今月の利用上限に達しました"]),
    ("ko", RATE, ["요청이 너무 많습니다. 잠시 후 다시 시도하세요", "분당 요청 한도를 초과했습니다"]),
    ("ko", QUOTA, ["잔액이 부족합니다", "크레딧이 부족합니다", "이번 달 사용 한도를 모두 사용했습니다"]),
    ("ru", RATE, ["Слишком много запросов, попробуйте позже", "Превышен лимит запросов в минуту"]),
    ("ru", QUOTA, ["Недостаточно средств на балансе", "Квота исчерпана, пополните баланс"]),
    ("es", RATE, ["Demasiadas solicitudes, inténtelo más tarde", "Límite de solicitudes por minuto excedido"]),
    ("es", QUOTA, ["Saldo insuficiente", "Créditos agotados, recargue su cuenta"]),
    ("pt", RATE, ["Muitas requisições, tente novamente mais tarde", "Limite de requisições por minuto excedido"]),
    ("pt", QUOTA, ["Saldo insuficiente na conta", "Créditos esgotados, recarregue sua conta"]),
    ("fr", RATE, ["Trop de requêtes, veuillez réessayer plus tard", "Limite de requêtes par minute dépassée"]),
    ("fr", QUOTA, ["Solde insuffisant", "Crédits épuisés, veuillez recharger votre compte"]),
    ("de", RATE, ["Zu viele Anfragen, bitte später erneut versuchen", "Anfragelimit pro Minute überschritten"]),
    ("de", QUOTA, ["Guthaben unzureichend", "Kontingent erschöpft, bitte Guthaben aufladen"]),
]  # fmt: skip


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _product(
    subjects: list[str], verdicts: list[str], statuses: list[int | None]
) -> Iterator[tuple[str, int | None]]:
    for index, (subject, verdict) in enumerate(itertools.product(subjects, verdicts)):
        bare = subject.removeprefix("the ")
        yield _cap(verdict.format(s=subject, S=_cap(bare))), statuses[index % len(statuses)]


def rate_cases() -> Iterator[tuple[str, int | None]]:
    """Every short-window subject x throttle verdict."""
    return _product(RATE_SUBJECTS, RATE_VERDICTS, RATE_STATUSES)


def quota_cases() -> Iterator[tuple[str, int | None]]:
    """Every money or long-window subject x spent verdict."""
    yield from _product(MONEY_SUBJECTS, MONEY_VERDICTS, QUOTA_STATUSES)
    yield from _product(QUOTA_SUBJECTS, QUOTA_VERDICTS, QUOTA_STATUSES)


def language_cases() -> Iterator[tuple[str, str, str, int | None]]:
    """(language, category, text, status) for the other languages."""
    index = 0
    for language, category, texts in LANGUAGES:
        statuses = RATE_STATUSES if category == RATE else QUOTA_STATUSES
        for text in texts:
            yield language, category, text, statuses[index % len(statuses)]
            index += 1


def throttle_cases() -> Iterator[tuple[str, int | None, str]]:
    """(text, status, category) for every generated case (the probe's entry point)."""
    for text, status in rate_cases():
        yield text, status, RATE
    for text, status in quota_cases():
        yield text, status, QUOTA
    for _language, category, text, status in language_cases():
        yield text, status, category
