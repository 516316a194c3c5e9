"""listkeeper searches in one process, as the web server runs them for an anonymous reader.

    .venv/bin/python bench/peers/lk_search_inprocess.py DB RUNS QUERY...

Each query once untimed, then RUNS times timed (20 results, ranked); prints one
line per timed run: seconds.
"""

from __future__ import annotations

import sys
import time

from listkeeper.search.run import search
from listkeeper.store.access import ANONYMOUS
from listkeeper.store.db import open_engine


def main() -> int:
    db, runs, queries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    engine = open_engine(db)
    with engine.connect() as conn:
        for query in queries:
            search(conn, ANONYMOUS, query, limit=20)
            for _ in range(runs):
                started = time.perf_counter()
                search(conn, ANONYMOUS, query, limit=20)
                print(f"{time.perf_counter() - started:.6f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
