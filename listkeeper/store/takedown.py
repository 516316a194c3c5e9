"""Taking a message down (`listkeeper remove`): every copy's bytes deleted,
gone from lists, search and exports, a tombstone so no re-import brings it
back, and a line in the audit log.

The thread keeps its shape: the message's node becomes a placeholder, so
replies still hang where they did and the page shows "removed: <reason>".
Removing a removed message again changes nothing and logs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, delete, func, insert, select, update

from listkeeper.patches.compute import compute_patches
from listkeeper.search.backend import backend_for
from listkeeper.search.document import search_document
from listkeeper.store.access import OPERATOR
from listkeeper.store.codec import decode_anatomy, decompress
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.quarantine import unparsed_message_id
from listkeeper.store.reader import as_utc, normalize_requested_id
from listkeeper.store.repair_pass import Span
from listkeeper.store.revisions import bump_revisions
from listkeeper.store.schema import (
    audit_log,
    list_messages,
    lists,
    messages,
    patch_trailers,
    patches,
    quarantine,
    thread_nodes,
    tombstones,
)
from listkeeper.store.senders import forget_senders
from listkeeper.store.tombstones import Removal, removal

REMOVE_ACTION = "remove"


class NotArchived(LookupError):
    """Nothing with this Message-ID is archived, quarantined or removed."""


@dataclass(frozen=True, slots=True)
class Removed:
    message_id: str
    reason: str  # the tombstone's: the first removal's when it was removed before
    removed_at: datetime
    copies: int  # message rows deleted (the canonical one and other copies)
    quarantined: int  # quarantined copies deleted
    already: bool  # removed before: nothing changed, nothing logged


def remove(conn: Connection, message_id: str, reason: str, actor: str) -> Removed:
    """Remove every copy of a message, in the caller's transaction."""
    message_id = normalize_requested_id(message_id)
    tombstone = removal(conn, OPERATOR, message_id)
    rows = conn.execute(
        select(
            messages.c.id,
            messages.c.canonical,
            messages.c.subject,
            messages.c.from_name,
            messages.c.from_addr,
            messages.c.anatomy,
        ).where(messages.c.message_id == message_id)
    ).all()
    held = _quarantined_copies(conn, message_id)
    if not rows and not held:
        if tombstone is None:
            raise NotArchived(f"no message {message_id}")
        return Removed(message_id, tombstone.reason, tombstone.removed_at, 0, 0, True)
    now = datetime.now(timezone.utc)
    pks = [row.id for row in rows]
    lookup = dictionary_lookup(conn)
    # Only canonical copies are indexed (see writer.store_batch).
    documents = [
        (r.id, search_document(r.subject, r.from_name, r.from_addr, decode_anatomy(r.anatomy, lookup)))
        for r in rows
        if r.canonical
    ]
    if documents:
        backend_for(conn).unindex(conn, documents)
    in_lists = _lists_of(conn, pks)
    patch_spans = {name: _thread_span(conn, message_id) for _, name in in_lists}
    if pks:
        conn.execute(delete(patch_trailers).where(patch_trailers.c.message_pk.in_(pks)))
        conn.execute(delete(patches).where(patches.c.message_pk.in_(pks)))
        conn.execute(delete(list_messages).where(list_messages.c.message_pk.in_(pks)))
        bump_revisions(conn, (pk for pk, _ in in_lists), now)
        conn.execute(delete(messages).where(messages.c.id.in_(pks)))
        forget_senders(conn, (row.from_addr for row in rows))
    if held:
        conn.execute(delete(quarantine).where(quarantine.c.id.in_(held)))
    conn.execute(
        update(thread_nodes).where(thread_nodes.c.message_id == message_id).values(archived=False)
    )
    if tombstone is None:
        tombstone = Removal(message_id, reason, now)
        conn.execute(
            insert(tombstones).values(
                message_id=message_id,
                reason=reason,
                removed_at=now,
                list_ids=" ".join(str(pk) for pk, _ in in_lists),
            )
        )
    # Its thread's patches again: a removed version or "applied" reply no longer counts.
    compute_patches(conn, patch_spans)
    conn.execute(
        insert(audit_log).values(
            at=now, action=REMOVE_ACTION, target=message_id, reason=reason, actor=actor
        )
    )
    return Removed(message_id, tombstone.reason, tombstone.removed_at, len(pks), len(held), False)


def _lists_of(conn: Connection, pks: list[int]) -> list[tuple[int, str]]:
    query = (
        select(lists.c.id, lists.c.name)
        .join(list_messages, list_messages.c.list_id == lists.c.id)
        .where(list_messages.c.message_pk.in_(pks))
        .distinct()
    )
    return [(row.id, row.name) for row in conn.execute(query)]


def _thread_span(conn: Connection, message_id: str) -> Span | None:
    """The dates of the message's thread, the message included (so read it
    before deleting): where the patch model must be recomputed."""
    thread = select(thread_nodes.c.thread_id).where(thread_nodes.c.message_id == message_id)
    first, last = conn.execute(
        select(func.min(messages.c.date), func.max(messages.c.date))
        .join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id)
        .where(thread_nodes.c.thread_id == thread.scalar_subquery())
    ).one()
    return (as_utc(first), as_utc(last)) if first and last else None


def _quarantined_copies(conn: Connection, message_id: str) -> list[int]:
    """Quarantine keeps no Message-ID column: read each one's header block."""
    lookup = dictionary_lookup(conn)
    return [
        row.id
        for row in conn.execute(select(quarantine.c.id, quarantine.c.raw))
        if unparsed_message_id(decompress(row.raw, lookup)) == message_id
    ]
