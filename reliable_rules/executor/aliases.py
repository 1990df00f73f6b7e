"""Model fallback chains: a fallback may itself have fallbacks (an alias of an alias).

``model_fallbacks={"big": ["medium"], "medium": ["small"]}`` makes the chain of ``big``
``big → medium → small``. Each fallback is followed by its own chain before the next fallback
of the same list (as if every model name stood for its whole chain), each model is tried once,
and the nesting is bounded: a model's fallbacks are depth 1, theirs depth 2, and so on to
:data:`MAX_DEPTH`. A cycle (``a → b → a``) or a deeper chain is a configuration mistake,
reported when the executor is built with :class:`~reliable_rules.errors.ModelFallbackError`,
never found in the middle of a call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reliable_rules.errors import ModelFallbackError

__all__ = ["MAX_DEPTH", "expand_fallbacks"]

#: How deep fallbacks of fallbacks may nest.
MAX_DEPTH = 3


def expand_fallbacks(
    fallbacks: Mapping[str, Sequence[str]], *, max_depth: int = MAX_DEPTH
) -> dict[str, tuple[str, ...]]:
    """Every model's full chain of fallbacks (without the model itself), or
    :class:`ModelFallbackError` for a cycle or a chain deeper than ``max_depth``."""
    direct = {str(model): tuple(str(name) for name in chain) for model, chain in fallbacks.items()}
    return {model: _chain(model, direct, max_depth) for model in direct}


def _chain(model: str, direct: Mapping[str, tuple[str, ...]], max_depth: int) -> tuple[str, ...]:
    out: list[str] = []
    # (model, path from the requested model to it), depth first, in list order.
    stack: list[tuple[str, tuple[str, ...]]] = [(model, (model,))]
    while stack:
        current, path = stack.pop()
        children = direct.get(current, ())
        for child in reversed(children):
            if child in path:
                cycle = (*path, child)
                raise ModelFallbackError(
                    f"model_fallbacks has a cycle: {' -> '.join(cycle)}", chain=cycle
                )
            if len(path) > max_depth:
                deep = (*path, child)
                raise ModelFallbackError(
                    f"model_fallbacks nests deeper than {max_depth}: {' -> '.join(deep)}",
                    chain=deep,
                )
            stack.append((child, (*path, child)))
        if current != model and current not in out:
            out.append(current)
    return tuple(out)
