"""The blind rounds of issue 11, and builtin:default's accuracy as the README quotes it.

Each round gathered a batch of real errors, froze a blind part of it (whole providers) before
any rule was written for the batch, measured builtin:default on that part, and only then wrote
rules from the rest (`split: train`). tests/data/rounds.json records what was measured on each
blind part *before* its rules were written; those figures are history and cannot be recomputed
from today's rules. What today's rules decide (training parts, blind parts, the records that
predate the rounds) is computed here and must be what the README quotes.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from reliable_rules import load_rules
from reliable_rules.authoring.corpus import behaviour_of

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "provider_errors.jsonl"
ROUNDS = DATA / "rounds.json"
README = Path(__file__).resolve().parents[2] / "README.md"


def records() -> list[dict[str, Any]]:
    """Every corpus record, in file order."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def history() -> list[dict[str, Any]]:
    """The recorded rounds, oldest first."""
    return list(json.loads(ROUNDS.read_text(encoding="utf-8"))["rounds"])


def score(part: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(categories right, behaviours right, records) of builtin:default on ``part``, counting a
    record's `also` labels as right."""
    rules = load_rules("builtin:default")
    categories = rules.categories
    cat_ok = beh_ok = 0
    for record in part:
        decision = rules.classify(
            status=record["status"], headers=record["headers"], body=record["body"]
        )
        labels = [record["expected"], *record.get("also", [])]
        cat_ok += decision.category in labels
        wanted = {behaviour_of(categories[label]) for label in labels}
        beh_ok += behaviour_of(categories[decision.category]) in wanted
    return cat_ok, beh_ok, len(part)


def parts() -> dict[str, list[dict[str, Any]]]:
    """The corpus by part: `before` (no round), `rN blind`, `rN train`."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records():
        if "round" in record:
            grouped[f"r{record['round']} {record['split']}"].append(record)
        else:
            grouped["before"].append(record)
    return dict(grouped)


def test_every_round_froze_a_blind_part_of_whole_providers() -> None:
    """No provider of a round is both blind and train, and the blind part is >= a quarter."""
    by_round: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    sizes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in records():
        if "round" in record:
            assert record["split"] in {"blind", "train"}
            by_round[record["round"]][record["split"]].add(record["provider"])
            sizes[record["round"]][record["split"]] += 1
    assert sorted(by_round) == [entry["round"] for entry in history()]
    for number, splits in by_round.items():
        assert splits["blind"] & splits["train"] == set(), number
        blind, train = sizes[number]["blind"], sizes[number]["train"]
        assert blind >= (blind + train) / 4, number


def test_the_history_names_the_blind_parts_as_they_are_in_the_corpus() -> None:
    """rounds.json's blind sizes and provider counts are those of the corpus's blind parts."""
    grouped = parts()
    for entry in history():
        blind = grouped[f"r{entry['round']} blind"]
        assert entry["blind_records"] == len(blind), entry["round"]
        assert entry["blind_providers"] == len({r["provider"] for r in blind}), entry["round"]
        for figure in ("categories", "behaviours"):
            right, total = entry["measured"][figure]
            assert total == len(blind), (entry["round"], figure)
            assert 0 <= right <= total, (entry["round"], figure)


@pytest.mark.slow
def test_training_figure_and_readme_quote_todays_accuracy() -> None:
    """Every record rules were written from is right by behaviour at >= 98%, and the README's
    tables quote today's figures for every part and the recorded blind history."""
    grouped = parts()
    training = [r for name, part in grouped.items() if "blind" not in name for r in part]
    cat_ok, beh_ok, total = score(training)
    assert beh_ok / total >= 0.98
    readme = README.read_text(encoding="utf-8")
    training_row = (
        f"| training (every record rules were written from) | {total} "
        f"| {cat_ok} ({100 * cat_ok / total:.1f}%) | {beh_ok} ({100 * beh_ok / total:.1f}%) |"
    )
    assert training_row in readme
    for name, part in sorted(grouped.items()):
        if "blind" in name:
            c, b, n = score(part)
            row = f"| {name} (today) | {n} | {c} ({100 * c / n:.1f}%) | {b} ({100 * b / n:.1f}%) |"
            assert row in readme, row
    for entry in history():
        (c, n), (b, _) = entry["measured"]["categories"], entry["measured"]["behaviours"]
        row = (
            f"| {entry['round']} | {entry['records']} | {n} | {entry['blind_providers']} "
            f"| {c} ({100 * c / n:.1f}%) | {b} ({100 * b / n:.1f}%) |"
        )
        assert re.search(re.escape(row), readme), row
