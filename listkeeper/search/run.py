"""Running a search: parse, compile for the backend, rank, cut snippets.

Only messages the viewer may read are matched (in SQL, before counting and
paging), so totals, pages and snippets never hint at private mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Subquery, func, literal, select

from listkeeper.mail.regions import own_text, quoted_text
from listkeeper.search.backend import backend_for
from listkeeper.search.document import words
from listkeeper.search.query import And, Filter, Term, parse_query
from listkeeper.store.access import Viewer, readable, visible
from listkeeper.store.codec import decode_anatomy
from listkeeper.store.reader import as_utc
from listkeeper.store.schema import list_messages, lists, messages, thread_nodes

MAX_COUNTED = 10_000  # totals above this are reported as "more than"
SNIPPET_CHARS = 200
MAX_LIMIT = 200


class Sort(StrEnum):
    RANK = "rank"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class SearchHit:
    message_id: str
    subject: str
    from_name: str
    from_addr: str
    date: datetime
    lists: list[str]
    snippet: str
    thread_hits: int = 1  # with one hit per thread: how many messages of it matched


@dataclass(frozen=True, slots=True)
class SearchResults:
    total: int  # capped at MAX_COUNTED + 1
    hits: list[SearchHit]
    ranked: bool  # False when the query has no words to rank by
    terms: list[str]  # the words searched for, for highlighting
    by_thread: bool = False  # one hit per thread, its best (or newest) message

    @property
    def total_is_capped(self) -> bool:
        return self.total > MAX_COUNTED


def search(
    conn: Connection,
    viewer: Viewer,
    query: str,
    list_name: str | None = None,
    limit: int = 20,
    offset: int = 0,
    sort: Sort = Sort.RANK,
    by_thread: bool = False,
) -> SearchResults:
    """Run a query; raises QueryError for a malformed one.

    ``by_thread`` keeps the best message of each thread (the newest, sorted
    by date) and counts the thread's matches: a long thread that says a word
    a hundred times is one result, not a hundred.
    """
    node = parse_query(query)
    terms = [w for t in _terms(node) for w in words(t.text)]
    if list_name is not None:
        node = And((node, Filter("list", list_name)))
    matching, ranked = backend_for(conn, readable(viewer)).matching(node)
    by_rank = ranked and sort is Sort.RANK
    matching = matching.where(messages.c.canonical, visible(viewer))
    found = _one_per_thread(matching.subquery(), by_rank) if by_thread else matching.add_columns(
        literal(1).label("thread_hits")
    ).subquery()
    counted = select(found.c.id).limit(MAX_COUNTED + 1).subquery()
    total = conn.execute(select(func.count()).select_from(counted)).scalar_one()
    order = [found.c.score] if by_rank else [messages.c.date.desc()]
    rows = conn.execute(
        select(
            found.c.thread_hits,
            messages.c.id,
            messages.c.message_id,
            messages.c.subject,
            messages.c.from_name,
            messages.c.from_addr,
            messages.c.date,
            messages.c.anatomy,
        )
        .join(found, found.c.id == messages.c.id)
        .order_by(*order, messages.c.id)
        .limit(min(max(limit, 1), MAX_LIMIT))
        .offset(max(offset, 0))
    ).all()
    names = _list_names(conn, viewer, [row.id for row in rows])
    hits = [
        SearchHit(
            row.message_id, row.subject, row.from_name, row.from_addr, as_utc(row.date),
            names.get(row.id, []), snippet(decode_anatomy(row.anatomy)["blocks"], terms),
            row.thread_hits,
        )
        for row in rows
    ]
    return SearchResults(total, hits, by_rank, terms, by_thread)


def _one_per_thread(found: Subquery, by_rank: bool) -> Subquery:
    """The first match of each thread in the result order, and the thread's count."""
    thread = thread_nodes.c.thread_id
    first = found.c.score if by_rank else messages.c.date.desc()
    placed = (
        select(
            found.c.id,
            found.c.score,
            func.row_number().over(partition_by=thread, order_by=(first, found.c.id)).label("nth"),
            func.count().over(partition_by=thread).label("thread_hits"),
        )
        .join(messages, messages.c.id == found.c.id)
        .join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id)
        .subquery()
    )
    best = select(placed.c.id, placed.c.score, placed.c.thread_hits).where(placed.c.nth == 1)
    return best.subquery()


def _terms(node: object) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    children = getattr(node, "children", ())
    return [t for child in children for t in _terms(child)]


def _list_names(conn: Connection, viewer: Viewer, pks: list[int]) -> dict[int, list[str]]:
    query = (
        select(list_messages.c.message_pk, lists.c.name)
        .join(lists, lists.c.id == list_messages.c.list_id)
        .where(list_messages.c.message_pk.in_(pks), readable(viewer))
        .order_by(lists.c.name)
    )
    names: dict[int, list[str]] = {}
    for pk, name in conn.execute(query):
        names.setdefault(pk, []).append(name)
    return names


def snippet(blocks: list[dict], terms: list[str]) -> str:
    """A stretch of the message around the first searched word, own text first."""
    for text in (own_text(blocks), quoted_text(blocks)):
        flat = " ".join(text.split())
        for term in terms:
            match = re.search(rf"(?<!\w){re.escape(term)}", flat, re.IGNORECASE)
            if match:
                start = max(match.start() - SNIPPET_CHARS // 3, 0)
                return _trim(flat, start)
    return _trim(" ".join(own_text(blocks).split()), 0)


def _trim(flat: str, start: int) -> str:
    piece = flat[start : start + SNIPPET_CHARS]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_CHARS < len(flat) else ""
    return prefix + piece + suffix
