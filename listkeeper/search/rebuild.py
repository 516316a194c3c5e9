"""Refill the search index from what is stored (columns and anatomy), without
re-parsing raw bytes: what a migration that adds search fields needs."""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from listkeeper.search.backend import backend_for
from listkeeper.search.document import search_document
from listkeeper.store.codec import decode_anatomy
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.schema import messages

REBUILD_BATCH = 500


def clear_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    else:
        conn.execute(text("DELETE FROM search_docs"))


def rebuild_search_index(conn: Connection) -> int:
    """Index every canonical message again; returns how many."""
    clear_search_index(conn)
    backend = backend_for(conn)
    lookup = dictionary_lookup(conn)
    ids = list(
        conn.execute(
            select(messages.c.id).where(messages.c.canonical).order_by(messages.c.id)
        ).scalars()
    )
    for start in range(0, len(ids), REBUILD_BATCH):
        rows = conn.execute(
            select(
                messages.c.id,
                messages.c.subject,
                messages.c.from_name,
                messages.c.from_addr,
                messages.c.anatomy,
            ).where(messages.c.id.in_(ids[start : start + REBUILD_BATCH]))
        )
        backend.index(
            conn,
            [
                (
                    row.id,
                    search_document(
                        row.subject, row.from_name, row.from_addr, decode_anatomy(row.anatomy, lookup)
                    ),
                )
                for row in rows
            ],
        )
    return len(ids)
