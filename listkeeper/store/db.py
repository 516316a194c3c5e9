"""Opening the database: a path or URL in, a migrated SQLAlchemy engine out.

SQLite is the embedded default (one file, WAL so readers never wait for the
importer); PostgreSQL is reached through psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration (tests/test_migrations.py checks it is Alembic's head):
# a database already there is opened without loading Alembic at all, which
# matters to `deliver`, run once per message by the mail server.
HEAD_REVISION = "0011"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseError(Exception):
    """The database cannot be opened or used (the message says why)."""


def database_url(db: str) -> str:
    """Accept a file path or a URL; plain postgresql:// means psycopg 3."""
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser()}"
    if db.startswith("postgresql://") or db.startswith("postgres://"):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    return db


def open_engine(db: str) -> Engine:
    """An engine for the database, its schema migrated to the newest version."""
    try:
        url = make_url(database_url(db))
    except ArgumentError as exc:
        raise DatabaseError(f"{db}: not a database path or URL") from exc
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url.database or "")
    elif url.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_pre_ping=True)
    else:
        raise DatabaseError(f"{db}: only SQLite and PostgreSQL are supported")
    migrate(engine)
    return engine


def _sqlite_engine(path: str, transactional_ddl: bool = False) -> Engine:
    if path and path != ":memory:":
        parent = Path(path).parent
        if not parent.is_dir():
            raise DatabaseError(f"{path}: folder {parent} does not exist")
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Lets a bulk import give back the pages its index merges freed
        # (compact.release_free_pages). SQLite takes it only for a new file,
        # and asking for it takes the write lock: on any other file a
        # connection would wait for whatever import is writing.
        if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
            cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A migration copies tables that others point at (SQLite's way to
        # change a table's shape): the check waits for the end (migrate).
        cursor.execute(f"PRAGMA foreign_keys={'OFF' if transactional_ddl else 'ON'}")
        cursor.close()
        if transactional_ddl:
            dbapi_connection.isolation_level = None  # BEGIN is ours, not pysqlite's

    if transactional_ddl:

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, running on ``connection`` when one is given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there)."""
    if _revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with migration_connection(engine) as connection:
        command.upgrade(alembic_config(connection), "head")


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """One transaction for a whole upgrade or downgrade, so one that is
    interrupted leaves the archive as it was and runs again from the start.

    On SQLite that takes an engine of its own: pysqlite commits before every
    CREATE, DROP or ALTER, which would leave half an upgrade behind; and
    foreign keys are checked once at the end, since changing a table's shape
    there means copying it while other tables point at it.
    """
    migrating = engine
    if engine.dialect.name == "sqlite":
        migrating = _sqlite_engine(engine.url.database or "", transactional_ddl=True)
    try:
        with migrating.begin() as connection:
            yield connection
            _check_foreign_keys(connection)
    finally:
        if migrating is not engine:
            migrating.dispose()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit an upgrade that left a reference dangling: SQLite's
    migrations run with foreign keys off (see _sqlite_engine)."""
    if connection.dialect.name != "sqlite":
        return
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
    if dangling is not None:
        raise DatabaseError(f"upgrade left a dangling reference in table {dangling[0]}")


def _revision(engine: Engine) -> str | None:
    """The database's migration, or None for a new (or foreign) database."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def refresh_statistics(engine: Engine) -> None:
    """Let PostgreSQL's planner see what a big import added. Without fresh
    statistics it guesses a few hundred rows a table and drives a search from
    every list membership instead of from the newest messages: 100 ms where
    7 ms will do. Autovacuum would get there, minutes later.

    The search indexes' pending lists are merged first: GIN keeps new
    entries in an unsorted list, up to 4 MB an index, that every search
    reads through and that the planner costs as such (after importing both
    lists, a one-word search scanned all of search_docs: 34 ms, against
    0.09 ms merged). SQLite's plans here do not depend on statistics."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(_MERGE_GIN_PENDING_LISTS))
            conn.execute(text("ANALYZE"))


_MERGE_GIN_PENDING_LISTS = """
SELECT gin_clean_pending_list(ix.indexrelid)
FROM pg_index AS ix
JOIN pg_class AS c ON c.oid = ix.indexrelid
JOIN pg_am AS am ON am.oid = c.relam
WHERE am.amname = 'gin' AND ix.indrelid = 'search_docs'::regclass
"""
