"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is the real server on 127.0.0.1:5432 (user postgres, trust auth);
each test gets a throw-away database. Nothing is skipped: if the server is
down, the PostgreSQL half fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, event

from listkeeper.store.db import alembic_config, migration_connection

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_MBOX = ROOT / "examples" / "xen-devel-compat-thread.mbox"
SEED_EXPECTED = json.loads((SHARED / "seed" / "expected.json").read_text())
SEED_ROOT = SEED_EXPECTED["root"]
CORPUS = SHARED / "corpus"
PG_ADMIN = os.environ.get("LISTKEEPER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")
# Debian's Chromium, as CI installs it; Playwright drives it, never its own download.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _pg_url(name: str) -> str:
    base, _, _ = PG_ADMIN.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "archive.sqlite3")
        return
    yield from throwaway_pg()


def throwaway_pg() -> Iterator[str]:
    name = f"listkeeper_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to an older migration, as one transaction."""
    with migration_connection(engine) as conn:
        command.downgrade(alembic_config(conn), revision)


def selects_of(engine: Engine, action: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SELECT statements ``action`` runs, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def record(conn, cursor, sql, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not executemany and sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def query_plan(engine: Engine, sql: str, params: Any) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of a statement, a step a line."""
    with engine.connect() as conn:
        return [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]


def run_cli(*args: str, db: str | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the real `listkeeper` command in a subprocess."""
    command = [sys.executable, "-m", "listkeeper"]
    if db is not None:
        command += ["--db", db]
    return subprocess.run(
        [*command, *args], input=input, capture_output=True, cwd=ROOT, timeout=600, check=False
    )


@pytest.fixture(scope="module", params=BACKENDS)
def seeded_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of each backend holding the seed thread (read-only for tests)."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("seed") / "seed.sqlite3")
        _import_seed(url)
        yield url
        return
    for url in throwaway_pg():
        _import_seed(url)
        yield url


def _import_seed(url: str) -> None:
    result = run_cli("import", str(SEED_MBOX), db=url)
    assert result.returncode == 0, result.stderr.decode()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module."""
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
