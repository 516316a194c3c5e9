"""What a list's pages read from the database, timed one by one.

    .venv/bin/python bench/list_pages.py --db DB [--list NAME] [--runs N]

For the list (the biggest one by default): its front page and a deep page of
threads, its busiest month, its months, its feed, the author page of the
sender of its newest message, and the site's list of lists, as an anonymous
reader sees them. Each is run once cold for this
process (the operating system's page cache is what it is: say so next to the
figures) and then ``--runs`` times; prints the first run and the median, in
milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import Connection, func, select

from listkeeper.store import reader
from listkeeper.store.access import ANONYMOUS
from listkeeper.store.db import open_engine
from listkeeper.store.schema import list_messages, lists
from listkeeper.store.senders import addresses_of, author_token

THREADS_PER_PAGE = 50  # as web.pages
DEEP_PAGE = 20


def biggest_list(conn: Connection) -> str:
    query = (
        select(lists.c.name)
        .join(list_messages, list_messages.c.list_id == lists.c.id)
        .group_by(lists.c.name)
        .order_by(func.count().desc())
        .limit(1)
    )
    return conn.execute(query).scalar_one()


def pages(conn: Connection, name: str) -> dict[str, Callable[[], object]]:
    year, month, _ = max(reader.list_months(conn, ANONYMOUS, name), key=lambda ymn: ymn[2])
    since = datetime(year, month, 1, tzinfo=timezone.utc)
    until = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.utc)
    sender = reader.latest_messages(conn, ANONYMOUS, name, 1)[0].summary.from_addr
    return {
        "front page": lambda: reader.latest_threads(conn, ANONYMOUS, name, THREADS_PER_PAGE),
        f"page {DEEP_PAGE}": lambda: reader.latest_threads(
            conn, ANONYMOUS, name, THREADS_PER_PAGE, (DEEP_PAGE - 1) * THREADS_PER_PAGE
        ),
        f"month {year}-{month:02d}": lambda: reader.latest_threads(
            conn, ANONYMOUS, name, 10_000, 0, since, until
        ),
        "months": lambda: reader.list_months(conn, ANONYMOUS, name),
        "feed (30)": lambda: reader.latest_messages(conn, ANONYMOUS, name, 30),
        "author page": lambda: author_page(conn, name, sender),
        "list of lists": lambda: reader.list_summaries(conn, ANONYMOUS),
    }


def author_page(conn: Connection, name: str, addr: str) -> object:
    """What web.pages.author_page reads: the address behind the handle, a page of its mail."""
    found = addresses_of(conn, author_token(addr))
    return [reader.latest_messages(conn, ANONYMOUS, name, 50, from_addr=a) for a in found]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--list", dest="list_name")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = open_engine(args.db)
    with engine.connect() as conn:
        name = args.list_name or biggest_list(conn)
        print(f"list {name}: first run, then median of {args.runs} (ms)")
        for label, action in pages(conn, name).items():
            first = timed(action)
            median = statistics.median(timed(action) for _ in range(args.runs))
            print(f"{label:<18} {first:10.1f} {median:10.1f}")


if __name__ == "__main__":
    main()
