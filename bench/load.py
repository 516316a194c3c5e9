"""The web server under load: 200 concurrent clients for a bounded time.

    .venv/bin/python bench/load.py                      # imports the virtualization corpus first
    .venv/bin/python bench/load.py --db archive.sqlite3 --seconds 30

Starts ``listkeeper serve --workers 2`` on 127.0.0.1 over the database, picks a
fixed sample of list, thread, message and search pages from what the API says
is archived (``bench/web.py``'s sample), then runs ``--clients`` asyncio
clients, each on its own keep-alive connection (``bench/web.py``'s cheap
client: httpx would spend more CPU per request than the server), each
requesting a random page of the mix after another until ``--seconds`` have
passed. Prints requests, errors, requests/s and p50/p99 latency (overall and
per kind) and exits 1 if any request failed: anything but a 200 is an error.

On this 2-core machine the clients share the cores with the server, so the
figures are a floor, and latency includes queueing behind 199 other clients.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, median, percentile  # noqa: E402
from web import Connection, build_db, pick_pages  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from webserver import serving  # noqa: E402

DEFAULT_CLIENTS = 200
DEFAULT_SECONDS = 30.0
DEFAULT_WORKERS = 2
REQUEST_TIMEOUT_SECONDS = 60.0  # a request slower than this counts as an error
SEED = 11
# Share of requests per kind: what readers of an archive mostly open.
MIX = {"message": 40, "thread": 30, "list": 15, "search": 15}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    @property
    def requests(self) -> int:
        return sum(map(len, self.latencies.values())) + sum(self.errors.values())


async def client(
    connection: Connection,
    pages: dict[str, list[str]],
    deadline: float,
    rng: random.Random,
    tally: Tally,
) -> None:
    kinds, shares = list(MIX), list(MIX.values())
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, shares)[0]
        path = rng.choice(pages[kind])
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(connection.get(path), REQUEST_TIMEOUT_SECONDS)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as exc:
            tally.errors[f"{kind}: {type(exc).__name__}"] += 1
            connection.close()  # a broken or abandoned exchange: start afresh
            continue
        if status != 200:
            tally.errors[f"{kind}: HTTP {status}"] += 1
            continue
        tally.record(kind, time.perf_counter() - started)


async def run_load(
    base: str, pages: dict[str, list[str]], args: argparse.Namespace
) -> tuple[Tally, float]:
    tally = Tally()
    url = httpx.URL(base)
    connections = [Connection(url.host, url.port or 80) for _ in range(args.clients)]
    started = time.monotonic()
    deadline = started + args.seconds
    await asyncio.gather(
        *(
            client(connection, pages, deadline, random.Random(SEED + n), tally)
            for n, connection in enumerate(connections)
        )
    )
    elapsed = time.monotonic() - started
    for connection in connections:
        connection.close()
    return tally, elapsed


def report(tally: Tally, elapsed: float, args: argparse.Namespace) -> None:
    print(f"{args.clients} clients, one connection each, {elapsed:.1f} s, "
          f"server workers {args.workers}, load average {os.getloadavg()[0]:.1f}")
    everything = [s for values in tally.latencies.values() for s in values]
    for kind, values in [*sorted(tally.latencies.items()), ("all", everything)]:
        if values:
            print(f"{kind:<8} {len(values):>7} ok  p50 {median(values) * 1000:8.1f} ms  "
                  f"p99 {percentile(values, 0.99) * 1000:8.1f} ms")
    errors = sum(tally.errors.values())
    print(f"requests {tally.requests}, errors {errors}, {tally.requests / elapsed:.0f} requests/s")
    for what, count in tally.errors.most_common():
        print(f"  {count} × {what}")


@contextmanager
def database(db: str | None) -> Iterator[str]:
    if db:
        yield db
        return
    with tempfile.TemporaryDirectory() as folder:
        yield build_db(Path(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="database to serve (default: import the virtualization corpus)"
    )
    parser.add_argument("--list", dest="list_name", help="list to sample (default: the largest)")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="concurrent clients")
    parser.add_argument(
        "--seconds", type=float, default=DEFAULT_SECONDS, help="how long the load runs"
    )
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="server processes")
    args = parser.parse_args()
    with database(args.db) as db, serving(db, workers=args.workers) as base:
        pages = pick_pages(base, args.list_name)
        tally, elapsed = asyncio.run(run_load(base, pages, args))
        report(tally, elapsed, args)
    sys.exit(1 if tally.errors else 0)


if __name__ == "__main__":
    main()
