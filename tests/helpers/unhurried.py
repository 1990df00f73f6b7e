"""A generous regex time budget for the corpus-wide answer comparisons, set on one instance.

Those tests compare two ways of deciding the whole corpus (prefilter or none, accelerator or
none, rules one by one); their references search every regex of builtin:default for every
record, which on a loaded 2-core machine can outrun the per-classification budget of 20 ms and
turn a match into "no match" on one side only. The budget itself is tested in
``tests/security/test_regex_budget.py``.

The budget is set on the loaded instance, never on the class: a class-level override once
changed what the whole-set cache pickled and poisoned later processes. Only sets loaded by path
are accepted, since those are never cached across processes nor shared in the process.
"""

from __future__ import annotations

from reliable_rules import RuleSet
from reliable_rules.engine.probe import Probe
from reliable_rules.ruleset import loader

#: Seconds a classification of these tests may spend on its regexes.
UNHURRIED_S = 60.0


def unhurried(rules: RuleSet) -> RuleSet:
    """``rules`` with a 60 s per-classification regex budget (the instance's own attribute)."""
    assert all(rules is not shared for shared in loader._builtin_cache.values()), (
        "a built-in set is shared by the process: load the file by path instead"
    )
    rules.classifier.regex_budget_s = UNHURRIED_S
    return rules


def unhurried_probe(probe: Probe) -> Probe:
    """``probe`` (built by a test, outside the classifier) with the same generous budget."""
    probe.regex_left_s = UNHURRIED_S
    return probe
