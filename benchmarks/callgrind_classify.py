"""Instructions per classification, by callgrind: a figure the machine's load does not move.

    python benchmarks/callgrind_classify.py                      # builtin:default
    python benchmarks/callgrind_classify.py --rules builtin:seed
    python benchmarks/callgrind_classify.py --rules hand         # the hand-written seed chain
    python benchmarks/callgrind_classify.py --rules my.yaml      # e.g. a file of one rule (floor)

Runs this script twice under ``valgrind --tool=callgrind`` (which must be installed): each run
loads the rules, classifies every record of tests/data/provider_errors.jsonl once (body, status
and headers, as bench_targets.py's row 1; the warm-up: lazy parts, regex compilation, the
literal scan), then ``--passes`` more times in the second run and none in the first. The
difference, divided by passes and records, is the cost of one classification alone. Before
them the same child runs once without valgrind, so that both measured runs read the cache
entries it wrote (with a cold cache the first run alone would build and write the set, and
the difference would come out negative). The callgrind files are left in ``--out`` for
``callgrind_annotate``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import seed_reference  # noqa: E402 — after the path set-up, like the rest

import reliable_rules  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "provider_errors.jsonl"


def records() -> list[tuple[str, int | None, dict[str, str] | None]]:
    """Every body of the corpus with its status and headers."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    parsed = [json.loads(line) for line in lines if line.strip()]
    return [(r["body"], r.get("status"), r.get("headers")) for r in parsed]


def classify_passes(rules: str, passes: int) -> None:
    """The measured child: one warm-up pass, then ``passes`` passes over the corpus."""
    mix = records()
    if rules == "hand":
        verdict = seed_reference.seed_verdict
        for _ in range(passes + 1):
            for text, status, _headers in mix:
                verdict(text, status)
        return
    classify = reliable_rules.load_rules(rules).classify
    for _ in range(passes + 1):
        for text, status, headers in mix:
            classify(text, status=status, headers=headers)


def instructions(rules: str, passes: int, out: Path) -> int:
    """Instructions callgrind collected over a whole child run."""
    label = re.sub(r"[^A-Za-z0-9]+", "_", rules)
    command = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.{label}.{passes}.out",
        sys.executable, __file__, "--child", "--rules", rules, "--passes", str(passes),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise RuntimeError(f"no callgrind total in: {result.stderr[-500:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default="builtin:default", help="a rule set, or 'hand'")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp"), help="callgrind files")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        classify_passes(args.rules, args.passes)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)  # valgrind does not make it: exit 1 without
    # warm the state and code caches outside valgrind: both measured runs then read them
    subprocess.run(
        [sys.executable, __file__, "--child", "--rules", args.rules, "--passes", "0"], check=True
    )
    base = instructions(args.rules, 0, args.out)
    measured = instructions(args.rules, args.passes, args.out)
    per_record = (measured - base) / args.passes / len(records())
    print(f"{args.rules}: {per_record:,.0f} instructions per record")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
