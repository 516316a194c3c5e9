"""SQLite runs one writer and any number of readers (WAL): a reader that
connects while an import is writing reads at once, it never waits for the
writer's transaction, which at the end of a big import lasts minutes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from listkeeper.store.db import open_engine
from listkeeper.store.schema import messages


def test_a_reader_connects_and_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    open_engine(str(path)).dispose()  # an archive, its schema made
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # the write lock, held as an import holds it
    try:
        engine = open_engine(str(path))
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 0
            # The file was still asked for incremental auto-vacuum when it was new.
            assert conn.exec_driver_sql("PRAGMA auto_vacuum").scalar_one() == 2
        engine.dispose()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
