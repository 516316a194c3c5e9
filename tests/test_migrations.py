"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from alembic.script import ScriptDirectory

from listkeeper.store.db import HEAD_REVISION, alembic_config, open_engine
from listkeeper.store.schema import metadata


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
