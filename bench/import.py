"""End-to-end import speed: parse, thread, store, full-text index.

    .venv/bin/python bench/import.py [CORPUS...] [--backend sqlite|postgresql]

Runs `listkeeper import --json` as a whole process on each corpus into a fresh
database and prints messages/s, MB/s (uncompressed input), peak RSS of the
largest process, the database size next to the raw mbox size, and the CPU
used: how busy the cores were, and CPU time per message over every process
(read from /proc/stat, so run it on a quiet machine). When the cores are
nearly all busy, only less work per message makes an import faster, not
moving work between processes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import psycopg

from common import BIG_CORPORA, ROOT, throwaway_database
from listkeeper.sources.detect import open_source


def raw_size(corpus: Path) -> tuple[int, int]:
    """(messages, bytes) of the corpus as stored messages."""
    count = size = 0
    for mail in open_source(corpus):
        count += 1
        size += len(mail.data)
    return count, size


def database_size(db: str) -> int:
    if "://" not in db:
        return sum(os.path.getsize(p) for p in Path(db).parent.glob(Path(db).name + "*"))
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def cpu_ticks() -> tuple[int, int]:
    """(busy, idle) clock ticks of all cores since boot, from /proc/stat."""
    user, nice, system, idle, iowait, irq, softirq = map(int, Path("/proc/stat").read_text().split()[1:8])
    return user + nice + system + irq + softirq, idle + iowait


def run(corpus: Path, backend: str, workdir: Path, kept: str | None) -> None:
    count, size = raw_size(corpus)
    with (nullcontext(kept) if kept else throwaway_database(backend, workdir)) as db:
        started, ticks = time.monotonic(), cpu_ticks()
        result = subprocess.run(
            [sys.executable, "-m", "listkeeper", "--db", db, "import", "--json", str(corpus)],
            cwd=ROOT, capture_output=True, check=True,
        )
        seconds = time.monotonic() - started
        busy, idle = (after - before for after, before in zip(cpu_ticks(), ticks))
        tally = json.loads(result.stdout)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        on_disk = database_size(db)
    print(
        f"{corpus.name:34} {backend:10} {count:6} msgs {seconds:6.1f} s "
        f"{count / seconds:7.0f} msg/s {size / seconds / 1e6:6.1f} MB/s "
        f"peak RSS {peak:5.0f} MB  db {on_disk / 1e6:6.1f} MB = {on_disk / size:4.2f}x raw "
        f"(imported {tally['imported']}, quarantined {tally['quarantined']}); "
        f"cores busy {busy / (busy + idle):.0%}, {busy / os.sysconf('SC_CLK_TCK') / count * 1e6:.0f} µs "
        "of CPU a message (the server's too, on this machine)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=BIG_CORPORA)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--db", help="import into this database and keep it (one corpus, one backend)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for corpus in args.corpora:
            for backend in args.backend or ["sqlite", "postgresql"]:
                run(corpus, backend, Path(tmp), args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
