"""Layering of rule files: extends, disable, override by id, merged conditions/categories/policy."""

from __future__ import annotations

from pathlib import Path

import pytest

import reliable_rules
from reliable_rules import Action, Policy, Rule, RuleSet, load_rules
from reliable_rules.failure import to_failure

HEAD = "format: reliable-rules/v1\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _rule(rule_id: str, contains: str, category: str) -> str:
    return (
        f"  - id: {rule_id}\n"
        f"    when: {{contains: {contains}}}\n"
        f"    then: {{category: {category}}}\n"
    )


def _ids(rules: RuleSet) -> list[str]:
    return [rule.id for rule in rules.rules]


def test_own_rules_are_evaluated_before_base_rules(tmp_path: Path) -> None:
    """A file's own rule wins over a base rule that matches the same failure."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD
        + "name: child\nextends: builtin:seed\n"
        + "rules:\n"
        + "  - id: child.busy\n"
        + "    when: {contains: Too Many Requests}\n"
        + "    then: {category: server_error}\n",
    )
    rules = load_rules(path)
    base = load_rules("builtin:seed")
    assert _ids(rules) == ["child.busy", *_ids(base)]
    decision = rules.classify("429 Too Many Requests")
    assert (decision.category, decision.rule_id) == ("server_error", "child.busy")
    assert base.classify("429 Too Many Requests").rule_id == "seed.rate-limit.text"


def test_bases_follow_in_extends_order(tmp_path: Path) -> None:
    """With several bases, their rules follow the file's own in `extends` order."""
    _write(
        tmp_path / "b1.yaml",
        HEAD + "name: b1\nrules:\n" + _rule("b1.r", "shared", "timeout"),
    )
    _write(
        tmp_path / "b2.yaml",
        HEAD + "name: b2\nrules:\n" + _rule("b2.r", "shared", "server_error"),
    )
    top = _write(
        tmp_path / "top.yaml",
        HEAD
        + "name: top\nextends: [b1.yaml, b2.yaml]\nrules:\n"
        + _rule("top.r", "mine", "auth_failed"),
    )
    rules = load_rules(top)
    assert _ids(rules) == ["top.r", "b1.r", "b2.r"]
    assert rules.classify("shared words").rule_id == "b1.r"


def test_shared_base_is_layered_once(tmp_path: Path) -> None:
    """Two bases that both extend builtin:seed (a diamond) do not duplicate its rules."""
    for name in ("left", "right"):
        _write(tmp_path / f"{name}.yaml", HEAD + f"name: {name}\nextends: builtin:seed\n")
    top = _write(tmp_path / "top.yaml", HEAD + "name: top\nextends: [left.yaml, right.yaml]\n")
    rules = load_rules(top)
    assert _ids(rules) == _ids(load_rules("builtin:seed"))


def test_disable_drops_a_base_rule_and_the_failure_falls_through(tmp_path: Path) -> None:
    """`disable` removes a base rule by id; its failures go to the next matching rule."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD + "name: child\nextends: builtin:seed\ndisable: [seed.rate-limit.typed]\n",
    )
    rules = load_rules(path)
    expected = [i for i in _ids(load_rules("builtin:seed")) if i != "seed.rate-limit.typed"]
    assert _ids(rules) == expected
    decision = rules.classify("Too Many Requests", status=429)
    # The next seed rule that takes a typed 429 is the generic rate-limit condition.
    assert (decision.category, decision.rule_id) == ("rate_limited", "seed.rate-limit.text")


def test_disable_works_for_a_rule_named_in_a_base_rules_test(tmp_path: Path) -> None:
    """Disabling a base rule loads even when a test embedded in the base names that rule.

    builtin:seed has a test case with ``rule: seed.rate-limit.text``; that case belongs to the
    base file and must not make a child's legitimate ``disable`` an error in builtin:seed.
    """
    path = _write(
        tmp_path / "child.yaml",
        HEAD + "name: child\nextends: builtin:seed\ndisable: [seed.rate-limit.text]\n",
    )
    rules = load_rules(path)
    assert "seed.rate-limit.text" not in _ids(rules)
    decision = rules.classify("429 Too Many Requests")
    # Without the text 429 rule, the seed's untyped-4xx fallback decides: 429 is "retryable".
    assert (decision.category, decision.rule_id) == ("unknown", "seed.text.retryable-status")


def test_disable_reaches_rules_of_a_base_of_a_base(tmp_path: Path) -> None:
    """A file extending builtin:default can disable a rule that default got from the seed."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD + "name: child\nextends: builtin:default\ndisable: [seed.status.auth]\n",
    )
    rules = load_rules(path)
    assert "seed.status.auth" not in _ids(rules)
    decision = rules.classify("nope", status=401)
    # seed.status.client-error excludes 401, so only the catch-all for typed statuses matches
    # (the words "Unauthorized" would be decided earlier, by default.auth.failed); its unknown
    # is retried, which the enforced auth-never-retryable refuses under a 401, and no rule is
    # left after it: unknown, decided by no rule.
    assert (decision.category, decision.rule_id) == ("unknown", None)
    trace = rules.classifier.explain(to_failure("nope", status=401))
    assert "rule seed.status.other: MATCH" in trace
    assert "passed over: invariant auth-never-retryable refuses unknown" in trace


def test_rule_with_a_base_id_replaces_it_in_place(tmp_path: Path) -> None:
    """A rule with a base rule's id takes that rule's position, not the top of the list."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD
        + "name: child\nextends: builtin:seed\n"
        + "rules:\n"
        + "  - id: child.first\n"
        + "    when: {contains: only-the-child-says-this}\n"
        + "    then: {category: timeout}\n"
        + "  - id: seed.status.auth\n"
        + "    description: 401/403 means try another provider, and 407 too\n"
        + "    when: {status: [401, 403, 407]}\n"
        + "    then: {category: model_not_found}\n",
    )
    rules = load_rules(path)
    base_ids = _ids(load_rules("builtin:seed"))
    assert _ids(rules) == ["child.first", *base_ids]
    replaced = rules.rule("seed.status.auth")
    assert replaced.category == "model_not_found"
    assert Path(replaced.file).name == "child.yaml"
    assert replaced.line == 8
    assert rules.classify("Proxy Authentication Required", status=407).rule_id == "seed.status.auth"
    assert rules.classify("Unauthorized", status=401).category == "model_not_found"


def test_redefined_condition_changes_base_rules_using_it(tmp_path: Path) -> None:
    """Redefining a named condition changes every base rule that refers to it."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD
        + "name: child\nextends: builtin:seed\n"
        + "conditions:\n"
        + "  tool_schema_hint: {contains: our gateway rejected the tool}\n",
    )
    rules = load_rules(path)
    seed = load_rules("builtin:seed")
    decision = rules.classify("our gateway rejected the tool 'search'")
    assert (decision.category, decision.rule_id) == ("tool_schema_error", "seed.tool-schema")
    assert seed.classify("our gateway rejected the tool 'search'").category == "unknown"
    assert seed.classify("tool call validation failed").category == "tool_schema_error"
    assert rules.classify("tool call validation failed").category != "tool_schema_error"
    assert "tool_schema_hint" in rules.conditions


def test_added_category_is_usable(tmp_path: Path) -> None:
    """A category declared in `categories:` can be decided by a rule, with its own policy."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD
        + "name: child\nextends: builtin:default\n"
        + "categories:\n"
        + "  region_saturated: {retryable: true, rate_limited: true, action: next_model}\n"
        + "rules:\n"
        + "  - id: acme.busy\n"
        + "    when:\n"
        + "      all:\n"
        + "        - status: 503\n"
        + "        - json: {path: error.code, equals: ACME_BUSY}\n"
        + "    then: {category: region_saturated}\n",
    )
    rules = load_rules(path)
    assert "region_saturated" in rules.categories
    decision = rules.classify(None, status=503, body='{"error": {"code": "ACME_BUSY"}}')
    assert decision.category == "region_saturated"
    assert decision.action == Action.NEXT_MODEL
    assert decision.retryable is True
    assert decision.rate_limited is True
    assert decision.reason == "rate_limited"
    other = rules.classify(None, status=503, body='{"error": {"code": "OTHER"}}')
    assert other.category == "server_error"


def test_redefined_default_category_changes_its_policy(tmp_path: Path) -> None:
    """Redefining a default category changes the policy of every rule deciding it."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD
        + "name: child\nextends: builtin:seed\n"
        + "categories:\n"
        + "  rate_limited: {retryable: false, rate_limited: true, action: abort}\n",
    )
    rules = load_rules(path)
    decision = rules.classify("Too Many Requests", status=429)
    assert decision.rule_id == "seed.rate-limit.typed"
    assert decision.category == "rate_limited"
    assert decision.action == Action.ABORT
    assert decision.retryable is False
    assert decision.reason == "rate_limited_non_retryable"
    assert load_rules("builtin:seed").classify("x", status=429).action == Action.RETRY


def test_retry_after_list_is_replaced_not_merged(tmp_path: Path) -> None:
    """A file's `retry_after:` replaces its base's list entirely."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD
        + "name: child\nextends: builtin:default\n"
        + "retry_after:\n"
        + "  - {header: x-wait-seconds, unit: s}\n",
    )
    rules = load_rules(path)
    assert rules.classify("x", status=429, headers={"X-Wait-Seconds": "3"}).retry_after_ms == 3000
    assert rules.classify("x", status=429, headers={"Retry-After": "5"}).retry_after_ms is None
    assert rules.classify("429 Too Many Requests, Retry-After: 5").retry_after_ms is None
    default = load_rules("builtin:default")
    assert default.classify("x", status=429, headers={"Retry-After": "5"}).retry_after_ms == 5000


def test_retry_after_is_inherited_when_not_given(tmp_path: Path) -> None:
    """A file without `retry_after:` uses its base's extractors."""
    path = _write(tmp_path / "child.yaml", HEAD + "name: child\nextends: builtin:default\n")
    rules = load_rules(path)
    assert rules.classify("x", status=429, headers={"Retry-After": "5"}).retry_after_ms == 5000
    assert rules.classify("429 Too Many Requests, retry-after: 2").retry_after_ms == 2000


def test_policy_is_merged_key_by_key(tmp_path: Path) -> None:
    """`policy:` overrides only the keys a file sets, through every layer."""
    _write(
        tmp_path / "mid.yaml",
        HEAD
        + "name: mid\nextends: builtin:seed\n"
        + "policy:\n  backoff: {base_ms: 100, jitter: full}\n  retry_after_cap_ms: 1000\n",
    )
    top = _write(
        tmp_path / "top.yaml",
        HEAD
        + "name: top\nextends: mid.yaml\n"
        + "policy:\n  backoff: {max_ms: 2000}\n  over_cap: next_provider\n",
    )
    policy = load_rules(top).policy
    assert isinstance(policy, Policy)
    assert policy == Policy(
        backoff_base_ms=100,
        backoff_floor_ms=50,
        backoff_factor=2.0,
        backoff_max_ms=2000,
        jitter="full",
        retry_after_cap_ms=1000,
        over_cap="next_provider",
        max_wait_ms=None,  # builtin:seed's null, inherited
    )
    assert load_rules("builtin:seed").policy == Policy(max_wait_ms=None)


def test_extends_paths_resolve_against_the_extending_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative `extends` path is resolved from the extending file's directory, not the cwd
    (the bases are outside the top file's folder, so the test allows their folder)."""
    _write(
        tmp_path / "shared" / "base.yaml",
        HEAD + "name: base\nrules:\n" + _rule("base.r", "from-base", "timeout"),
    )
    _write(
        tmp_path / "team" / "mid.yaml",
        HEAD + "name: mid\nextends: ../shared/base.yaml\n",
    )
    top = _write(
        tmp_path / "team" / "sub" / "top.yaml", HEAD + "name: top\nextends: [../mid.yaml]\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rules = load_rules(top, allow_paths=[tmp_path])
    assert rules.classify("from-base").rule_id == "base.r"
    assert [Path(f).name for f in rules.files] == ["base.yaml", "mid.yaml", "top.yaml"]


def test_builtin_rule_sets_are_cached() -> None:
    """Loading the same builtin twice returns the very same RuleSet object."""
    assert load_rules("builtin:default") is load_rules("builtin:default")
    assert load_rules("builtin:seed") is load_rules("builtin:seed")
    assert load_rules("builtin:seed") is not load_rules("builtin:default")


def test_load_rules_default_is_builtin_default() -> None:
    """load_rules() with no argument is builtin:default."""
    rules = load_rules()
    assert rules is load_rules("builtin:default")
    assert rules.name == "default"
    # the provider files under rules/default/ are named as part of the shipped set, in order
    assert rules.files[0] == "builtin:default/retry-after.yaml"
    assert rules.files[-2:] == ("builtin:seed", "builtin:default")
    assert all(name.startswith("builtin:default/") for name in rules.files[:-2])
    assert reliable_rules.classify("429 Too Many Requests").ruleset == "default"


def test_user_files_are_not_cached(tmp_path: Path) -> None:
    """A user file is read again on each load, so edits are seen."""
    path = _write(tmp_path / "r.yaml", HEAD + "name: one\n")
    assert load_rules(path).name == "one"
    _write(path, HEAD + "name: two\n")
    assert load_rules(path).name == "two"


def test_rules_expose_id_file_and_line(tmp_path: Path) -> None:
    """RuleSet.rules lists Rule objects with id, category, file and the rule's line."""
    path = _write(
        tmp_path / "child.yaml",
        HEAD
        + "name: child\nrevision: '7'\nextends: builtin:seed\n"
        + "rules:\n"
        + "  - id: child.r\n"
        + "    description: the child's rule\n"
        + "    when: {contains: zzz}\n"
        + "    then: {category: timeout}\n",
    )
    rules = load_rules(path)
    first = rules.rules[0]
    assert isinstance(first, Rule)
    assert (first.id, first.category, first.line, first.column) == ("child.r", "timeout", 6, 5)
    assert Path(first.file).name == "child.yaml"
    assert first.description == "the child's rule"
    assert first.ruleset == "child"
    assert (rules.name, rules.revision) == ("child", "7")

    seed_text = (Path(reliable_rules.__file__).parent.parent / "rules" / "seed.yaml").read_text(
        encoding="utf-8"
    )
    seed_lines = seed_text.splitlines()
    for rule in rules.rules[1:]:
        assert rule.file == "builtin:seed"
        assert rule.ruleset == "seed"
        assert seed_lines[rule.line - 1].strip() == f"- id: {rule.id}", rule


def test_decision_names_the_layered_rule_set(tmp_path: Path) -> None:
    """A decision made by a base rule reports the loaded (top) rule set's name and revision."""
    path = _write(
        tmp_path / "child.yaml", HEAD + "name: child\nrevision: '2030.1'\nextends: builtin:seed\n"
    )
    decision = load_rules(path).classify("x", status=429)
    assert decision.rule_id == "seed.rate-limit.typed"
    assert (decision.ruleset, decision.revision) == ("child", "2030.1")
