"""The SQLite search index merged into one segment (search/segments.py): after
an import that brings a large share of the archive and in `compact`, never
after a small one, and a merged index answers every query as before."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

from conftest import CORPUS, run_cli
from sqlalchemy import Engine, text

from listkeeper.ingest import Tally, import_mails, import_paths
from listkeeper.search.run import Sort, search
from listkeeper.search.segments import (
    AUTOMERGE,
    BULK_CRISIS_MERGE,
    CRISIS_MERGE,
    PENDING_BYTES,
    merge_search_index,
    start_import,
)
from listkeeper.sources.detect import open_source
from listkeeper.sources.mbox import write_mboxrd
from listkeeper.store.access import OPERATOR
from listkeeper.store.db import open_engine

VIRTUALIZATION = CORPUS / "virtualization-list-2019" / "virtualization-2019.mbox.gz"
QUERIES = ["virtio", "f:mst@redhat.com", '"memory barrier"', "vhost -s:net", "q:Acked-by", "dfn:virtio_ring.c"]


def segments(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(DISTINCT segid) FROM search_fts_idx")).scalar_one()


def answers(engine: Engine) -> list[tuple[str, Sort, int, list[str]]]:
    found = []
    with engine.connect() as conn:
        for query in QUERIES:
            for sort in Sort:
                results = search(conn, OPERATOR, query, limit=50, sort=sort)
                found.append((query, sort, results.total, [hit.message_id for hit in results.hits]))
    return found


def mbox_of(tmp_path: Path, name: str, start: int, count: int) -> Path:
    path = tmp_path / name
    with path.open("wb") as out:
        write_mboxrd(islice(open_source(VIRTUALIZATION), start, start + count), out)
    return path


def test_a_merged_index_is_one_segment_and_answers_as_before(tmp_path: Path) -> None:
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    mails = iter(islice(open_source(VIRTUALIZATION), 900))
    for _ in range(3):  # three imports: three writes of segments, never merged
        import_mails(engine, islice(mails, 300), "virtualization", "virtualization", Tally())
    assert segments(engine) > 1
    before = answers(engine)
    assert all(total for _, _, total, _ in before), "every query must find something"
    with engine.begin() as conn:
        assert merge_search_index(conn)
    assert segments(engine) == 1
    assert answers(engine) == before


def fts_option(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT v FROM search_fts_config WHERE k = :k"), {"k": name}).scalar_one()


def automerge(engine: Engine) -> int:
    return fts_option(engine, "automerge")


def test_an_import_into_an_empty_archive_does_not_merge_until_its_end(tmp_path: Path) -> None:
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    with engine.begin() as conn:
        start_import(conn)
    assert (automerge(engine), fts_option(engine, "crisismerge")) == (0, BULK_CRISIS_MERGE)
    assert fts_option(engine, "hashsize") == PENDING_BYTES
    import_mails(engine, islice(open_source(VIRTUALIZATION), 300), "virtualization", "virtualization", Tally())
    with engine.begin() as conn:
        start_import(conn)  # as the re-run of a killed import would
    assert (automerge(engine), fts_option(engine, "crisismerge")) == (AUTOMERGE, CRISIS_MERGE)


def test_a_bulk_import_writes_a_batch_as_one_segment(tmp_path: Path) -> None:
    """FTS5's default 1 MB buffer wrote a batch of 500 real mails as three segments."""
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    with engine.begin() as conn:
        start_import(conn)
    import_mails(engine, islice(open_source(VIRTUALIZATION), 500), "virtualization", "virtualization", Tally())
    assert segments(engine) == 1


def test_a_bulk_import_merges_a_small_one_does_not_and_compact_does(tmp_path: Path) -> None:
    db = str(tmp_path / "archive.sqlite3")
    engine = open_engine(db)
    import_paths(engine, [mbox_of(tmp_path, "first.mbox", 0, 400)], workers=1)
    assert segments(engine) == 1
    assert automerge(engine) == AUTOMERGE
    import_paths(engine, [mbox_of(tmp_path, "later.mbox", 400, 40)], workers=1)
    assert segments(engine) > 1  # 40 is less than a quarter of 440
    done = run_cli("compact", db=db)
    assert done.returncode == 0, done.stderr
    assert b"search index merged into one segment" in done.stdout
    assert segments(engine) == 1


def test_a_bulk_import_gives_back_the_pages_its_merge_freed(tmp_path: Path) -> None:
    """Three batches write three segments; merging them frees their pages,
    which the file gives back rather than keeping them empty."""
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    import_paths(engine, [mbox_of(tmp_path, "bulk.mbox", 0, 1200)], workers=1)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA auto_vacuum").scalar_one() == 2  # incremental
        assert conn.exec_driver_sql("PRAGMA freelist_count").scalar_one() == 0
    assert segments(engine) == 1


def test_postgresql_has_no_segments_to_merge(db_url: str) -> None:
    engine = open_engine(db_url)
    with engine.begin() as conn:
        assert merge_search_index(conn) is (engine.dialect.name == "sqlite")
