"""Run threading repair over stored messages and record what it finds.

Repair is recomputed from the whole set of a list's messages, not from the
order they came in, so an import in any order ends with the same threads.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from listkeeper.repair import Mail, RepairIndex
from listkeeper.store.codec import decode_anatomy
from listkeeper.store.reader import as_utc
from listkeeper.store.schema import list_messages, lists, messages, thread_nodes
from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.threads import set_repaired_parents
from listkeeper.threader import FoundBy

REPAIRED_BY = frozenset({FoundBy.QUOTE, FoundBy.ATTRIBUTION, FoundBy.SUBJECT})


def repair_lists(conn: Connection, list_names: set[str]) -> int:
    """Re-derive repaired parents in these lists; returns links changed."""
    return sum(_repair_list(conn, name) for name in sorted(list_names))


def _repair_list(conn: Connection, list_name: str) -> int:
    mails = _load_mails(conn, list_name)
    orphans = [m for m in mails if not m.has_header_parent and m.may_be_a_reply]
    if not orphans:
        return 0
    current = _current_links(conn, [m.message_id for m in orphans])
    index = RepairIndex(mails)
    changes: dict[str, tuple[str | None, FoundBy | None]] = {}
    for mail in orphans:
        parent, found_by = current.get(mail.message_id, (None, None))
        if found_by is not None and found_by not in REPAIRED_BY:
            continue  # a header link from another copy or list: keep it
        repair = index.parent_of(mail)
        wanted = (repair.parent, repair.found_by) if repair else (None, None)
        if wanted != (parent, found_by):
            changes[mail.message_id] = wanted
    set_repaired_parents(conn, changes)
    return len(changes)


def _load_mails(conn: Connection, list_name: str) -> list[Mail]:
    query = (
        select(
            messages.c.message_id,
            messages.c.date,
            messages.c.from_name,
            messages.c.from_addr,
            messages.c.subject,
            messages.c.refs,
            messages.c.in_reply_to,
            messages.c.anatomy,
        )
        .join(list_messages, list_messages.c.message_pk == messages.c.id)
        .join(lists, lists.c.id == list_messages.c.list_id)
        .where(lists.c.name == list_name, messages.c.canonical)
    )
    mails = []
    for row in conn.execute(query):
        anatomy = decode_anatomy(row.anatomy)
        mails.append(
            Mail(
                message_id=row.message_id,
                date=as_utc(row.date),
                from_name=row.from_name,
                from_addr=row.from_addr,
                subject=row.subject,
                blocks=anatomy["blocks"],
                attributions=anatomy["attributions"],
                has_header_parent=bool(row.refs or row.in_reply_to),
            )
        )
    return mails


def _current_links(conn: Connection, ids: list[str]) -> dict[str, tuple[str | None, FoundBy | None]]:
    found: dict[str, tuple[str | None, FoundBy | None]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        query = select(
            thread_nodes.c.message_id, thread_nodes.c.parent, thread_nodes.c.parent_found_by
        ).where(thread_nodes.c.message_id.in_(ids[start : start + IN_CHUNK]))
        for row in conn.execute(query):
            by = FoundBy(row.parent_found_by) if row.parent_found_by else None
            found[row.message_id] = (row.parent, by)
    return found
