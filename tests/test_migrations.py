"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from listkeeper.store.db import open_engine
from listkeeper.store.schema import metadata


def test_migrated_schema_matches_declared(db_url: str) -> None:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_migrating_twice_is_a_no_op(db_url: str) -> None:
    open_engine(db_url).dispose()
    engine = open_engine(db_url)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
    engine.dispose()
