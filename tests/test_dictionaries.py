"""zstd dictionaries trained on a database's own mail (store/dictionaries.py):
trained once by an import that brings enough mail, used for every later
row, and every row of any age still gives back its exact bytes."""

from __future__ import annotations

import hashlib
import threading
from itertools import islice

import pytest
import zstandard
from conftest import CORPUS, downgrade
from sqlalchemy import Engine, func, select, update

from listkeeper.ingest import Parsers, Tally, import_mails
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store.codec import compress, decode_anatomy, decompress, frame_dictionary_id
from listkeeper.store.compact import compact
from listkeeper.store.db import DatabaseError, open_engine
from listkeeper.store.dictionaries import MIN_SAMPLES, dictionary_lookup
from listkeeper.store.schema import messages, zstd_dictionaries

VIRTUALIZATION = CORPUS / "virtualization-list-2019" / "virtualization-2019.mbox.gz"


def corpus_mails(start: int, count: int) -> list[RawMail]:
    return list(islice(open_source(VIRTUALIZATION), start, start + count))


def import_into(engine: Engine, mails: list[RawMail], parsers: Parsers | None = None) -> Tally:
    tally = Tally()
    import_mails(engine, iter(mails), "virtualization", "virtualization", tally, parsers=parsers)
    return tally


def frame_dictionaries(engine: Engine) -> dict[str, set[int]]:
    """The dictionary ids the stored raw and anatomy frames name (0: none)."""
    with engine.connect() as conn:
        rows = conn.execute(select(messages.c.raw, messages.c.anatomy)).all()
    return {
        "raw": {frame_dictionary_id(row.raw) for row in rows},
        "anatomy": {frame_dictionary_id(row.anatomy) for row in rows},
    }


def stored_dictionaries(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(zstd_dictionaries.c.kind, zstd_dictionaries.c.id)).all())


def assert_every_row_reads_back(engine: Engine, mails: list[RawMail]) -> None:
    """Raw bytes exactly as imported and anatomies that decode, read in a new
    thread: its zstd contexts are fresh, so dictionaries come from the database."""
    wanted = {hashlib.sha256(mail.data).hexdigest(): mail.data for mail in mails}
    failures: list[str] = []

    def read() -> None:
        with engine.connect() as conn:
            lookup = dictionary_lookup(conn)
            for row in conn.execute(select(messages.c.sha256, messages.c.raw, messages.c.anatomy)):
                if decompress(row.raw, lookup) != wanted[row.sha256]:
                    failures.append(f"{row.sha256}: raw bytes differ")
                if not decode_anatomy(row.anatomy, lookup)["blocks"]:
                    failures.append(f"{row.sha256}: anatomy has no blocks")

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    assert failures == []


def test_a_big_enough_import_trains_and_uses_dictionaries(db_url: str) -> None:
    engine = open_engine(db_url)
    mails = corpus_mails(0, 300)
    with Parsers(2) as parsers:
        assert import_into(engine, mails, parsers).imported == len(mails)
    trained = stored_dictionaries(engine)
    assert sorted(trained) == ["anatomy", "raw"]
    # Every row, parsed in the parser processes, names the database's dictionaries.
    assert frame_dictionaries(engine) == {"raw": {trained["raw"]}, "anatomy": {trained["anatomy"]}}
    assert_every_row_reads_back(engine, mails)
    engine.dispose()


def test_small_imports_wait_and_later_rows_use_the_first_dictionaries(db_url: str) -> None:
    engine = open_engine(db_url)
    few, many, more = corpus_mails(0, MIN_SAMPLES - 1), corpus_mails(200, 250), corpus_mails(500, 150)
    import_into(engine, few)
    assert stored_dictionaries(engine) == {}
    assert frame_dictionaries(engine) == {"raw": {0}, "anatomy": {0}}
    import_into(engine, many)
    trained = stored_dictionaries(engine)
    import_into(engine, more)
    # Trained once: the third import reuses them, the first import's rows stay plain.
    assert stored_dictionaries(engine) == trained
    assert frame_dictionaries(engine) == {
        "raw": {0, trained["raw"]},
        "anatomy": {0, trained["anatomy"]},
    }
    assert_every_row_reads_back(engine, few + many + more)
    engine.dispose()


def test_dictionaries_make_the_archive_smaller(tmp_path) -> None:
    """What they are for: real mail, stored smaller than one frame at a time."""
    mails = corpus_mails(0, 400)
    sizes = {}
    for name, batches in (("plain", [mails[i : i + 50] for i in range(0, 400, 50)]), ("trained", [mails])):
        engine = open_engine(str(tmp_path / f"{name}.sqlite3"))
        for batch in batches:  # imports of 50 are too small to train on
            import_into(engine, batch)
        with engine.connect() as conn:
            sizes[name] = conn.execute(
                select(func.sum(func.length(messages.c.raw)), func.sum(func.length(messages.c.anatomy)))
            ).one()
        engine.dispose()
    assert sizes["trained"][0] < 0.85 * sizes["plain"][0]
    assert sizes["trained"][1] < 0.9 * sizes["plain"][1]


def test_a_frame_whose_dictionary_is_missing_is_a_clear_error(db_url: str) -> None:
    engine = open_engine(db_url)
    elsewhere = zstandard.train_dictionary(
        16_384, [mail.data for mail in corpus_mails(0, 200)], dict_id=4242
    )
    frame = zstandard.ZstdCompressor(dict_data=elsewhere).compress(b"a message")

    def read() -> None:
        with engine.connect() as conn, pytest.raises(LookupError, match="4242"):
            decompress(frame, dictionary_lookup(conn))

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    engine.dispose()


def test_0007_is_not_undone_once_rows_need_its_dictionaries(tmp_path) -> None:
    path = str(tmp_path / "archive.sqlite3")
    engine = open_engine(path)
    import_into(engine, corpus_mails(0, 150))
    with pytest.raises(RuntimeError, match="cannot be undone"):
        downgrade(engine, "0006")
    engine.dispose()


def test_compact_recompresses_an_archive_made_before_dictionaries(db_url: str) -> None:
    engine = open_engine(db_url)
    mails = corpus_mails(0, 300)
    for start in range(0, len(mails), 50):  # imports too small to train on
        import_into(engine, mails[start : start + 50])
    assert frame_dictionaries(engine) == {"raw": {0}, "anatomy": {0}}
    done = compact(engine)
    trained = stored_dictionaries(engine)
    assert done.messages == len(mails) and done.bytes_after < 0.85 * done.bytes_before
    assert frame_dictionaries(engine) == {"raw": {trained["raw"]}, "anatomy": {trained["anatomy"]}}
    assert_every_row_reads_back(engine, mails)
    assert compact(engine).messages == 0  # nothing left to do
    engine.dispose()


def test_compact_refuses_bytes_that_do_not_match_their_sha256(tmp_path) -> None:
    engine = open_engine(str(tmp_path / "archive.sqlite3"))
    mails = corpus_mails(0, 150)
    for start in range(0, len(mails), 50):
        import_into(engine, mails[start : start + 50])
    with engine.begin() as conn:
        damaged = conn.execute(select(messages.c.id).limit(1)).scalar_one()
        conn.execute(update(messages).where(messages.c.id == damaged).values(raw=compress(b"not it")))
    with pytest.raises(DatabaseError, match=f"message {damaged}"):
        compact(engine)
    with engine.connect() as conn:
        kept = conn.execute(select(messages.c.raw).where(messages.c.id == damaged)).scalar_one()
    assert decompress(kept) == b"not it"  # untouched: compact never rewrites what it cannot check
    engine.dispose()
