"""The end of an import (threading repair, the patch pass) reads a list a
slice of dates or a batch of threads at a time. Each such statement must
start from what picks its messages; SQLite drives a join with the list from
every membership of the list, which made the last phase of a 1,000,000-message
import read the whole list once per slice. A month page has the same shape."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

from conftest import CORPUS, query_plan, selects_of
from sqlalchemy import Engine, update

from listkeeper.ingest import Tally, import_mails, repair_threads
from listkeeper.sources.detect import open_source
from listkeeper.store.access import ANONYMOUS
from listkeeper.store.db import open_engine
from listkeeper.store.reader import ThreadSummary, latest_threads
from listkeeper.store.schema import lists

VIRTUALIZATION = CORPUS / "virtualization-list-2019" / "virtualization-2019.mbox.gz"
WHOLE_LIST_SCAN = "(list_id=?)"  # memberships searched by list alone
LIST = "virtualization"


def _import(tmp_path: Path) -> tuple[Engine, Tally]:
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    tally = Tally()
    import_mails(engine, islice(open_source(VIRTUALIZATION), 600), None, LIST, tally)
    return engine, tally


def _assert_none_scans_the_list(engine: Engine, statements: list[tuple[str, object]]) -> None:
    for sql, params in statements:
        plan = query_plan(engine, sql, params)
        assert not any(WHOLE_LIST_SCAN in step for step in plan), (sql, plan)


def test_repair_and_patch_pass_read_slices_without_scanning_the_list(tmp_path: Path) -> None:
    engine, tally = _import(tmp_path)
    statements = selects_of(engine, lambda: repair_threads(engine, tally.lists_touched))
    sliced = [(sql, args) for sql, args in statements if "date >=" in sql or "thread_id IN" in sql]
    assert len(sliced) >= 3, "the repair and patch pass read slices"
    _assert_none_scans_the_list(engine, sliced)


def test_a_month_page_reads_that_month_only(tmp_path: Path) -> None:
    """A month page is a page view: at 1,000,000 messages, joining the list
    made one month of the virtualization list take 4 s warm, 20 s cold."""
    engine, _ = _import(tmp_path)
    since = datetime(2019, 5, 1, tzinfo=timezone.utc)
    until = datetime(2019, 6, 1, tzinfo=timezone.utc)
    with engine.connect() as conn:
        found: list[ThreadSummary] = []
        statements = selects_of(
            engine,
            lambda: found.extend(latest_threads(conn, ANONYMOUS, LIST, 500, 0, since, until)),
        )
        everything = latest_threads(conn, ANONYMOUS, LIST, 10_000)
        conn.execute(update(lists).values(private=True))
        hidden = latest_threads(conn, ANONYMOUS, LIST, 500, 0, since, until)
    assert len(statements) == 3
    _assert_none_scans_the_list(engine, statements)
    in_month = [t for t in everything if since <= t.last < until and t.started >= since]
    assert len(in_month) >= 10
    assert {t.root for t in in_month} <= {t.root for t in found}
    assert all(t.last < until for t in found)
    assert hidden == [], "a private list's month is not shown to who may not read it"
