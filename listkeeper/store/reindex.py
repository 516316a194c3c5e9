"""Rebuild every derived column from the raw bytes alone (`listkeeper reindex`).

Raw bytes are the truth: headers, anatomy, search index and threads are all
recomputed from them (with the stored envelope and arrival time, so dates
that fell back to those come out the same), then threads are rebuilt.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select, update

from listkeeper.mail.parse import parse_message
from listkeeper.patches.compute import compute_patches
from listkeeper.search.backend import backend_for
from listkeeper.search.rebuild import clear_search_index
from listkeeper.store.codec import decompress
from listkeeper.store.dictionaries import current_compression, dictionary_lookup
from listkeeper.store.prepare import prepare
from listkeeper.store.reader import as_utc
from listkeeper.store.rethread import rethread
from listkeeper.store.schema import list_messages, messages, timeline_date
from listkeeper.store.senders import refill_senders

REINDEX_BATCH = 500
DERIVED_COLUMNS = (
    "message_id", "date", "date_source", "from_name", "from_addr", "subject",
    "in_reply_to", "refs", "anatomy",
)


def reindex(conn: Connection) -> int:
    """Re-derive every message; returns how many were re-derived."""
    clear_search_index(conn)
    search = backend_for(conn)
    lookup = dictionary_lookup(conn)
    compression = current_compression(conn)
    ids = list(conn.execute(select(messages.c.id).order_by(messages.c.id)).scalars())
    for start in range(0, len(ids), REINDEX_BATCH):
        rows = conn.execute(
            select(messages.c.id, messages.c.raw, messages.c.envelope, messages.c.received_at, messages.c.canonical)
            .where(messages.c.id.in_(ids[start : start + REINDEX_BATCH]))
        ).all()
        updates, documents = [], []
        for row in rows:
            parsed = parse_message(decompress(row.raw, lookup), row.envelope, as_utc(row.received_at))
            prepared = prepare(parsed, compression)
            updates.append({"pk": row.id, **{c: prepared.columns[c] for c in DERIVED_COLUMNS}})
            if row.canonical:
                documents.append((row.id, prepared.document))
        conn.execute(update(messages).where(messages.c.id == bindparam("pk")), updates)
        if documents:
            search.index(conn, documents)
    dated = select(timeline_date()).where(messages.c.id == list_messages.c.message_pk)
    conn.execute(update(list_messages).values(date=dated.scalar_subquery()))
    refill_senders(conn)
    rethread(conn)
    compute_patches(conn, None)
    return len(ids)

