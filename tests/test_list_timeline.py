"""Each list's timeline (``list_messages.date``): front pages, months, feeds and
the list of lists read it instead of every message of a list. It must stay
what it is derived from, through imports, cross-posts, copies with other
bytes, takedowns and reindexing; and the pages read from it must be what a
whole-list reading gives, on both databases."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import pytest
from conftest import CORPUS, SEED_MBOX, query_plan, selects_of
from sqlalchemy import Connection, Engine, select, update

from listkeeper.ingest import Tally, import_mails
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store import reader
from listkeeper.store.access import ANONYMOUS, OPERATOR
from listkeeper.store.db import open_engine
from listkeeper.store.reindex import reindex
from listkeeper.store.schema import list_messages, lists, messages, thread_nodes
from listkeeper.store.takedown import remove

VIRTUALIZATION = CORPUS / "virtualization-list-2019" / "virtualization-2019.mbox.gz"
LIST = "virtualization"
CROSS_POSTED = "xen-users"


def _import(engine: Engine, mails: list[RawMail], list_name: str) -> None:
    import_mails(engine, mails, list_name, list_name, Tally())


def _timeline_drift(conn: Connection) -> list[tuple[int, int]]:
    """Memberships whose date is not their message's (NULL for other copies)."""
    rows = conn.execute(
        select(
            list_messages.c.list_id,
            list_messages.c.message_pk,
            list_messages.c.date,
            messages.c.date.label("message_date"),
            messages.c.canonical,
        ).join(messages, messages.c.id == list_messages.c.message_pk)
    )
    return [
        (row.list_id, row.message_pk)
        for row in rows
        if row.date != (row.message_date if row.canonical else None)
    ]


def test_the_timeline_follows_imports_copies_takedowns_and_reindex(db_url: str) -> None:
    engine = open_engine(db_url)
    seed = list(open_source(SEED_MBOX))
    _import(engine, seed, "xen-devel")
    _import(engine, seed[:5], CROSS_POSTED)  # copies already stored join a second list
    other_bytes = RawMail(
        seed[3].data.replace(b"\n\n", b"\nX-Copy: other bytes\n\n", 1), None, "copy"
    )
    _import(engine, [other_bytes], CROSS_POSTED)
    with engine.begin() as conn:
        copies = conn.execute(select(messages.c.canonical)).scalars().all()
        assert copies.count(False) == 1, "the copy with other bytes is kept, not canonical"
        assert conn.execute(select(list_messages.c.date)).scalars().all().count(None) == 1
        assert _timeline_drift(conn) == []
        fifth = select(messages.c.message_id).where(
            messages.c.sha256 == hashlib.sha256(seed[4].data).hexdigest()
        )
        remove(conn, conn.execute(fifth).scalar_one(), "a test takedown", "tester")
        # As an older parser might have left them: both dates wrong.
        stale = datetime(1999, 1, 1, tzinfo=timezone.utc)
        conn.execute(update(messages).values(date=stale))
        conn.execute(
            update(list_messages).where(list_messages.c.date.is_not(None)).values(date=stale)
        )
        reindex(conn)
        assert _timeline_drift(conn) == []
        assert stale not in conn.execute(select(list_messages.c.date)).scalars().all()
        summaries = {s.name: s for s in reader.list_summaries(conn, OPERATOR)}
    engine.dispose()
    assert (summaries["xen-devel"].messages, summaries[CROSS_POSTED].messages) == (21, 4)


def _whole_list(conn: Connection) -> list[tuple[int, datetime, str]]:
    """(thread, date, sender) of every canonical message of the list: the oracle."""
    query = (
        select(thread_nodes.c.thread_id, messages.c.date, messages.c.from_addr)
        .join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id)
        .join(list_messages, list_messages.c.message_pk == messages.c.id)
        .join(lists, lists.c.id == list_messages.c.list_id)
        .where(lists.c.name == LIST, messages.c.canonical)
    )
    return [(row.thread_id, reader.as_utc(row.date), row.from_addr) for row in conn.execute(query)]


def _pages_of_seven(conn: Connection) -> list[list[reader.ThreadSummary]]:
    pages = []
    for offset in range(0, 10_000, 7):
        page = reader.latest_threads(conn, ANONYMOUS, LIST, 7, offset)
        if not page:
            return pages
        pages.append(page)
    raise AssertionError("more pages than threads")


def test_pages_read_from_the_timeline_agree_with_the_whole_list(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 7 threads over 600 messages, also with first windows of one
    entry, which every page must widen, many times."""
    engine = open_engine(db_url)
    _import(engine, list(islice(open_source(VIRTUALIZATION), 600)), LIST)
    with engine.connect() as conn:
        everything = _whole_list(conn)
        pages = _pages_of_seven(conn)
        monkeypatch.setattr(reader, "TIMELINE_ENTRIES_PER_THREAD", 0)
        monkeypatch.setattr(reader, "MIN_TIMELINE_WINDOW", 1)
        assert _pages_of_seven(conn) == pages
        months = reader.list_months(conn, ANONYMOUS, LIST)
        feed = reader.latest_messages(conn, ANONYMOUS, LIST, 30)
    engine.dispose()

    last: dict[int, datetime] = {}
    for thread_id, date, _ in everything:
        last[thread_id] = max(date, last.get(thread_id, date))
    expected = sorted(sorted(last.items()), key=lambda item: item[1], reverse=True)
    shown = [summary for page in pages for summary in page]
    assert len(expected) > 50
    assert [summary.last for summary in shown] == [date for _, date in expected]
    counts = Counter(thread_id for thread_id, _, _ in everything)
    assert [summary.messages for summary in shown] == [counts[t] for t, _ in expected]

    by_month = Counter((date.year, date.month) for _, date, _ in everything)
    assert months == sorted(((y, m, n) for (y, m), n in by_month.items()), reverse=True)
    newest = sorted((date for _, date, _ in everything), reverse=True)[:30]
    assert [entry.summary.date for entry in feed] == newest


def test_front_pages_read_the_newest_entries_only(tmp_path: Path) -> None:
    """The window of the timeline is read down its index, without sorting the list."""
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    _import(engine, list(islice(open_source(VIRTUALIZATION), 300)), LIST)
    with engine.connect() as conn:
        statements = selects_of(engine, lambda: reader.latest_threads(conn, ANONYMOUS, LIST, 20))
    sql, params = statements[0]
    plan = query_plan(engine, sql, params)
    engine.dispose()
    assert "LIMIT" in sql
    window = plan[: plan.index("SCAN anon_1")]
    assert any("ix_list_messages_timeline" in step for step in window), plan
    assert not any("TEMP B-TREE" in step for step in window), plan
