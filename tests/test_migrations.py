"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import hashlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import SEED_MBOX, downgrade, run_cli
from sqlalchemy import Connection, inspect, select

from listkeeper.search import rebuild
from listkeeper.search.run import search
from listkeeper.store.access import OPERATOR
from listkeeper.store.codec import decompress
from listkeeper.store.db import HEAD_REVISION, alembic_config, open_engine
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.schema import messages, metadata


def _declared_in_schema(name: str | None, kind: str, _parents: dict) -> bool:
    """The full-text tables are dialect-specific, owned by listkeeper.search."""
    return not (kind == "table" and name is not None and name.startswith("search_"))


def test_migrated_schema_matches_declared(db_url: str) -> None:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _declared_in_schema})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_migrating_twice_is_a_no_op(db_url: str) -> None:
    open_engine(db_url).dispose()
    engine = open_engine(db_url)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
    engine.dispose()


def test_search_structures_exist(db_url: str) -> None:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
    engine.dispose()
    assert ("search_fts" if db_url.endswith(".sqlite3") else "search_docs") in names


def test_head_revision_is_alembics_head() -> None:
    """db.py skips Alembic for a database at HEAD_REVISION: it must be the newest."""
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_an_interrupted_upgrade_leaves_the_archive_as_it_was(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade is one transaction (on SQLite too, where pysqlite would commit
    each CREATE on its own): a failure halfway leaves the old schema, and the
    next open runs the whole upgrade again."""
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    engine = open_engine(db_url)
    downgrade(engine, "0003")
    engine.dispose()

    def interrupted(_connection: object) -> None:
        raise RuntimeError("power cut halfway through the upgrade")

    monkeypatch.setattr(rebuild, "rebuild_search_index", interrupted)
    with pytest.raises(RuntimeError, match="power cut"):
        open_engine(db_url)
    monkeypatch.undo()
    engine = open_engine(db_url)  # "table patches already exists" if the first half had stayed
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == HEAD_REVISION
        found = search(conn, OPERATOR, "sym:xen_pt_switch").hits
    engine.dispose()
    assert [hit.message_id for hit in found] == ["4558911E.2030904@suse.de"]


def _stored_mail(conn: Connection) -> dict[str, bytes]:
    """Each message's raw bytes, decompressed, by sha256."""
    lookup = dictionary_lookup(conn)
    rows = conn.execute(select(messages.c.sha256, messages.c.raw))
    return {sha: decompress(raw, lookup) for sha, raw in rows}


def test_upgrade_to_0008_moves_the_blobs_last_and_keeps_every_byte(db_url: str) -> None:
    """SQLite must walk a row's overflow pages to reach any column after a
    big one: 0008 copies the messages table with raw and anatomy last."""
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    engine = open_engine(db_url)
    downgrade(engine, "0007")
    with engine.connect() as conn:
        before = [column["name"] for column in inspect(conn).get_columns("messages")]
        mail = _stored_mail(conn)
    engine.dispose()
    engine = open_engine(db_url)  # upgrades again
    with engine.connect() as conn:
        after = [column["name"] for column in inspect(conn).get_columns("messages")]
        assert _stored_mail(conn) == mail
        assert conn.exec_driver_sql("SELECT count(*) FROM list_messages").scalar() == len(mail)
        found = search(conn, OPERATOR, "sym:xen_pt_switch").hits
    engine.dispose()
    assert len(mail) == 22
    assert all(hashlib.sha256(raw).hexdigest() == sha for sha, raw in mail.items())
    assert [hit.message_id for hit in found] == ["4558911E.2030904@suse.de"]
    assert sorted(after) == sorted(before)
    if db_url.endswith(".sqlite3"):
        assert before.index("raw") < before.index("date")
        assert after[-2:] == ["anatomy", "raw"]
    else:  # TOAST keeps big values out of line: nothing to move
        assert after == before
