"""Read-only queries for the CLI, the web pages and the API.

Everything returned is plain data (dataclasses and dicts); callers never see
SQLAlchemy rows. Web code gets only this module, never the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, and_, func, select

from listkeeper.store.codec import decode_anatomy, decompress
from listkeeper.store.schema import list_messages, lists, messages, thread_nodes
from listkeeper.threader import Placed, ThreadNode, reply_order


def normalize_requested_id(value: str) -> str:
    """A Message-ID as a user typed it: with or without <>, spaces trimmed."""
    return value.strip().removeprefix("<").removesuffix(">").strip()


@dataclass(frozen=True, slots=True)
class MessageSummary:
    message_id: str
    subject: str
    from_name: str
    from_addr: str
    date: datetime
    parent: str | None
    parent_found_by: str | None
    lists: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    message_id: str
    depth: int
    parent: str | None
    parent_found_by: str | None
    summary: MessageSummary | None  # None: a placeholder, not archived here


@dataclass(frozen=True, slots=True)
class ThreadView:
    root: str
    subject: str
    entries: list[ThreadEntry]

    @property
    def messages(self) -> list[ThreadEntry]:
        return [entry for entry in self.entries if entry.summary is not None]


@dataclass(frozen=True, slots=True)
class MessageView:
    summary: MessageSummary
    thread_root: str | None
    anatomy: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ListSummary:
    name: str
    messages: int
    first: datetime | None
    last: datetime | None


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _canonical_row(conn: Connection, message_id: str):  # type: ignore[no-untyped-def]
    return conn.execute(
        select(messages).where(messages.c.message_id == message_id, messages.c.canonical)
    ).first()


def _lists_of(conn: Connection, message_pk: int) -> list[str]:
    query = (
        select(lists.c.name)
        .join(list_messages, list_messages.c.list_id == lists.c.id)
        .where(list_messages.c.message_pk == message_pk)
        .order_by(lists.c.name)
    )
    return list(conn.execute(query).scalars())


def message_view(conn: Connection, message_id: str) -> MessageView | None:
    row = _canonical_row(conn, normalize_requested_id(message_id))
    if row is None:
        return None
    node = conn.execute(
        select(thread_nodes).where(thread_nodes.c.message_id == row.message_id)
    ).first()
    summary = MessageSummary(
        message_id=row.message_id,
        subject=row.subject,
        from_name=row.from_name,
        from_addr=row.from_addr,
        date=as_utc(row.date),
        parent=node.parent if node else None,
        parent_found_by=node.parent_found_by if node else None,
        lists=_lists_of(conn, row.id),
    )
    root = _thread_root(conn, node.thread_id) if node else None
    return MessageView(summary, root, decode_anatomy(row.anatomy))


def raw_message(conn: Connection, message_id: str) -> bytes | None:
    row = conn.execute(
        select(messages.c.raw).where(
            messages.c.message_id == normalize_requested_id(message_id), messages.c.canonical
        )
    ).first()
    return decompress(row.raw) if row else None


def _thread_root(conn: Connection, thread_id: int) -> str | None:
    view = _thread_by_id(conn, thread_id, None)
    return view.root if view else None


def thread_view(conn: Connection, message_id: str, list_name: str | None = None) -> ThreadView | None:
    """The whole thread containing a message, in reply order.

    With a list name, only messages archived in that list are shown; the
    others stand as placeholders so the tree keeps its shape.
    """
    thread_id = conn.execute(
        select(thread_nodes.c.thread_id).where(
            thread_nodes.c.message_id == normalize_requested_id(message_id),
            thread_nodes.c.archived,
        )
    ).scalar()
    if thread_id is None:
        return None
    return _thread_by_id(conn, thread_id, list_name)


def _thread_by_id(conn: Connection, thread_id: int, list_name: str | None) -> ThreadView | None:
    join_on = and_(messages.c.message_id == thread_nodes.c.message_id, messages.c.canonical)
    query = (
        select(
            thread_nodes.c.message_id,
            thread_nodes.c.parent,
            thread_nodes.c.parent_found_by,
            messages.c.id.label("pk"),
            messages.c.subject,
            messages.c.from_name,
            messages.c.from_addr,
            messages.c.date,
        )
        .select_from(thread_nodes.outerjoin(messages, join_on))
        .where(thread_nodes.c.thread_id == thread_id)
    )
    rows = conn.execute(query).all()
    visible = _visible_in_list(conn, [r.pk for r in rows if r.pk is not None], list_name)
    summaries: dict[str, MessageSummary] = {}
    nodes: list[ThreadNode] = []
    for row in rows:
        shown = row.pk is not None and (visible is None or row.pk in visible)
        date = as_utc(row.date) if shown else None
        nodes.append(ThreadNode(row.message_id, row.parent, date))
        if shown:
            summaries[row.message_id] = MessageSummary(
                row.message_id, row.subject, row.from_name, row.from_addr, date,
                row.parent, row.parent_found_by,
            )
    if not summaries:
        return None
    found_by = {row.message_id: row.parent_found_by for row in rows}
    placed = _prune_empty_roots(reply_order(nodes))
    entries = [
        ThreadEntry(
            p.node.message_id, p.depth, p.node.parent, found_by[p.node.message_id],
            summaries.get(p.node.message_id),
        )
        for p in placed
    ]
    first = next(e for e in entries if e.summary is not None)
    assert first.summary is not None
    return ThreadView(root=entries[0].message_id, subject=first.summary.subject, entries=entries)


def _prune_empty_roots(placed: list[Placed]) -> list[Placed]:
    """Drop placeholder roots whose subtree holds nothing archived."""
    keep: list[Placed] = []
    for index, item in enumerate(placed):
        if item.node.date is None and item.depth == 0:
            rest = placed[index + 1 :]
            subtree = []
            for other in rest:
                if other.depth == 0:
                    break
                subtree.append(other)
            if not any(o.node.date is not None for o in subtree):
                continue
        keep.append(item)
    return keep


def _visible_in_list(conn: Connection, pks: list[int], list_name: str | None) -> set[int] | None:
    if list_name is None:
        return None
    query = (
        select(list_messages.c.message_pk)
        .join(lists, lists.c.id == list_messages.c.list_id)
        .where(lists.c.name == list_name, list_messages.c.message_pk.in_(pks))
    )
    return set(conn.execute(query).scalars())


def list_summaries(conn: Connection) -> list[ListSummary]:
    query = (
        select(
            lists.c.name,
            func.count(messages.c.id),
            func.min(messages.c.date),
            func.max(messages.c.date),
        )
        .select_from(
            lists.outerjoin(list_messages, list_messages.c.list_id == lists.c.id).outerjoin(
                messages, messages.c.id == list_messages.c.message_pk
            )
        )
        .group_by(lists.c.name)
        .order_by(lists.c.name)
    )
    return [
        ListSummary(name, count, as_utc(first) if first else None, as_utc(last) if last else None)
        for name, count, first, last in conn.execute(query)
    ]


def list_exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(lists.c.id).where(lists.c.name == name)).first() is not None


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    root: str
    subject: str
    from_name: str
    started: datetime
    last: datetime
    messages: int


def latest_threads(
    conn: Connection, list_name: str, limit: int, offset: int = 0,
    since: datetime | None = None, until: datetime | None = None,
) -> list[ThreadSummary]:
    """Threads of a list by latest activity, optionally within a date range."""
    conditions = [lists.c.name == list_name, messages.c.canonical]
    if since is not None:
        conditions.append(messages.c.date >= since)
    if until is not None:
        conditions.append(messages.c.date < until)
    per_thread = (
        select(
            thread_nodes.c.thread_id,
            func.count(messages.c.id).label("count"),
            func.min(messages.c.date).label("started"),
            func.max(messages.c.date).label("last"),
        )
        .select_from(
            messages.join(list_messages, list_messages.c.message_pk == messages.c.id)
            .join(lists, lists.c.id == list_messages.c.list_id)
            .join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id)
        )
        .where(*conditions)
        .group_by(thread_nodes.c.thread_id)
        .order_by(func.max(messages.c.date).desc())
        .limit(limit)
        .offset(offset)
    )
    result = []
    for thread_id, count, started, last in conn.execute(per_thread).all():
        first = conn.execute(
            select(messages.c.message_id, messages.c.subject, messages.c.from_name)
            .join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id)
            .join(list_messages, list_messages.c.message_pk == messages.c.id)
            .join(lists, lists.c.id == list_messages.c.list_id)
            .where(thread_nodes.c.thread_id == thread_id, lists.c.name == list_name, messages.c.canonical)
            .order_by(messages.c.date, messages.c.id)
            .limit(1)
        ).first()
        result.append(
            ThreadSummary(first.message_id, first.subject, first.from_name, as_utc(started), as_utc(last), count)
        )
    return result


def list_months(conn: Connection, list_name: str) -> list[tuple[int, int, int]]:
    """(year, month, message count) for each month the list has mail, newest first."""
    rows = conn.execute(
        select(messages.c.date)
        .join(list_messages, list_messages.c.message_pk == messages.c.id)
        .join(lists, lists.c.id == list_messages.c.list_id)
        .where(lists.c.name == list_name)
    ).scalars()
    counts: dict[tuple[int, int], int] = {}
    for date in rows:
        key = (date.year, date.month)
        counts[key] = counts.get(key, 0) + 1
    return [(y, m, n) for (y, m), n in sorted(counts.items(), reverse=True)]


def anatomies(conn: Connection, message_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored anatomy of many canonical messages in one query."""
    query = select(messages.c.message_id, messages.c.anatomy).where(
        messages.c.message_id.in_(message_ids), messages.c.canonical
    )
    return {row.message_id: decode_anatomy(row.anatomy) for row in conn.execute(query)}
