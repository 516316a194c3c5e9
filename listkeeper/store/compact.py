"""Recompress stored mail with the database's dictionaries, merge the search
index and give freed space back (`listkeeper compact`).

Rows written before the database had dictionaries (archives from before
migration 0007, or imports too small to train on) stay compressed one frame
at a time until this rewrites them. Raw bytes are the truth: each is checked
against its sha256 before its new frame replaces the old one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select, update

from listkeeper.search.segments import merge_search_index
from listkeeper.store.codec import (
    NO_DICTIONARIES,
    Compression,
    compress,
    decompress,
    dictionary_id,
    frame_dictionary_id,
)
from listkeeper.store.db import DatabaseError
from listkeeper.store.dictionaries import TRAINING_SAMPLES, database_compression, dictionary_lookup
from listkeeper.store.schema import messages

COMPACT_BATCH = 500  # messages per transaction


@dataclass(frozen=True, slots=True)
class Compacted:
    messages: int  # rewritten with the dictionaries
    bytes_before: int  # of their raw and anatomy frames
    bytes_after: int
    index_merged: bool = False  # the search index rewritten as one segment (SQLite)


def compact(engine: Engine) -> Compacted:
    """Train the dictionaries if there are none (from the first messages
    stored), rewrite every row not compressed with them, merge the search
    index into one segment, then VACUUM so the freed pages can be reused
    (SQLite also gives them back)."""
    with engine.connect() as conn:
        lookup = dictionary_lookup(conn)
        first = conn.execute(select(messages.c.raw).order_by(messages.c.id).limit(TRAINING_SAMPLES))
        sample = [decompress(raw, lookup) for raw in first.scalars()]
    compression = database_compression(engine, sample)
    done, before, after = _recompress(engine, compression) if compression != NO_DICTIONARIES else (0, 0, 0)
    with engine.begin() as conn:
        merged = merge_search_index(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
    return Compacted(done, before, after, merged)


def release_free_pages(engine: Engine) -> None:
    """Give the file's free pages back to the file system, moving pages from
    its end into them: the index merge at the end of a bulk import leaves
    1,891 of 15,898 pages free for the virtualization list, 3,310 of
    589,729 for 200,000 messages. Only a database created with incremental
    auto-vacuum can (db._sqlite_engine)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        # Through executescript, which steps the pragma to its end: a cursor
        # stops after its first step, one page.
        conn.connection.driver_connection.executescript("PRAGMA incremental_vacuum")  # type: ignore[union-attr]


def _recompress(engine: Engine, compression: Compression) -> tuple[int, int, int]:
    """(rows rewritten, their bytes before, after), batch by batch."""
    wanted = {dictionary_id(compression.raw), dictionary_id(compression.anatomy)}
    done, before, after, last = 0, 0, 0, 0
    while True:
        with engine.begin() as conn:
            lookup = dictionary_lookup(conn)
            rows = conn.execute(
                select(messages.c.id, messages.c.sha256, messages.c.raw, messages.c.anatomy)
                .where(messages.c.id > last)
                .order_by(messages.c.id)
                .limit(COMPACT_BATCH)
            ).all()
            if not rows:
                return done, before, after
            last = rows[-1].id
            changes = []
            for row in rows:
                if {frame_dictionary_id(row.raw), frame_dictionary_id(row.anatomy)} <= wanted:
                    continue
                raw = decompress(row.raw, lookup)
                if hashlib.sha256(raw).hexdigest() != row.sha256:
                    raise DatabaseError(f"message {row.id}: stored bytes do not match their sha256")
                change = {
                    "pk": row.id,
                    "raw": compress(raw, compression.raw),
                    "anatomy": compress(decompress(row.anatomy, lookup), compression.anatomy),
                }
                changes.append(change)
                before += len(row.raw) + len(row.anatomy)
                after += len(change["raw"]) + len(change["anatomy"])
            if changes:
                conn.execute(
                    update(messages).where(messages.c.id == bindparam("pk")),
                    changes,
                )
            done += len(changes)
