"""The package's public surface: ``__all__`` is sorted, complete, and pinned (like httpx's test)."""

from __future__ import annotations
import __future__

import re
import subprocess
import sys
import types

import reliable_rules

# The public API. Changing it is an API change: update this list deliberately.
PINNED = [
    "DEFAULT_CATEGORIES",
    "Action",
    "AllProvidersFailed",
    "Attempt",
    "AttemptRecord",
    "AttemptStartEvent",
    "AttemptTimeout",
    "CallCancelled",
    "CallEndEvent",
    "CallStartEvent",
    "CancelToken",
    "Category",
    "ChatProvider",
    "ChatRequest",
    "ChatResponse",
    "CircuitBreakerPolicy",
    "CircuitEvent",
    "ContextWindowExceeded",
    "DeadlineExceeded",
    "Decision",
    "ExecutionError",
    "Failure",
    "FallbackEvent",
    "FallbackInfo",
    "GiveUpEvent",
    "Hooks",
    "MemoryState",
    "Message",
    "MissingExtra",
    "NoStreamingProvider",
    "OpenTelemetryHooks",
    "Outcome",
    "Policy",
    "Problem",
    "PrometheusHooks",
    "RateBudget",
    "RedisState",
    "ReliableExecutor",
    "ReliableRulesError",
    "ReloadingRuleSet",
    "ResponseFormatMismatch",
    "RetryEvent",
    "Rule",
    "RuleSet",
    "RuleSetDiff",
    "RuleSetError",
    "RuleSourceError",
    "RuleTest",
    "RulesRetry",
    "SkipEvent",
    "StateStore",
    "StoreFallbackEvent",
    "StreamEvent",
    "ToolCall",
    "Usage",
    "__version__",
    "classify",
    "diff_rulesets",
    "load_rules",
    "retrying",
    "scope_provider_fallback",
    "take_last_provider_fallback",
    "to_failure",
]

#: Exported lazily (PEP 562): attributes of the package only once used, so that
#: ``import reliable_rules`` does not import an optional dependency.
LAZY = {"OpenTelemetryHooks", "PrometheusHooks", "RedisState"}

_CONSTANT = re.compile(r"^_*[A-Z0-9_]+$")
_CLASS = re.compile(r"^_*[A-Z][A-Za-z0-9]*$")


def _isort_style(name: str) -> tuple[int, str]:
    """Ruff RUF022's order: SCREAMING_CASE, then CamelCase, then everything else."""
    if _CONSTANT.match(name) and len(name.strip("_")) > 1:
        return (0, name)
    if _CLASS.match(name):
        return (1, name)
    return (2, name)


def test_all_is_pinned() -> None:
    """reliable_rules.__all__ is exactly the pinned public API."""
    assert reliable_rules.__all__ == PINNED


def test_all_is_sorted() -> None:
    """__all__ is sorted the way ruff's RUF022 sorts it (constants, classes, then the rest)."""
    assert reliable_rules.__all__ == sorted(reliable_rules.__all__, key=_isort_style)
    assert len(set(reliable_rules.__all__)) == len(reliable_rules.__all__)


def test_every_name_in_all_exists() -> None:
    """Every name in __all__ is an attribute of the package."""
    missing = [name for name in reliable_rules.__all__ if not hasattr(reliable_rules, name)]
    assert missing == []


def test_every_public_attribute_is_exported() -> None:
    """Every public, non-module attribute of the package is listed in __all__.

    Names imported only for annotations (``Mapping``) must not leak as public attributes;
    ``from __future__ import annotations`` is a compiler directive and is not counted; the
    lazy names are attributes once used.
    """
    public = sorted(
        name
        for name, value in vars(reliable_rules).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and not isinstance(value, __future__._Feature)
    )
    exported = sorted(name for name in reliable_rules.__all__ if not name.startswith("_"))
    assert sorted({*public, *LAZY}) == exported


def test_star_import_gives_exactly_all() -> None:
    """`from reliable_rules import *` binds exactly the names in __all__."""
    namespace: dict[str, object] = {}
    exec("from reliable_rules import *", namespace)
    namespace.pop("__builtins__", None)
    assert sorted(namespace) == sorted(reliable_rules.__all__)


def test_version_is_a_string() -> None:
    """__version__ is a non-empty PEP 440-ish string."""
    assert isinstance(reliable_rules.__version__, str)
    assert re.match(r"^\d+\.\d+", reliable_rules.__version__)


_SHADOW_CHECK = """
import importlib, pkgutil, types, reliable_rules
skip = {"__main__", "_otel", "_prometheus", "otel", "prometheus"}
for info in pkgutil.walk_packages(reliable_rules.__path__, "reliable_rules."):
    if info.name.rsplit(".", 1)[-1] not in skip:
        importlib.import_module(info.name)
print(sorted(n for n in reliable_rules.__all__
             if isinstance(getattr(reliable_rules, n), types.ModuleType)))
"""


def test_no_submodule_shadows_a_public_name() -> None:
    """Importing submodules before a public name is first used leaves every public name what
    it is: a submodule named like a lazily exported function (``reliable_rules.retrying``
    once) replaced the function with itself on import."""
    done = subprocess.run(
        [sys.executable, "-c", _SHADOW_CHECK], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
