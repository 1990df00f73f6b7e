"""Text findings that point at the line: the stable code, the place, the message, then the
source line with a caret under the column and, for a common YAML mistake, what to do::

    RR202 my-rules.yaml:6:12: rules[0].when: unknown key 'contain' (did you mean 'contains'?)
        6 |     when: {contain: quota}
          |            ^
          = help: rename 'contain' to 'contains'
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from reliable_rules.authoring.codes import advice, number_of
from reliable_rules.ruleset.loader import registered_text
from reliable_rules.ruleset.resources import rules_dir

__all__ = ["render", "source_line"]

@lru_cache(maxsize=64)
def _lines(file: str) -> tuple[str, ...]:
    if file.startswith("builtin:"):
        name = file[len("builtin:") :]
        path = rules_dir() / (name if name.endswith((".yaml", ".yml")) else f"{name}.yaml")
    else:
        path = Path(file)
    try:
        return tuple(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return ()


def source_line(file: str, line: int) -> str | None:
    """Line ``line`` (1-based) of ``file``, or None when it cannot be read."""
    registered = registered_text(file)  # <stdin>: not cached, another run may register anew
    lines = (
        tuple(registered.decode("utf-8", "replace").splitlines())
        if registered is not None
        else _lines(file)
    )
    return lines[line - 1] if 0 < line <= len(lines) else None


def render(
    code: str,
    file: str,
    line: int,
    column: int,
    message: str,
    *,
    related: Iterable[str] = (),
) -> str:
    """The finding as text: ``RRnnn FILE:LINE:COL: message``, its source line with a caret,
    a help sentence for a common YAML mistake, and ``related:`` places."""
    out = [f"{number_of(code)} {file}:{line}:{column}: {message}"]
    text = source_line(file, line)
    if text is not None:
        gutter = " " * len(str(line))
        shown = text.rstrip("\n")
        # The caret keeps the line's tabs, so it stands under the column in any terminal.
        pad = "".join(char if char == "\t" else " " for char in shown[: max(0, column - 1)])
        out += [f"    {line} | {shown}", f"    {gutter} | {pad}^"]
        hint = advice(code, message, shown)
        if hint:
            out.append(f"    {gutter} = help: {hint}")
    out += [f"  related: {place}" for place in related]
    return "\n".join(out)
