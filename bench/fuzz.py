"""Fuzz the whole import: mutations of real corpus messages, 100,000 by default.

    .venv/bin/python bench/fuzz.py [--count N] [--backend sqlite|postgresql]
                                   [--seed S] [--max-seconds T] [--save DIR]

The inputs are those of tests/test_hostile_import.py (about 30 real messages under
1 to 6 stacked mutations: bytes flipped, inserted, deleted, truncated, header fields
repeated, boundaries broken, NULs, other charsets, two messages spliced, hostile
header values), imported batch by batch with ``import_mails`` and a parser pool as
`listkeeper import` does. Every batch must end with one outcome per input; a batch
that raises is replayed one input at a time to find the culprit, which is saved
(--save) and counted as escaped. Prints the tally (archived / duplicate /
quarantined by reason, escaped) and inputs/s. Stops at --max-seconds, saying so.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from common import ROOT, throwaway_database

sys.path.insert(0, str(ROOT / "tests"))
from test_hostile_import import SEEDS, random_mutant  # noqa: E402

from listkeeper.ingest import Tally, _parser_pool, import_mails  # noqa: E402
from listkeeper.sources.raw import RawMail  # noqa: E402
from listkeeper.store.db import open_engine  # noqa: E402
from listkeeper.store.schema import quarantine  # noqa: E402

BATCH = 500  # inputs per import_mails call (the import's own batch size)
DEFAULT_COUNT = 100_000
DEFAULT_MAX_SECONDS = 3600
_VARIABLE = re.compile(r"\d+|'[^']*'|\"[^\"]*\"|<[^>]*>")


def reason_kind(reason: str) -> str:
    """A quarantine reason without its numbers and quoted values, to group by."""
    return _VARIABLE.sub("…", reason)[:100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=20061113)
    parser.add_argument("--max-seconds", type=float, default=DEFAULT_MAX_SECONDS)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--save", type=Path, default=ROOT / "test-artifacts" / "fuzz")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tally = Tally()
    escaped: Counter[str] = Counter()
    done = 0
    started = time.monotonic()
    print(f"{len(SEEDS)} seed messages, {args.count} inputs, backend {args.backend}, seed {args.seed}")
    with tempfile.TemporaryDirectory() as workdir, throwaway_database(args.backend, Path(workdir)) as db:
        engine = open_engine(db)
        with _parser_pool(args.workers) as pool:
            while done < args.count and time.monotonic() - started < args.max_seconds:
                size = min(BATCH, args.count - done)
                batch = [RawMail(random_mutant(rng), None, f"fuzz:{done + i}") for i in range(size)]
                counts = (tally.imported, tally.duplicates, tally.quarantined)
                lost = sum(escaped.values())
                try:
                    import_mails(engine, iter(batch), "fuzz", "fuzz", tally, pool=pool)
                except Exception:  # noqa: BLE001 — the finding: find the input, go on
                    # The batch's transaction was rolled back: count it again input by input.
                    tally.imported, tally.duplicates, tally.quarantined = counts
                    _one_by_one(engine, batch, tally, escaped, args.save)
                outcomes = tally.total - sum(counts) + sum(escaped.values()) - lost
                assert outcomes == size, f"{size} inputs, {outcomes} outcomes"
                done += size
                if done % 10_000 == 0:
                    print(f"  {done} inputs, {done / (time.monotonic() - started):.0f}/s", flush=True)
        elapsed = time.monotonic() - started
        with engine.connect() as conn:
            reasons = conn.execute(select(quarantine.c.reason, func.count()).group_by(quarantine.c.reason)).all()
        engine.dispose()
    by_kind: Counter[str] = Counter()
    for reason, count in reasons:
        by_kind[reason_kind(reason)] += count
    if done < args.count:
        print(f"STOPPED at --max-seconds {args.max_seconds:.0f}: {done} of {args.count} inputs")
    print(f"inputs      {done}")
    print(f"archived    {tally.imported}")
    print(f"duplicate   {tally.duplicates}")
    print(f"quarantined {tally.quarantined}  (distinct messages in quarantine: {sum(by_kind.values())})")
    for kind, count in by_kind.most_common():
        print(f"  {count:7d}  {kind}")
    print(f"escaped     {sum(escaped.values())}")
    for kind, count in escaped.most_common():
        print(f"  {count:7d}  {kind}")
    print(f"time        {elapsed:.1f} s, {done / elapsed:.0f} inputs/s")
    sys.exit(1 if escaped else 0)


def _one_by_one(engine, batch: list[RawMail], tally: Tally, escaped: Counter[str], save: Path) -> None:  # type: ignore[no-untyped-def]
    """Replay a batch that raised, input by input; save and count each culprit."""
    for mail in batch:
        single = Tally()
        try:
            import_mails(engine, iter([mail]), "fuzz", "fuzz", single)
        except Exception as exc:  # noqa: BLE001
            kind = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            escaped[kind] += 1
            save.mkdir(parents=True, exist_ok=True)
            name = mail.origin.replace(":", "-")
            (save / f"{name}.eml").write_bytes(mail.data)
            (save / f"{name}.txt").write_text(traceback.format_exc())
            continue
        tally.imported += single.imported
        tally.duplicates += single.duplicates
        tally.quarantined += single.quarantined


if __name__ == "__main__":
    main()
