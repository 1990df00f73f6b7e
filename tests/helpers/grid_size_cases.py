"""The context-overflow grid's cases, generated from the concept: subject x verdict x word
order (x status), in English and eight more languages, plus the near misses it must leave
alone. Shared by tests/rulefiles/test_grid_size.py; nothing here is copied from a record."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

CONTEXT = "context_window_exceeded"

#: Subjects that have a length (measured in tokens or characters).
LENGTH_SUBJECTS = [
    "the prompt", "the input", "your messages", "the message", "the text", "the document",
    "the input sequence", "the sequence length", "the context length", "the context window",
    "the request body", "the payload", "the input length", "the prompt length",
    "the conversation history", "the token count", "the number of input tokens",
]  # fmt: skip
#: Subjects whose size is the request's own (the corpus labels an image's or a file's size
#: the caller's mistake: see MEDIA_SUBJECTS).
SIZE_SUBJECTS = ["the request size", "the batch", "the content"]
#: An image's or a file's size, pixels or dimensions: client_error (the label table).
MEDIA_SUBJECTS = ["the image size", "the image dimensions", "the file size", "the image"]
#: Units a count of which can be too many.
UNITS = ["tokens", "input tokens", "prompt tokens", "characters", "words"]

#: Verdicts with the subject first ({s}) and a number ({n}).
SUBJECT_FIRST = [
    "{s} is too long", "{s} is too large", "{s} is too big", "{S} too long",
    "{s} exceeds the maximum of {n}", "{s} exceeded the limit", "{S} exceeds {n}",
    "{s} is over the limit of {n}", "{s} is beyond the maximum allowed", "{s} is above the max",
    "{s} is greater than the maximum allowed ({n})", "{s} is larger than {n}",
    "{s} must be at most {n}", "{s} must be less than {n}", "{s} must be <= {n}",
    "{s} must be no more than {n}", "{s} cannot exceed {n}", "{s} should not exceed {n}",
]  # fmt: skip
#: Verdicts that come before the subject.
VERDICT_FIRST = [
    "Exceeded maximum {r}", "Too long {r}", "Please reduce {s} and try again",
    "Shorten {s}", "truncate {s} before sending",
]  # fmt: skip
#: A "limit exceeded" whose subject is a length (a "message limit" is a plan's allowance).
LIMIT_SUBJECTS = [
    "context length",
    "prompt length",
    "input length",
    "token count",
    "sequence length",
]
#: Count verdicts over units ({u}).
UNIT_VERDICTS = [
    "too many {u}", "Too many {u} in the request", "the request has more than {n} {u}",
    "input contains more than {n} {u}", "{U} count exceeds the limit",
    "the prompt must be {n} {u} or fewer", "{n} {u} is the maximum allowed, got {m}",
]  # fmt: skip
#: Statuses the concept comes under (none: an untyped message).
STATUSES: list[int | None] = [None, 400, 413, 422, 500]

#: Other languages: (subjects, verdict templates with {s}).
LANGUAGES: dict[str, tuple[list[str], list[str]]] = {
    "zh": (["输入", "提示词", "文本", "上下文", "token数量", "请求体", "消息", "输入长度"],
           ["{s}超过最大限制", "{s}超出模型上限", "{s}过长", "{s}太长，请缩短", "{s}超过了最大长度"]),
    "ja": (["入力", "プロンプト", "テキスト", "トークン数", "コンテキスト", "メッセージ"],
           ["{s}が長すぎます", "{s}が上限を超えています", "{s}が最大長を超過しました"]),
    "ko": (["입력", "프롬프트", "텍스트", "토큰 수", "컨텍스트 길이"],
           ["{s}이 최대 한도를 초과했습니다", "{s}가 너무 깁니다"]),
    "ru": (["Текст", "Длина запроса", "Количество токенов", "Входной текст", "Промпт"],
           ["{s} превышает максимально допустимую", "{s} слишком длинный", "{s} превысил лимит контекста"]),
    "es": (["El texto", "La entrada", "El prompt", "La longitud del mensaje", "El número de tokens"],
           ["{s} es demasiado largo", "{s} excede el límite del modelo", "{s} supera la longitud máxima"]),
    "pt": (["O texto", "A entrada", "O prompt", "O comprimento da mensagem", "O tamanho do contexto"],
           ["{s} é muito longo", "{s} excede o limite do modelo", "{s} ultrapassa o tamanho máximo"]),
    "fr": (["Le texte", "L'entrée", "Le prompt", "La longueur du message", "Le nombre de jetons"],
           ["{s} est trop long", "{s} dépasse la limite du modèle", "{s} excède la taille maximale"]),
    "de": (["Der Text", "Die Eingabe", "Der Prompt", "Die Länge der Nachricht", "Die Anzahl der Token"],
           ["{s} ist zu lang", "{s} überschreitet das Limit des Modells", "{s} übersteigt die maximale Größe"]),
}  # fmt: skip


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def english_cases() -> Iterator[tuple[str, int | None]]:
    """Every English subject x verdict x order, each under one of the statuses in turn."""
    texts: list[str] = []
    for subject, verdict in itertools.product(LENGTH_SUBJECTS + SIZE_SUBJECTS, SUBJECT_FIRST):
        bare = subject.split(" ", 1)[1]
        texts.append(_cap(verdict.format(s=subject, S=bare, n=8192)))
    for subject, verdict in itertools.product(LENGTH_SUBJECTS, VERDICT_FIRST):
        bare = subject.split(" ", 1)[1]
        texts.append(_cap(verdict.format(s=subject, r=bare)))
    for subject in LIMIT_SUBJECTS:
        texts.append(_cap(f"{subject} limit exceeded"))
    for unit, verdict in itertools.product(UNITS, UNIT_VERDICTS):
        texts.append(_cap(verdict.format(u=unit, U=_cap(unit), n=8192, m=9000)))
    for index, text in enumerate(texts):
        yield text, STATUSES[index % len(STATUSES)]


def language_cases() -> Iterator[tuple[str, str, int | None]]:
    """Every subject x verdict of each other language."""
    index = 0
    for language, (subjects, verdicts) in LANGUAGES.items():
        for subject, verdict in itertools.product(subjects, verdicts):
            yield language, verdict.format(s=subject), STATUSES[index % len(STATUSES)]
            index += 1


def size_cases() -> Iterator[tuple[str, int | None, str]]:
    """(text, status, category) for every generated case (the probe's entry point)."""
    for text, status in english_cases():
        yield text, status, CONTEXT
    for _language, text, status in language_cases():
        yield text, status, CONTEXT
