"""Web pages under load: p50/p99 latency and requests/s per kind of page.

    .venv/bin/python bench/web.py                      # builds a DB from the virtualization corpus
    .venv/bin/python bench/web.py --db archive.sqlite3 --workers 2
    .venv/bin/python bench/web.py --url http://127.0.0.1:8080 --list virtualization

Starts ``--workers`` server processes over the database (or drives the server
at ``--url``), picks pages from what the API says is archived (a seeded
random sample), then for each kind of page measures latency from one client
(``--latency-requests``: no queueing) and throughput from ``--clients``
concurrent keep-alive connections on 127.0.0.1 (``--requests``; with 16
clients, p50 includes waiting behind the others: about clients / rate).
Every request must answer 200; each pass stops after ``--max-seconds``.
Pages are requested without validators, so no answer is a 304; repeated
pages are served from the server's page cache, the first of each is rendered.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from listkeeper.web.links import list_url, message_url, mid_path, search_url, thread_url  # noqa: E402
from webserver import serving  # noqa: E402

CORPUS = ROOT.parent / "shared/corpus/virtualization-list-2019/virtualization-2019.mbox.gz"
DEFAULT_CLIENTS = 16
DEFAULT_REQUESTS = 2000
DEFAULT_WORKERS = 2
DEFAULT_LATENCY_REQUESTS = 300
MAX_SECONDS_PER_KIND = 60.0
SAMPLE_SIZE = 200  # distinct pages of each kind
SEED = 7
SEARCHES = (
    "virtio",
    "s:vhost",
    "f:jasowang",
    "dfn:virtio_ring.c",
    '"memory leak"',
    "balloon d:2019-10-01..2019-12-31",
)
THREAD_PAGES_TO_LIST = 4  # pages of /api/lists/<list>/threads to sample threads from


@dataclass
class Figures:
    kind: str
    latencies: list[float]
    elapsed: float
    failures: int

    def line(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rate = len(ordered) / self.elapsed
        return (
            f"{self.kind:<8} {len(ordered):>6} req  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  "
            f"{rate:7.0f} req/s  failures {self.failures}"
        )


def build_db(folder: Path) -> str:
    db = str(folder / "virtualization.sqlite3")
    print(f"importing {CORPUS.name} into {db} …", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "listkeeper", "--db", db, "import", str(CORPUS)],
        check=True,
        cwd=ROOT,
    )
    return db


def pick_pages(base: str, list_name: str | None) -> dict[str, list[str]]:
    """A fixed random sample of each kind of page from what is archived."""
    rng = random.Random(SEED)
    with httpx.Client(base_url=base, timeout=60) as http:
        lists = http.get("/api/lists").json()["lists"]
        name = list_name or max(lists, key=lambda item: item["messages"])["name"]
        threads = []
        for page in range(1, THREAD_PAGES_TO_LIST + 1):
            threads += http.get(f"/api/lists/{name}/threads", params={"page": page}).json()[
                "threads"
            ]
        replied = [t for t in threads if t["messages"] > 1]
        thread_roots = rng.sample(replied, min(SAMPLE_SIZE, len(replied)))
        messages = []
        for thread in thread_roots[: SAMPLE_SIZE // 4]:
            body = http.get(
                f"/api/threads/{mid_path(thread['root'])}", params={"list": name}
            ).json()
            messages += [m["message_id"] for m in body["messages"]]
    return {
        "list": [list_url(name), f"{list_url(name)}?page=2"],
        "thread": [thread_url(name, t["root"]) for t in thread_roots],
        "message": [message_url(m) for m in rng.sample(messages, min(SAMPLE_SIZE, len(messages)))],
        "search": [search_url(name, q) for q in SEARCHES],
    }


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams.

    httpx costs ~4 ms of client CPU per request on this machine, more than the
    server; a load generator sharing two cores with the server must be cheap.
    httpx is still used to pick the pages (``pick_pages``).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode("ascii"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?im)^content-length: *(\d+)", head)
        if length is None:
            raise RuntimeError(f"{path}: no Content-Length")
        await self.reader.readexactly(int(length.group(1)))
        return status

    def close(self) -> None:
        """Close the connection; the next ``get`` opens a new one."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def drive(
    base: str, kind: str, paths: list[str], requests: int, clients: int, max_seconds: float
) -> Figures:
    """``requests`` GETs over ``paths`` (round robin) from ``clients`` concurrent connections."""
    url = httpx.URL(base)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(paths[index % len(paths)])
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + max_seconds
    connections = [Connection(url.host, url.port or 80) for _ in range(clients)]

    async def client(connection: Connection) -> None:
        nonlocal failures
        while not queue.empty() and time.monotonic() < deadline:
            path = queue.get_nowait()
            started = time.perf_counter()
            status = await connection.get(path)
            latencies.append(time.perf_counter() - started)
            failures += status != 200

    await asyncio.gather(*(c.get(paths[0]) for c in connections))  # connect and warm up
    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return Figures(kind, latencies, elapsed, failures)


@contextmanager
def server(args: argparse.Namespace) -> Iterator[str]:
    if args.url:
        yield args.url.rstrip("/")
        return
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or build_db(Path(folder))
        with serving(db, workers=args.workers) as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument(
        "--db", help="database to serve (default: import the virtualization corpus)"
    )
    parser.add_argument("--list", dest="list_name", help="list to sample (default: the largest)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="server processes")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="concurrent clients")
    parser.add_argument(
        "--latency-requests",
        type=int,
        default=DEFAULT_LATENCY_REQUESTS,
        help="requests per kind from one client first, for latency without queueing (0: skip)",
    )
    parser.add_argument(
        "--requests", type=int, default=DEFAULT_REQUESTS, help="requests per kind of page"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=MAX_SECONDS_PER_KIND, help="time limit per kind"
    )
    parser.add_argument(
        "--kinds", default="list,thread,message,search", help="comma-separated kinds"
    )
    args = parser.parse_args()
    with server(args) as base:
        pages = pick_pages(base, args.list_name)
        kinds = args.kinds.split(",")
        if args.latency_requests:
            print(f"server {base}: latency, 1 client, {args.latency_requests} requests per kind")
            for kind in kinds:
                figures = asyncio.run(
                    drive(base, kind, pages[kind], args.latency_requests, 1, args.max_seconds)
                )
                print(figures.line(), flush=True)
        print(
            f"server {base}: throughput, {args.clients} clients, {args.requests} requests per kind"
        )
        for kind in kinds:
            figures = asyncio.run(
                drive(base, kind, pages[kind], args.requests, args.clients, args.max_seconds)
            )
            print(figures.line(), flush=True)


if __name__ == "__main__":
    main()
