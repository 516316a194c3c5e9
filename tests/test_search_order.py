"""Search by date and date ranges when mail arrives out of date order, as it
does when an old archive is imported after newer mail: the order is the
messages' dates, never the order they were stored in."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli, throwaway_pg
from sqlalchemy import literal_column, select

from listkeeper.search import run
from listkeeper.search.backend import SEARCH_KEY_SQL
from listkeeper.search.query import INDEXED_FIELDS
from listkeeper.search.run import RANKED_WINDOW, SearchResults, Sort, search
from listkeeper.store.access import OPERATOR
from listkeeper.store.db import open_engine
from listkeeper.store.schema import messages

# (Message-ID, Date header), in the order they are imported: newest mail first.
BATCHES = [
    [("new-1@test", "Tue, 14 Jan 2025 10:00:00 +0000"), ("new-2@test", "Tue, 14 Jan 2025 10:00:00 +0000")],
    [("old-1@test", "Mon, 13 Nov 2006 16:09:00 +0100"), ("old-2@test", "Wed, 15 Nov 2006 23:59:59 -0000")],
    [("mid-1@test", "Thu, 16 Nov 2006 00:00:00 +0000"), ("mid-2@test", "Sat, 01 Jun 2019 12:00:00 +0200")],
]


def _mbox(path: Path, batch: list[tuple[str, str]]) -> Path:
    mails = [
        f"From sender@test Mon Jan  1 00:00:00 2024\nFrom: Sender <sender@test>\n"
        f"Message-ID: <{mid}>\nDate: {date}\nSubject: hypervisor {mid}\n\n"
        f"the hypervisor balloon driver\n\n"
        for mid, date in batch
    ]
    path.write_text("".join(mails))
    return path


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> str:
    for n, batch in enumerate(BATCHES):
        result = run_cli("import", "--list", "order", str(_mbox(tmp_path / f"{n}.mbox", batch)), db=db_url)
        assert result.returncode == 0, result.stderr.decode()
    return db_url


def _search(db: str, query: str, sort: Sort = Sort.DATE, **options: object) -> SearchResults:
    engine = open_engine(db)
    with engine.connect() as conn:
        results = search(conn, OPERATOR, query, sort=sort, **options)  # type: ignore[arg-type]
    engine.dispose()
    return results


def _found(db: str, query: str, sort: Sort = Sort.DATE, **options: object) -> list[str]:
    return [hit.message_id for hit in _search(db, query, sort, **options).hits]


def test_by_date_follows_the_dates_not_the_import_order(archive: str) -> None:
    found = _found(archive, "hypervisor")
    assert found[:2] == ["new-2@test", "new-1@test"]  # the same second: the later stored first
    assert found[2:] == ["mid-2@test", "mid-1@test", "old-2@test", "old-1@test"]


def test_a_date_range_holds_its_first_day_and_not_the_day_after(archive: str) -> None:
    # old-2 is 23:59:59 on its last day, mid-1 is midnight after it.
    assert _found(archive, "balloon d:2006-11-13..2006-11-15") == ["old-2@test", "old-1@test"]
    assert _found(archive, "balloon d:2006-11-16..") == ["new-2@test", "new-1@test", "mid-2@test", "mid-1@test"]
    assert _found(archive, "d:..2006-11-15 balloon") == ["old-2@test", "old-1@test"]


def test_a_page_deep_in_the_results_is_still_in_date_order(archive: str) -> None:
    assert _found(archive, "hypervisor", limit=2, offset=3) == ["mid-1@test", "old-2@test"]


@pytest.mark.parametrize("sort", list(Sort))
def test_a_page_past_the_last_match_still_counts_them(archive: str, sort: Sort) -> None:
    """A page counts the matches as it reads them; past the last one there
    is nothing to count from, and the total must still be right."""
    assert _search(archive, "hypervisor", sort, limit=2, offset=2).total == 6
    beyond = _search(archive, "hypervisor", sort, limit=2, offset=10)
    assert beyond.hits == [] and beyond.total == 6
    assert _search(archive, "nowhere", sort, limit=2, offset=0).total == 0


def test_more_matches_than_are_counted_still_come_newest_first(archive: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """By date, the first matches read (oldest first, the cheap way) are
    sorted: that is the newest page only when every match was read. Counting
    up to three of the six here, the page must still be the newest."""
    monkeypatch.setattr(run, "MAX_COUNTED", 3)
    _forget_statements()
    try:
        first = _search(archive, "hypervisor", limit=2)
        assert [hit.message_id for hit in first.hits] == ["new-2@test", "new-1@test"]
        assert first.total == 4 and first.total_is_capped
        assert _found(archive, "hypervisor", limit=2, offset=4) == ["old-2@test", "old-1@test"]
    finally:
        monkeypatch.undo()
        _forget_statements()


def _forget_statements() -> None:
    """Statements are cached with the limits they were built with."""
    for build in (run._counted_page, run._newest_page, run._bounded_count):
        build.cache_clear()


def test_relevance_puts_the_subject_first_and_date_the_newest(db_url: str, tmp_path: Path) -> None:
    """The oldest message names the word in its subject: first by rank
    (subject weighs most), last by date."""
    mails = [
        ("subject@test", "Mon, 13 Nov 2006 16:09:00 +0100", "balloon driver", "the balloon"),
        ("body-1@test", "Tue, 14 Nov 2006 10:00:00 +0000", "a driver", "the balloon"),
        ("body-2@test", "Wed, 15 Nov 2006 10:00:00 +0000", "a driver", "the balloon"),
    ]
    mbox = tmp_path / "rank.mbox"
    mbox.write_text("".join(
        f"From s@test Mon Jan  1 00:00:00 2024\nFrom: S <s@test>\nMessage-ID: <{mid}>\n"
        f"Date: {date}\nSubject: {subject}\n\n{body}\n\n"
        for mid, date, subject, body in mails
    ))
    assert run_cli("import", "--list", "rank", str(mbox), db=db_url).returncode == 0
    ranked = _search(db_url, "balloon", Sort.RANK)
    assert ranked.hits[0].message_id == "subject@test" and ranked.total == 3
    by_date = _search(db_url, "balloon", Sort.DATE)
    assert [hit.message_id for hit in by_date.hits] == ["body-2@test", "body-1@test", "subject@test"]


def test_a_search_of_addresses_alone_comes_newest_first(archive: str) -> None:
    """f:, t: and c: say who, not what: bm25 would order such matches by the
    length of the mail (and read every one of them to do it)."""
    by_address = _search(archive, "f:sender@test", Sort.RANK)
    assert not by_address.ranked
    assert [hit.message_id for hit in by_address.hits] == _found(archive, "hypervisor")
    assert _search(archive, "f:sender@test balloon", Sort.RANK).ranked


def test_relevance_ranks_within_the_window_of_newest_matches(archive: str) -> None:
    """All six are in the window here; the window only bounds the work."""
    assert RANKED_WINDOW >= sum(len(batch) for batch in BATCHES)
    ranked = _found(archive, "s:old", sort=Sort.RANK)
    assert set(ranked) == {"old-1@test", "old-2@test"}


def test_a_removed_message_leaves_the_index(archive: str) -> None:
    """Removal tells FTS5 which row to forget by its key: a wrong key would
    leave the message findable (or corrupt the contentless index)."""
    result = run_cli("remove", "mid-2@test", "--reason", "asked by the author", db=archive)
    assert result.returncode == 0, result.stderr.decode()
    assert "mid-2@test" not in _found(archive, "hypervisor")
    assert len(_found(archive, "hypervisor")) == 5
    assert _index_rows(archive) == 5


def test_each_message_is_indexed_under_its_own_key(archive: str) -> None:
    """The index holds each canonical message once, under its key: on SQLite
    the key of its stored date, read from the stored row before the write (a
    key off by minutes would still list mail in nearly the right order); on
    PostgreSQL its id."""
    engine = open_engine(archive)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            key = literal_column(SEARCH_KEY_SQL)
            indexed_sql = "SELECT rowid FROM search_fts"
        else:
            key = messages.c.id
            indexed_sql = "SELECT message_pk FROM search_docs"
        wanted = set(conn.execute(select(key).where(messages.c.canonical)).scalars())
        indexed = list(conn.exec_driver_sql(indexed_sql).scalars())
    engine.dispose()
    assert len(wanted) == 6
    assert sorted(indexed) == sorted(wanted)


def _index_rows(db: str) -> int:
    """Rows in the full-text index itself, not joined to messages."""
    engine = open_engine(db)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'hypervisor'"
        else:
            query = "SELECT count(*) FROM search_docs"
        rows = conn.exec_driver_sql(query).scalar_one()
    engine.dispose()
    return rows


def test_postgresql_plans_with_statistics_of_what_was_imported(tmp_path: Path) -> None:
    """Without them its planner drives a search from every list membership,
    and with GIN's pending lists unmerged it scans every document.
    (SQLite's plans here do not use statistics.)"""
    for db in throwaway_pg():
        result = run_cli("import", str(_mbox(tmp_path / "one.mbox", BATCHES[0])), db=db)
        assert result.returncode == 0, result.stderr.decode()
        engine = open_engine(db)
        with engine.connect() as conn:
            analyzed = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                "AND relname IN ('messages', 'search_docs', 'list_messages')"
            ).scalar_one()
            # Nothing left for the search indexes to merge: searches read no pending list.
            pending = conn.exec_driver_sql(
                "SELECT gin_clean_pending_list(indexrelid) FROM pg_index "
                "WHERE indexrelid::regclass::text LIKE 'ix_search_docs_%%'"
            ).scalars().all()
        engine.dispose()
        assert analyzed == 3
        assert len(pending) == len(INDEXED_FIELDS) and set(pending) == {0}
