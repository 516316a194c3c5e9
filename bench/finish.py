"""The last phase of an import, alone: threading repair, then the patch pass.

    .venv/bin/python bench/finish.py --db DB [--list NAME]

Runs both over each list's whole date range, as an import of the whole
archive ends, on an existing database, and rolls back: the archive is left
as it was and the run can be repeated. Prints the seconds of each part and
the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time

from sqlalchemy import Connection, select

from listkeeper.patches.compute import compute_patches
from listkeeper.store.db import open_engine
from listkeeper.store.reader import list_dates
from listkeeper.store.repair_pass import Span, repair_lists
from listkeeper.store.schema import lists


def whole_spans(conn: Connection, only: str | None) -> dict[str, Span]:
    """Each list's first and last dates, as an import of all of it would pass them."""
    every = select(lists.c.name).order_by(lists.c.name)
    names = [only] if only else list(conn.execute(every).scalars())
    spans: dict[str, Span] = {}
    for name in names:
        first, last = list_dates(conn, name)
        if first is not None and last is not None:
            spans[name] = (first, last)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--list", dest="list_name")
    args = parser.parse_args()
    engine = open_engine(args.db)
    with engine.connect() as conn:
        transaction = conn.begin()
        spans = whole_spans(conn, args.list_name)
        started = time.monotonic()
        links = repair_lists(conn, dict(spans))
        repaired = time.monotonic()
        patches = compute_patches(conn, spans)
        done = time.monotonic()
        transaction.rollback()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"lists: {', '.join(sorted(spans))}")
    print(f"threading repair: {repaired - started:8.1f} s ({links} links changed)")
    print(f"patch pass:       {done - repaired:8.1f} s ({patches} patch rows)")
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
