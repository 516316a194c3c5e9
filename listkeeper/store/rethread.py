"""Recompute every thread from the stored messages alone (`listkeeper rethread`).

Thread links are derived data: header links are rebuilt from the References
and In-Reply-To columns, then repair runs over the lists again.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from listkeeper.store.linker import ThreadLinker
from listkeeper.store.repair_pass import repair_lists
from listkeeper.store.schema import lists, messages, thread_nodes, threads
from listkeeper.threader import header_links

RELINK_BATCH = 2000


def rethread(conn: Connection, list_names: set[str] | None = None) -> int:
    """Rebuild header links for all messages, then repair the given lists
    (all lists when None). Returns the number of messages relinked."""
    conn.execute(delete(thread_nodes))
    conn.execute(delete(threads))
    query = (
        select(messages.c.message_id, messages.c.refs, messages.c.in_reply_to)
        .where(messages.c.canonical)
        .order_by(messages.c.date, messages.c.id)
    )
    count = 0
    batch = []
    for row in conn.execute(query).all():
        references = row.refs.split() if row.refs else []
        batch.append((row.message_id, header_links(row.message_id, references, row.in_reply_to)))
        if len(batch) >= RELINK_BATCH:
            ThreadLinker(conn).link_all(batch)
            count, batch = count + len(batch), []
    if batch:
        ThreadLinker(conn).link_all(batch)
        count += len(batch)
    names = list_names if list_names is not None else set(conn.execute(select(lists.c.name)).scalars())
    repair_lists(conn, dict.fromkeys(names))
    return count
