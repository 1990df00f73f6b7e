"""Loading rules never imports the ``regex`` package: its flags answer from a table, and the
shipped files' patterns (valid by test) compile on their first search, with answers identical
to patterns compiled up front."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import regex

from reliable_rules import load_rules
from reliable_rules.engine.extractors import RegexSource
from reliable_rules.engine.lazyregex import DeferredPattern, compiled_once
from reliable_rules.engine.lazyregex import regex as lazy
from reliable_rules.engine.nodes import Probe, Regex, walk
from reliable_rules.failure import to_failure

FLAGS = [name for name in dir(regex) if name.isupper() and isinstance(getattr(regex, name), int)]


@pytest.mark.parametrize("name", [n for n in FLAGS if n != "DEFAULT_VERSION"])
def test_every_flag_of_the_package_has_its_value_without_the_import(name: str) -> None:
    """Each flag the stand-in answers by itself equals the package's own."""
    assert name in vars(type(lazy)), f"{name} would import regex"
    assert vars(type(lazy))[name] == int(getattr(regex, name))


def test_anything_else_is_the_packages_own_object() -> None:
    """A function or class asked of the stand-in is the package's, not a copy."""
    assert lazy.compile is regex.compile
    assert lazy.error is regex.error


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"^(gpt|o)\d", 0, "gpt4"),
        (r"^(gpt|o)\d", 0, "GPT4"),
        (r"^(gpt|o)\d", regex.IGNORECASE, "GPT4"),
        (r"quota", 0, "no such thing"),
        (r"\p{L}+ limit", 0, "rate limit"),
    ],
)
def test_a_deferred_pattern_finds_what_the_compiled_one_finds(
    pattern: str, flags: int, text: str
) -> None:
    """DeferredPattern.search answers as regex.compile(...).search, with the same span."""
    deferred = DeferredPattern(pattern, flags)
    expected = regex.compile(pattern, flags).search(text)
    found = deferred.search(text)
    assert (found is None) == (expected is None)
    if found is not None and expected is not None:
        assert found.span() == expected.span()


def _probe(text: str) -> Probe:
    failure = to_failure(text)
    return Probe(failure, failure.text, failure.text.lower(), None)


@pytest.mark.parametrize(
    "text", ["Please retry after 12 sec", "retry after 1.5 sec", "no wait here", ""]
)
def test_a_regex_source_given_as_text_extracts_as_a_compiled_one(text: str) -> None:
    """RegexSource built from a pattern's text matches one built from its compiled form:
    needle, description and extracted wait."""
    pattern = r"retry after ([0-9]+(?:\.[0-9]+)?) ?sec"
    compiled = RegexSource(regex.compile(pattern, regex.IGNORECASE), "s")
    deferred = RegexSource(pattern, "s")
    assert deferred.needle == compiled.needle
    assert deferred.describe() == compiled.describe()
    assert deferred.extract(_probe(text)) == compiled.extract(_probe(text))
    assert deferred.compiled.flags == compiled.compiled.flags


def test_loading_builtin_default_never_imports_regex(tmp_path: Path) -> None:
    """A fresh process loads builtin:default (cold caches, then warm) without importing
    regex or json; the first classification that runs a regex imports it and finds the
    wait."""
    code = textwrap.dedent(
        """
        import sys
        import reliable_rules
        rules = reliable_rules.load_rules()
        assert "regex" not in sys.modules, "imported while loading"
        assert "json" not in sys.modules, "json imported while loading"
        decision = rules.classify(
            '{"error": {"message": "Rate limit reached. Please try again in 20s."}}',
            status=429,
        )
        print(decision.category, decision.retry_after_ms)
        """
    )
    environment = {
        "RELIABLE_RULES_CACHE_DIR": str(tmp_path),
        "PATH": "",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    outputs = []
    for _ in range(2):  # cold caches, then from them
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=environment,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.split())
    assert outputs[0] == outputs[1]
    assert outputs[0] == ["rate_limited", "20000"]


def _regex_nodes(rules_text: str, tmp_path: Path, name: str) -> list[Regex]:
    path = tmp_path / name
    path.write_text(rules_text, encoding="utf-8")
    rule_set = load_rules(path)
    return [
        node
        for node in walk(rule.node for rule in rule_set.classifier.rules)
        if isinstance(node, Regex)
    ]


def test_rule_sets_of_one_process_share_each_compiled_pattern(tmp_path: Path) -> None:
    """Two rule sets with the same regex hold one compiled object between them, and a
    deferred pattern compiled on first use is that object too."""
    text = textwrap.dedent(
        """\
        format: reliable-rules/v1
        name: NAME
        rules:
          - id: quota.words
            when: {regex: 'quota\\s+(?:exceeded|used\\s+up)[^.]{0,9}zz-shared'}
            then: {category: quota_exhausted}
        """
    )
    first = _regex_nodes(text.replace("NAME", "first"), tmp_path, "first.yaml")
    second = _regex_nodes(text.replace("NAME", "second"), tmp_path, "second.yaml")
    assert len(first) == len(second) == 1
    assert first[0].compiled is second[0].compiled
    deferred = DeferredPattern(first[0].pattern, regex.IGNORECASE)  # the loader's flags
    assert deferred.compiled is first[0].compiled
    assert compiled_once(first[0].pattern, regex.IGNORECASE) is first[0].compiled


def test_a_pattern_that_does_not_compile_raises_every_time() -> None:
    """An invalid pattern is not remembered: each caller gets the package's own error."""
    for _ in range(2):
        with pytest.raises(regex.error):
            compiled_once("(unclosed", 0)
