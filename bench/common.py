"""Shared by the benchmarks: the corpora, throw-away databases, timing."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
BIG_CORPORA = [
    CORPUS / "virtualization-list-2019" / "virtualization-2019.mbox.gz",
    CORPUS / "linux-kbuild-list-2026" / "linux-kbuild-2025-2026.mbox.gz",
]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def throwaway_database(backend: str, workdir: Path) -> Iterator[str]:
    """A new empty database URL of the backend, dropped afterwards."""
    if backend == "sqlite":
        yield str(workdir / f"bench-{uuid.uuid4().hex[:8]}.sqlite3")
        return
    name = f"listkeeper_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], share: float) -> float:
    """The share-th percentile (0..1) by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)
