"""Normalise anything an API call can fail with into a :class:`Failure`.

Accepted: a string or bytes; any exception, with its ``__cause__``/``__context__`` chain and
the exceptions that ``requests`` and ``urllib3`` nest inside their own (``MaxRetryError.reason``,
``ProtocolError`` arguments); ``requests``/``urllib3``/``httpx`` responses and the errors that
carry them; provider SDK errors by duck typing (``status_code``, ``status``, ``response``,
``headers``, ``body``) without importing any SDK; and explicit ``status``/``headers``/``body``.

Nothing here raises: an attribute that raises, a ``__str__`` that raises, or a body that does
not decode yields less information, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

__all__ = [
    "MAX_TEXT_CHARS",
    "Failure",
    "carrier_parts",
    "new_failure",
    "plain_exception_key",
    "to_failure",
    "with_exception_types",
]

# Matching scans the whole text; a 10 MB HTML error page is cut to its first million characters,
# far more than any provider error needs and still bounded in time.
MAX_TEXT_CHARS = 1_000_000
_MAX_CHAIN = 16
_EMPTY_HEADERS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Failure:
    """What a rule can look at: the text, a typed status, headers, body and exception types."""

    message: str = ""
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY_HEADERS)
    body: str | None = None
    exception_types: frozenset[str] = frozenset()
    provider: str | None = None
    model: str | None = None

    @property
    def text(self) -> str:
        """The message and cause chain, followed by the body when the message lacks it."""
        body = self.body
        if not body or body in self.message:
            return self.message
        if not self.message:
            return body
        return f"{self.message}\n{body}"[:MAX_TEXT_CHARS]


# A frozen dataclass's __init__ sets each field through object.__setattr__ and calls the
# headers default factory: 1.0 us for the message-and-status Failure of nearly every
# classification. The slots' own setters build the same object in a third of that.
_SET_MESSAGE = Failure.__dict__["message"].__set__
_SET_STATUS = Failure.__dict__["status"].__set__
_SET_HEADERS = Failure.__dict__["headers"].__set__
_SET_BODY = Failure.__dict__["body"].__set__
_SET_TYPES = Failure.__dict__["exception_types"].__set__
_SET_PROVIDER = Failure.__dict__["provider"].__set__
_SET_MODEL = Failure.__dict__["model"].__set__
_NO_TYPES: frozenset[str] = frozenset()


def new_failure(
    message: str,
    status: int | None,
    *,
    headers: Mapping[str, str],
    body: str | None,
    exception_types: frozenset[str],
    provider: str | None,
    model: str | None,
) -> Failure:
    """``Failure(...)`` of fields already normalised (``headers`` read-only), built faster
    (see above): for the hot paths that have them."""
    failure = object.__new__(Failure)
    _SET_MESSAGE(failure, message)
    _SET_STATUS(failure, status)
    _SET_HEADERS(failure, headers)
    _SET_BODY(failure, body)
    _SET_TYPES(failure, exception_types)
    _SET_PROVIDER(failure, provider)
    _SET_MODEL(failure, model)
    return failure


def _message_failure(message: str, status: int | None) -> Failure:
    """``Failure(message, status)``, built faster (see above)."""
    return new_failure(
        message, status, headers=_EMPTY_HEADERS, body=None, exception_types=_NO_TYPES,
        provider=None, model=None,
    )  # fmt: skip


def _get(obj: object, name: str) -> Any:
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 — a property that raises must not break classification
        return None


def _safe_str(obj: object) -> str:
    try:
        text = str(obj)
    except Exception:  # noqa: BLE001 — __str__ is user code; it may raise anything
        try:
            return f"<{type(obj).__name__}>"
        except Exception:  # noqa: BLE001 — even the class name can be a raising property
            return "<unprintable error>"
    return exact_str(text) or ""


def _exception_text(error: object) -> str:
    """``str(error)``, without building a huge text only to cut it: an exception holding one
    string longer than :data:`MAX_TEXT_CHARS` gives its prefix (``KeyError`` its quoted
    prefix, as ``str(KeyError(...))`` quotes)."""
    try:
        args = getattr(error, "args", None) if isinstance(error, BaseException) else None
        method = type(error).__str__
    except Exception:  # noqa: BLE001 — odd objects take the general path
        return _safe_str(error)
    if isinstance(args, tuple) and len(args) == 1 and type(args[0]) is str:
        text = args[0]
        if len(text) > MAX_TEXT_CHARS:
            if method is BaseException.__str__:
                return text[:MAX_TEXT_CHARS]
            if method is KeyError.__str__:
                return repr(text[:MAX_TEXT_CHARS])[:MAX_TEXT_CHARS]
    return _safe_str(error)


def exact_str(value: object) -> str | None:
    """``value`` as a plain ``str`` (a subclass's own ``__eq__``, ``__hash__`` or
    ``__contains__`` dropped, its characters kept), or None when it is no string."""
    if type(value) is str:
        return value
    if isinstance(value, str):
        try:
            return str.__str__(value)
        except TypeError:  # an object that only claims to be a str through __class__
            return None
    return None


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value[:MAX_TEXT_CHARS]
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value[:MAX_TEXT_CHARS]).decode("utf-8", "replace")
    if isinstance(value, Mapping | list | tuple):
        import json  # noqa: PLC0415 — on first use: loading rules never needs json

        try:
            return json.dumps(value, ensure_ascii=False, default=str)[:MAX_TEXT_CHARS]
        except (TypeError, ValueError, RecursionError):
            return _safe_str(value)[:MAX_TEXT_CHARS]
    return _safe_str(value)[:MAX_TEXT_CHARS]


def _as_status(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 9999 else None
    # http.HTTPStatus is an int; some SDKs give the status as a numeric string.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        return int(value)
    return None


def _plain_headers(value: dict[Any, Any]) -> dict[str, str] | None:
    """A dict of str to str (what adapters build), lowercased in one pass; None otherwise."""
    for name, header_value in value.items():
        if type(name) is not str or type(header_value) is not str:
            return None
    result = {name.strip().lower(): text.strip() for name, text in value.items()}
    return result if len(result) == len(value) else None  # names differing in case: merged below


def _headers(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if type(value) is dict and len(value) <= 512:
        plain = _plain_headers(value)
        if plain is not None:
            return plain
    items: Any
    try:
        items = value.items() if hasattr(value, "items") else value
        result: dict[str, str] = {}
        for count, pair in enumerate(items):
            if count >= 512:
                break
            name, header_value = pair
            key = _safe_str(name).strip().lower()
            text = _safe_str(header_value).strip()
            result[key] = f"{result[key]}, {text}" if key in result else text
    except Exception:  # noqa: BLE001 — header containers vary by library; odd ones yield none
        return {}
    return result


def _response_parts(response: object) -> tuple[int | None, dict[str, str], str | None]:
    """Status, headers and body of a requests/urllib3/httpx-style response object."""
    status = _as_status(_get(response, "status_code"))
    if status is None:
        status = _as_status(_get(response, "status"))
    headers = _headers(_get(response, "headers"))
    body = None
    for attribute in ("text", "data", "content"):
        value = _get(response, attribute)
        if callable(value) or value is None:
            continue
        body = _as_text(value)
        if body is not None:
            break
    return status, headers, body


def _chain(error: BaseException) -> list[BaseException]:
    """The error, its causes and contexts, and exceptions nested by requests/urllib3."""
    seen: set[int] = set()
    ordered: list[BaseException] = []
    pending: list[BaseException] = [error]
    while pending and len(ordered) < _MAX_CHAIN:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        ordered.append(current)
        nested: list[object] = [
            _get(current, "reason")
        ]  # urllib3 MaxRetryError / NewConnectionError
        args = _get(current, "args")
        if isinstance(args, tuple):
            nested.extend(args)
        nested.append(_get(current, "__cause__"))
        if not _get(current, "__suppress_context__"):
            nested.append(_get(current, "__context__"))
        pending.extend(item for item in nested if isinstance(item, BaseException))
    return ordered


#: Attributes through which an exception can carry a response, a status or nested errors.
_CARRIERS = ("response", "status_code", "status", "headers", "body", "reason")
_CLASS_NAMES: dict[type, frozenset[str]] = {}
_PLAIN_CLASSES: dict[type, bool] = {}


def _class_names(klass: type) -> frozenset[str]:
    """The names of ``klass`` and its bases (without ``object``), computed once per class."""
    names = _CLASS_NAMES.get(klass)
    if names is None:
        names = frozenset(base.__name__ for base in klass.__mro__ if base is not object)
        if len(_CLASS_NAMES) < 4096:  # bounded: classes made on the fly must not grow it forever
            _CLASS_NAMES[klass] = names
    return names


def _plain_class(klass: type) -> bool:
    """Whether no class in ``klass``'s MRO defines an attribute that carries a response."""
    plain = _PLAIN_CLASSES.get(klass)
    if plain is None:
        plain = not any(name in vars(base) for base in klass.__mro__ for name in _CARRIERS)
        if len(_PLAIN_CLASSES) < 4096:
            _PLAIN_CLASSES[klass] = plain
    return plain


def _type_names(errors: list[BaseException]) -> frozenset[str]:
    if len(errors) == 1:
        return _class_names(type(errors[0]))
    names: set[str] = set()
    for error in errors:
        names.update(_class_names(type(error)))
    return frozenset(names)


def _plain_exception(error: BaseException) -> bool:
    """A lone exception with nothing attached: its text and class names are all there is.

    The executor classifies one exception per failed attempt; most are this simple, and the
    general walk over causes, contexts, arguments and response attributes costs several times
    more than the classification itself.
    """
    if error.__cause__ is not None or (
        error.__context__ is not None and not error.__suppress_context__
    ):
        return False
    if getattr(error, "__dict__", None) or not _plain_class(type(error)):
        return False
    # A loop, not all(<generator>): this runs on every failed attempt.
    for arg in error.args:  # noqa: SIM110 — a generator costs more than the whole check
        if isinstance(arg, BaseException):
            return False
    return True


def _from_exception(
    error: BaseException,
) -> tuple[str, int | None, dict[str, str], str | None, frozenset[str]]:
    chain = _chain(error)
    parts: list[str] = []
    # Each text is cut to what the message can hold, and the walk stops once it is full:
    # sixteen chained 50 MB messages must not become an 800 MB join.
    held = 0
    for item in chain:
        if held >= MAX_TEXT_CHARS:
            break
        text = _exception_text(item)
        if len(text) > MAX_TEXT_CHARS - held:
            text = text[: MAX_TEXT_CHARS - held]
        if text and not any(text in part for part in parts):
            parts.append(text)
            held += len(text) + 2
    message = ": ".join(parts)[:MAX_TEXT_CHARS]

    status = None
    headers: dict[str, str] = {}
    body: str | None = None
    for item in chain:
        response = _get(item, "response")
        if response is not None and not isinstance(response, str | bytes):
            r_status, r_headers, r_body = _response_parts(response)
            status = status if status is not None else r_status
            headers = headers or r_headers
            body = body if body is not None else r_body
        if status is None:
            status = _as_status(_get(item, "status_code"))
        if status is None:
            status = _as_status(_get(item, "status"))
        if not headers:
            headers = _headers(_get(item, "headers"))
        if body is None:
            body = _as_text(_get(item, "body"))
    return message, status, headers, body, _type_names(chain)


def to_failure(
    error: object = None,
    *,
    status: int | None = None,
    headers: Mapping[str, object] | None = None,
    body: object = None,
    provider: str | None = None,
    model: str | None = None,
) -> Failure:
    """Normalise ``error`` plus the explicit keywords (which win) into a :class:`Failure`.

    Never raises: an input that defeats even ``isinstance`` (a proxy whose every attribute
    access raises) becomes a Failure with only the explicit keywords and a placeholder message.
    """
    try:
        return _normalise(
            error, status=status, headers=headers, body=body, provider=provider, model=model
        )
    except Exception:  # noqa: BLE001 — the promise is "never raises", whatever the input does
        return Failure(
            message=_exception_text(error)[:MAX_TEXT_CHARS],
            status=_as_status(status),
            provider=provider if isinstance(provider, str) else None,
            model=model if isinstance(model, str) else None,
        )


def plain_exception_key(error: object) -> tuple[type, str] | None:
    """``(class, message)`` when ``error`` is a lone exception with nothing attached (so that
    pair determines its :class:`Failure`), else None. Used to memoise classifications."""
    if isinstance(error, BaseException) and _plain_exception(error):
        # Only the first MAX_TEXT_CHARS characters reach the Failure: the key needs no more
        # (a 50 MB message must not be kept alive by the memo).
        return (type(error), _exception_text(error)[:MAX_TEXT_CHARS])
    return None


#: The parts of a :class:`Failure` read from an exception: message, status, headers, body and
#: exception class names.
CarrierParts = tuple[str, int | None, dict[str, str], str | None, frozenset[str]]


def carrier_parts(error: object) -> CarrierParts | None:
    """What ``to_failure(error)`` reads from an exception that carries its own status,
    headers or body (a provider's HTTP error built by hand or by an adapter that keeps no
    response object), without the general walk: None for anything else (a cause, an active
    context, a nested exception, a response object, or a lone exception with nothing
    attached, which :func:`plain_exception_key` covers). Never raises.

    The same reads in the same order as the walk over a chain of one, so a Failure built from
    these parts equals the one ``to_failure`` builds. Used to memoise classifications of
    repeated provider errors."""
    try:
        if not isinstance(error, BaseException) or _plain_exception(error):
            return None
        if error.__cause__ is not None or (
            error.__context__ is not None and not error.__suppress_context__
        ):
            return None
        # Plain getattr: an attribute that raises ends here (None), and the general walk,
        # which reads it with _get, decides.
        args = getattr(error, "args", None)
        if not isinstance(args, tuple):
            return None
        for arg in args:
            if isinstance(arg, BaseException):
                return None
        if isinstance(getattr(error, "reason", None), BaseException):
            return None
        response = getattr(error, "response", None)
        if response is not None and not isinstance(response, str | bytes):
            return None
        status = _as_status(getattr(error, "status_code", None))
        if status is None:
            status = _as_status(getattr(error, "status", None))
        return (
            _exception_text(error)[:MAX_TEXT_CHARS],
            status,
            _headers(getattr(error, "headers", None)),
            _as_text(getattr(error, "body", None)),
            _class_names(type(error)),
        )
    except Exception:  # noqa: BLE001 — odd exceptions take the general path
        return None


def _normalise(
    error: object,
    *,
    status: int | None,
    headers: Mapping[str, object] | None,
    body: object,
    provider: str | None,
    model: str | None,
) -> Failure:
    if (
        type(error) is str
        and headers is None
        and body is None
        and provider is None
        and model is None
    ):
        # The common case on the error path (a message, perhaps a status): skip the general
        # merge below, which builds a second Failure.
        message = error if len(error) <= MAX_TEXT_CHARS else error[:MAX_TEXT_CHARS]
        if status is None or (type(status) is int and 0 <= status <= 9999):
            return _message_failure(message, status)
        return _message_failure(message, _as_status(status))
    if (
        isinstance(error, BaseException)
        and headers is None
        and body is None
        and status is None
        and _plain_exception(error)
    ):
        return Failure(
            _exception_text(error)[:MAX_TEXT_CHARS],
            None,
            _EMPTY_HEADERS,
            None,
            _class_names(type(error)),
            provider if isinstance(provider, str) else None,
            model if isinstance(model, str) else None,
        )
    if isinstance(error, Failure):
        base = error
    elif error is None:
        base = Failure()
    elif isinstance(error, str):
        base = Failure(message=error[:MAX_TEXT_CHARS])
    elif isinstance(error, bytes | bytearray | memoryview):
        base = Failure(message=_as_text(error) or "")
    elif isinstance(error, BaseException):
        message, e_status, e_headers, e_body, names = _from_exception(error)
        base = Failure(message, e_status, MappingProxyType(e_headers), e_body, names)
    else:
        r_status, r_headers, r_body = _response_parts(error)
        nested = _get(error, "body")
        if r_body is None and nested is not None:
            r_body = _as_text(nested)
        if r_status is None and not r_headers and r_body is None:
            base = Failure(message=_exception_text(error)[:MAX_TEXT_CHARS])
        else:
            base = Failure("", r_status, MappingProxyType(r_headers), r_body)

    if status is None and headers is None and body is None and provider is None and model is None:
        return base  # nothing to merge (the executor's case): no second Failure
    explicit_headers = _headers(headers) if headers is not None else None
    explicit_status = _as_status(status) if status is not None else None
    return Failure(
        message=base.message,
        status=explicit_status if explicit_status is not None else base.status,
        headers=MappingProxyType(explicit_headers)
        if explicit_headers is not None
        else base.headers,
        body=_as_text(body) if body is not None else base.body,
        exception_types=base.exception_types,
        provider=provider if isinstance(provider, str) else base.provider,
        model=model if isinstance(model, str) else base.model,
    )


def with_exception_types(failure: Failure, names: Iterable[str]) -> Failure:
    """``failure`` also carrying these exception class names (as if raised as those types)."""
    added = frozenset(names)
    if added <= failure.exception_types:
        return failure
    return replace(failure, exception_types=failure.exception_types | added)
