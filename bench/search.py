"""Search latency on real lists: a fixed set of realistic queries.

    .venv/bin/python bench/search.py [--backend sqlite|postgresql] [--db DB] [--runs N]

Imports the two big corpora into a fresh database of each backend (or uses
--db), then runs every query N times and prints, per query, the results found
and the median time, and overall p50/p99 latency.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BIG_CORPORA, ROOT, median, percentile, throwaway_database
from listkeeper.search.run import Sort, search
from listkeeper.store.access import ANONYMOUS
from listkeeper.store.db import open_engine

QUERIES = [
    # names and addresses
    "f:mst@redhat.com", 'f:"Jason Wang"', "f:masahiroy", "t:virtualization", "c:linux-kbuild",
    # subjects
    "s:vhost", "s:virtio_net", 's:"kbuild: "', "s:Kconfig s:fix", "s:RFC",
    # function names and identifiers
    "virtqueue_add_sgs", "vring_interrupt", "kmalloc", "dma_map_page", "KBUILD_CFLAGS",
    "modpost", "vhost_net_ioctl",
    # phrases
    '"use after free"', '"memory barrier"', '"Reviewed-by: Michael S. Tsirkin"',
    '"No functional change"',
    # dates, alone and combined
    "d:2019-10-01..2019-10-31 virtio", "d:2026-01-01.. kbuild", "d:..2019-06-30 vhost",
    # quoted / not quoted
    "q:Acked-by", "nq:Tested-by", "q:\"memory leak\"",
    # patches
    "dfn:Makefile", "dfn:virtio_ring.c", "dfn:scripts",
    # boolean
    "virtio OR vhost", "vhost -s:net", "(kbuild OR Makefile) s:PATCH", "NOT s:Re: crash",
    "prefix* s:vdpa",
]


def build(db: str) -> None:
    for corpus in BIG_CORPORA:
        subprocess.run(
            [sys.executable, "-m", "listkeeper", "--db", db, "import", str(corpus)],
            cwd=ROOT, check=True, capture_output=True,
        )


def measure(db: str, runs: int, sort: Sort) -> None:
    engine = open_engine(db)
    timings: list[float] = []
    with engine.connect() as conn:
        for query in QUERIES:
            mine = []
            for _ in range(runs):
                started = time.perf_counter()
                found = search(conn, ANONYMOUS, query, limit=20, sort=sort)
                mine.append(time.perf_counter() - started)
            timings.extend(mine)
            print(f"  {query:40} {found.total:6} found  median {median(mine) * 1000:7.2f} ms")
    engine.dispose()
    print(
        f"  {len(QUERIES)} queries x {runs}, sort={sort.value}: "
        f"p50 {percentile(timings, 0.5) * 1000:.2f} ms, p99 {percentile(timings, 0.99) * 1000:.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--db", help="use this database instead of building one")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.db:
        for sort in (Sort.RANK, Sort.DATE):
            measure(args.db, args.runs, sort)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backend or ["sqlite", "postgresql"]:
            with throwaway_database(backend, Path(tmp)) as db:
                build(db)
                for sort in (Sort.RANK, Sort.DATE):
                    print(f"{backend}, {sum(1 for _ in QUERIES)} queries, sort={sort.value}")
                    measure(db, args.runs, sort)
    return 0


if __name__ == "__main__":
    sys.exit(main())
