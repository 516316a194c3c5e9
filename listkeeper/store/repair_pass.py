"""Run threading repair over stored messages and record what it finds.

Repair is recomputed from the whole set of a list's messages, not from the
order they came in, so an import in any order ends with the same threads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from listkeeper.mail.regions import own_text, shallowest_quote
from listkeeper.repair import CANDIDATE_WINDOW, Mail, RepairIndex
from listkeeper.store.codec import decode_anatomy
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.reader import as_utc, list_dates, member_of
from listkeeper.store.schema import messages, thread_nodes
from listkeeper.store.threads import set_repaired_parents
from listkeeper.threader import FoundBy

REPAIRED_BY = frozenset({FoundBy.QUOTE, FoundBy.ATTRIBUTION, FoundBy.SUBJECT})


Span = tuple[datetime, datetime]


def repair_lists(conn: Connection, spans: dict[str, Span | None]) -> int:
    """Re-derive repaired parents in these lists; returns links changed.

    With a span (the dates of newly stored messages), only messages that a
    new one could be the parent of are reconsidered, and only their
    candidates are loaded; None reconsiders the whole list.
    """
    return sum(_repair_list(conn, name, spans[name]) for name in sorted(spans))


def _repair_list(conn: Connection, list_name: str, span: Span | None) -> int:
    """Repair slice by slice of time, so memory holds one slice and its
    candidate window, never the whole list.

    A slice is as long as the candidate window, so the window of one slice
    is the slice before it: each message is read and decoded once.
    """
    first, last = span or list_dates(conn, list_name)
    if first is None or last is None:
        return 0
    changes: dict[str, tuple[str | None, FoundBy | None]] = {}
    earlier = _load_mails(conn, list_name, (first - CANDIDATE_WINDOW, first))
    start, stop = first, last + CANDIDATE_WINDOW
    while start <= stop:
        end = start + CANDIDATE_WINDOW
        current = _load_mails(conn, list_name, (start, end))
        changes.update(_repair_slice(conn, earlier + current, current))
        earlier, start = current, end
    set_repaired_parents(conn, changes)
    return len(changes)


def _repair_slice(
    conn: Connection, candidates: list[Mail], in_slice: list[Mail]
) -> dict[str, tuple[str | None, FoundBy | None]]:
    """Changed links of the header-less messages of one slice."""
    orphans = [m for m in in_slice if not m.has_header_parent and m.may_be_a_reply]
    if not orphans:
        return {}
    current = _current_links(conn, [m.message_id for m in orphans])
    index = RepairIndex(candidates)
    changes: dict[str, tuple[str | None, FoundBy | None]] = {}
    for mail in orphans:
        parent, found_by = current.get(mail.message_id, (None, None))
        if found_by is not None and found_by not in REPAIRED_BY:
            continue  # a header link from another copy or list: keep it
        repair = index.parent_of(mail)
        wanted = (repair.parent, repair.found_by) if repair else (None, None)
        if wanted != (parent, found_by):
            changes[mail.message_id] = wanted
    return changes


def _load_mails(conn: Connection, list_name: str, window: Span) -> list[Mail]:
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
        .where(member_of(list_name), messages.c.canonical)
        .where(messages.c.date >= window[0], messages.c.date < window[1])
    )
    lookup = dictionary_lookup(conn)
    mails = []
    for row in conn.execute(query):
        anatomy = decode_anatomy(row.anatomy, lookup)
        # What a message quotes and whom it names are read only when repair
        # looks for its parent, which it does for none that has headers:
        # a slice holds the quotes of those few, not of every reply.
        orphan = not (row.refs or row.in_reply_to)
        mails.append(
            Mail(
                message_id=row.message_id,
                date=as_utc(row.date),
                from_name=row.from_name,
                from_addr=row.from_addr,
                subject=row.subject,
                own=own_text(anatomy["blocks"]),
                quoted=shallowest_quote(anatomy["blocks"]) if orphan else "",
                attributions=anatomy["attributions"] if orphan else [],
                has_header_parent=not orphan,
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
