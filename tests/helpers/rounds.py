"""How a blind round is frozen (docs/gathering.md, step 3), as code the corpus test checks
every round against, and as a script the next round is split with:

    python tests/helpers/rounds.py 34 merged.jsonl OUTDIR   # OUTDIR/blind.jsonl, train.jsonl

The blind part is whole providers: those whose ``sha256(f"blind{N}:{provider}") % 100`` is
below a cut of 40, raised in steps of 5 until the blind part holds at least a quarter of the
round's records. The script prints each part's size, providers and sha256, to be written down
before anything is measured.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

#: Where the cut starts, and how it rises while the blind part is under a quarter.
FIRST_CUT = 40
CUT_STEP = 5


def provider_hash(round_number: int, provider: str) -> int:
    """The provider's draw for the round, 0-99."""
    digest = hashlib.sha256(f"blind{round_number}:{provider}".encode()).hexdigest()
    return int(digest, 16) % 100


def _cut_for(draws: Sequence[int]) -> int:
    cut = FIRST_CUT
    while 4 * sum(draw < cut for draw in draws) < len(draws):
        cut += CUT_STEP
    return cut


def blind_cut(round_number: int, providers: Sequence[str]) -> int:
    """The cut for a round whose records have these providers (one entry per record)."""
    return _cut_for([provider_hash(round_number, provider) for provider in providers])


def split_round(
    round_number: int, records: Iterable[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """(blind, train) of a round's records, each in the order given."""
    kept = list(records)
    draws = [provider_hash(round_number, str(record["provider"])) for record in kept]
    cut = _cut_for(draws)
    blind = [record for record, draw in zip(kept, draws, strict=True) if draw < cut]
    train = [record for record, draw in zip(kept, draws, strict=True) if draw >= cut]
    return blind, train


def main(arguments: Sequence[str]) -> int:
    """Split a merged round file into OUTDIR/blind.jsonl and OUTDIR/train.jsonl."""
    if len(arguments) != 3 or not arguments[0].isdigit():
        sys.stderr.write("usage: rounds.py ROUND MERGED.jsonl OUTDIR\n")
        return 2
    round_number, source, outdir = int(arguments[0]), Path(arguments[1]), Path(arguments[2])
    lines = source.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    outdir.mkdir(parents=True, exist_ok=True)
    for name, part in zip(("blind", "train"), split_round(round_number, records), strict=True):
        path = outdir / f"{name}.jsonl"
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in part)
        path.write_text(text, encoding="utf-8")
        providers = len({record["provider"] for record in part})
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        sys.stdout.write(f"{name}: {len(part)} records, {providers} providers, sha256 {digest}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
