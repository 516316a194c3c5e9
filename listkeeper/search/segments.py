"""Merge SQLite's full-text index into one segment after a bulk load.

FTS5 writes each batch of documents as a new segment and merges segments
only a few at a time (its automerge), so a big import leaves dozens of
them, and every word a query reads is read from each segment and merged.
Over 1,000,000 messages (21 segments), one segment took the median search
by date from 5.4 to 3.9 ms and by rank from 47 to 38 ms; the merge took
two minutes and grew the file by 0.2%. PostgreSQL's GIN indexes have no
segments to merge.

Merging rewrites the whole index in one transaction: new mail waits for it
(a delivery waits up to the busy timeout, then gets EX_TEMPFAIL and is
retried by the mail server), readers do not. So it runs after imports that
brought a large share of the archive, where the index is mostly new
anyway, and in `listkeeper compact`; small imports and live delivery leave
it to automerge. An import into an empty archive turns automerge off while
it runs, since it will merge everything once at its end: 15% faster on the
virtualization list (FTS5's crisis merge still bounds the segments).

Every import also gives FTS5 a bigger buffer for new postings: with its
default of 1 MB, the virtualization list's 5,000 mails were written as 33
segments, three a batch, which the merges then read and wrote again; with
16 MB, 10. A bulk import also lets 64 segments gather on a level before
merging them, instead of 16. On 50,000 mails the writer process used 6-10%
less CPU, for the same index.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, text

from listkeeper.store.schema import messages

BULK_SHARE = 0.25  # an import that brings this share of the archive merges the index
AUTOMERGE = 4  # FTS5's default: merge a level's segments four at a time
CRISIS_MERGE = 16  # FTS5's default: a level with this many segments is merged at once
BULK_CRISIS_MERGE = 64  # the same while an import into an empty archive runs
PENDING_BYTES = 16 * 1024 * 1024  # new postings kept in memory before a segment is written


def merge_search_index(conn: Connection) -> bool:
    """Rewrite the index as one segment, and let FTS5 merge as it goes from
    then on; False where there is nothing to merge."""
    if conn.dialect.name != "sqlite":
        return False
    _merge_as_you_go(conn)
    conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    return True


def start_import(conn: Connection) -> None:
    """Automerge off when the archive is empty, else on: set either way, so
    the next import puts it back after one that was killed."""
    if conn.dialect.name != "sqlite":
        return
    _configure(conn, "hashsize", PENDING_BYTES)
    if conn.execute(select(messages.c.id).limit(1)).first() is None:
        _configure(conn, "automerge", 0)
        _configure(conn, "crisismerge", BULK_CRISIS_MERGE)
    else:
        _merge_as_you_go(conn)


def finish_import(conn: Connection, imported: int) -> bool:
    """Merge when ``imported`` new messages are a large share of the archive
    now, and let FTS5 merge as it goes again; True when merged."""
    if conn.dialect.name != "sqlite":
        return False
    if imported and imported >= BULK_SHARE * _archived(conn):
        return merge_search_index(conn)
    _merge_as_you_go(conn)
    return False


def _merge_as_you_go(conn: Connection) -> None:
    """FTS5's own merging, as it is outside a bulk import."""
    _configure(conn, "automerge", AUTOMERGE)
    _configure(conn, "crisismerge", CRISIS_MERGE)


def _configure(conn: Connection, option: str, value: int) -> None:
    """Set one of FTS5's options; it is kept in the database."""
    conn.execute(
        text("INSERT INTO search_fts(search_fts, rank) VALUES (:option, :value)"),
        {"option": option, "value": value},
    )


def _archived(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(messages)).scalar_one()
