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

from sqlalchemy import Connection, func, select

from listkeeper.patches.compute import compute_patches
from listkeeper.store.db import open_engine
from listkeeper.store.reader import as_utc, in_list
from listkeeper.store.repair_pass import Span, repair_lists
from listkeeper.store.schema import lists, messages


def whole_spans(conn: Connection, only: str | None) -> dict[str, Span]:
    query = (
        select(lists.c.name, func.min(messages.c.date), func.max(messages.c.date))
        .select_from(in_list(only or ""))
        .group_by(lists.c.name)
    )
    return {
        name: (as_utc(first), as_utc(last))
        for name, first, last in conn.execute(query)
        if only in (None, name)
    }


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
