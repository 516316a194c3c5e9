"""The end of an import (threading repair, the patch pass) reads a list a
slice of dates or a batch of threads at a time. Each such statement must
start from what picks its messages; SQLite drives a join with the list from
every membership of the list, which made the last phase of a 1,000,000-message
import read the whole list once per slice."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

from conftest import CORPUS
from sqlalchemy import event

from listkeeper.ingest import Tally, import_mails, repair_threads
from listkeeper.sources.detect import open_source
from listkeeper.store.db import open_engine

VIRTUALIZATION = CORPUS / "virtualization-list-2019" / "virtualization-2019.mbox.gz"
WHOLE_LIST_SCAN = "(list_id=?)"  # memberships searched by list alone


def test_repair_and_patch_pass_read_slices_without_scanning_the_list(tmp_path: Path) -> None:
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    tally = Tally()
    import_mails(engine, islice(open_source(VIRTUALIZATION), 600), None, "virtualization", tally)
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, sql, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not executemany and sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    repair_threads(engine, tally.lists_touched)
    event.remove(engine, "before_cursor_execute", record)

    sliced = [(sql, params) for sql, params in statements if "date >=" in sql or "thread_id IN" in sql]
    assert len(sliced) >= 3, "the repair and patch pass read slices"
    with engine.connect() as conn:
        for sql, params in sliced:
            plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert not any(WHOLE_LIST_SCAN in step for step in plan), (sql, plan)
