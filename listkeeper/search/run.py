"""Running a search: parse, compile for the backend, rank, cut snippets.

Only messages the viewer may read are matched (in SQL, before counting and
paging), so totals, pages and snippets never hint at private mail.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import Connection, Row, Select, and_, bindparam, func, not_, select

from listkeeper.mail.regions import own_text, quoted_text
from listkeeper.search.backend import Matching, backend_for
from listkeeper.search.document import words
from listkeeper.search.query import And, Filter, Term, parse_query
from listkeeper.store.access import Viewer, readable, visible
from listkeeper.store.codec import decode_anatomy
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.reader import STATEMENTS_PER_QUERY, SUMMARY_COLUMNS, as_utc
from listkeeper.store.schema import list_messages, lists, messages, thread_nodes

MAX_COUNTED = 1_000  # totals above this are reported as "more than": counting is reading
RANKED_WINDOW = MAX_COUNTED + 1  # relevance and threads: over the newest this many, those counted
SNIPPET_CHARS = 200
SNIPPET_SCAN_CHARS = 65_536  # a word found deeper in a long patch makes no better snippet
MAX_LIMIT = 200
HEADER_FIELDS = {"subject", "sender", "tos", "ccs", "dfn"}  # searched, not in the body
_NON_SPACE = re.compile(r"\S")


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

    @property
    def total_text(self) -> str:
        """The total as a reader should see it: "more than 1,000" when capped."""
        return f"more than {MAX_COUNTED:,}" if self.total_is_capped else f"{self.total:,}"


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

    One pass reads the first MAX_COUNTED + 1 matches, counts them and cuts
    out the page; by date, a second reads the newest page when more matched
    than that. Relevance orders the newest RANKED_WINDOW matches, so the
    sort is bounded (FTS5's bm25 still reads every match of each word once,
    for its document frequency). ``by_thread`` keeps the best message of
    each thread (the newest, sorted by date) and counts the thread's
    matches within that same window: a long thread that says a word a
    hundred times is one result, not a hundred.
    """
    node = parse_query(query)
    terms = [w for t in _terms(node) for w in words(t.text)]
    # A snippet shows the body: f:mst@redhat.com has no words to find there.
    body_terms = [w for t in _terms(node) if set(t.fields) - HEADER_FIELDS for w in words(t.text)]
    if list_name is not None:
        node = And((node, Filter("list", list_name)))
    restricted = _reads_less_than_everything(conn, viewer)
    matching = backend_for(conn, readable(viewer)).matching(
        node, visible(viewer) if restricted else None
    )
    by_rank = matching.ranked and sort is Sort.RANK
    first, last = max(offset, 0), max(offset, 0) + min(max(limit, 1), MAX_LIMIT)
    if by_thread:
        threads = _first_of_each_thread(conn, matching, by_rank)
        total, placed = min(len(threads), MAX_COUNTED + 1), threads[first:last]
    else:
        params = {**matching.params, "page_offset": first, "page_size": last - first}
        page = conn.execute(_counted_page(matching.query, by_rank), params).all()
        if page:
            total = page[0].total
        else:  # past the last match read, or none: the page cannot tell how many
            total = conn.execute(_bounded_count(matching.query), matching.params).scalar_one()
        if not by_rank and total > MAX_COUNTED:
            # More matched than were read, so that page is not the newest:
            # the newest come from walking the index backwards after all.
            page = conn.execute(_newest_page(matching.query), params).all()
        placed = [(row.id, 1) for row in page]
    rows, names = _page_messages(conn, viewer, [pk for pk, _ in placed])
    lookup = dictionary_lookup(conn)
    hits = [
        SearchHit(
            row.message_id, row.subject, row.from_name, row.from_addr, as_utc(row.date),
            names[pk], snippet(decode_anatomy(row.anatomy, lookup)["blocks"], body_terms),
            thread_hits,
        )
        for pk, thread_hits in placed
        if (row := rows.get(pk)) is not None
    ]
    return SearchResults(total, hits, by_rank, terms, by_thread)


def _reads_less_than_everything(conn: Connection, viewer: Viewer) -> bool:
    """Whether some list is closed to this viewer: only then must every
    match be checked against list memberships."""
    if viewer.everything:
        return False
    return conn.execute(_closed_list_query(viewer.access)).first() is not None


@lru_cache(maxsize=STATEMENTS_PER_QUERY)
def _closed_list_query(access: Viewer) -> Select:
    return select(lists.c.id).where(not_(readable(access))).limit(1)


def _page_messages(
    conn: Connection, viewer: Viewer, pks: list[int]
) -> tuple[dict[int, Row], dict[int, list[str]]]:
    """The page's messages and, for each, the lists it is in that the viewer
    may read (sorted): one statement, a row per membership."""
    rows: dict[int, Row] = {}
    names: dict[int, list[str]] = {}
    for row in conn.execute(_page_messages_query(viewer.access), {"pks": pks}):
        rows.setdefault(row.id, row)
        names.setdefault(row.id, [])
        if row.list_name is not None:
            names[row.id].append(row.list_name)
    for found in names.values():
        found.sort()
    return rows, names


@lru_cache(maxsize=STATEMENTS_PER_QUERY)
def _page_messages_query(access: Viewer) -> Select:
    # Outer joins both: a membership of a list the viewer may not read
    # gives a row without a name, never a name.
    memberships = messages.outerjoin(list_messages, list_messages.c.message_pk == messages.c.id)
    return (
        select(*SUMMARY_COLUMNS, messages.c.anatomy, lists.c.name.label("list_name"))
        .select_from(
            memberships.outerjoin(lists, and_(lists.c.id == list_messages.c.list_id, readable(access)))
        )
        .where(messages.c.id.in_(bindparam("pks", expanding=True)))
    )


# Statements derived from a search's query, kept per query object: the
# commonest query is one shared object (backend.Matching), so its count and
# pages are built and keyed by SQLAlchemy once, not per search.


@lru_cache(maxsize=STATEMENTS_PER_QUERY)
def _counted_page(query: Select, by_rank: bool) -> Select:
    """One page of the first MAX_COUNTED + 1 matches read, each row with how
    many those are: so a search reads its matches once. Ranked, they are
    read newest first (the window) and sorted by score. By date they are
    read in whatever order is cheapest (FTS5 walks its index forwards much
    faster than backwards: at 1,000,000 messages, a phrase with 109 matches
    took 68 ms counted forwards and paged backwards) and sorted by date,
    which gives the newest only when every match was read."""
    if by_rank:
        window = query.limit(RANKED_WINDOW).subquery()
        order = (window.c.score, window.c.id)
    else:
        columns = (query.selected_columns.id, query.selected_columns.newest)
        window = query.order_by(None).with_only_columns(*columns).limit(MAX_COUNTED + 1).subquery()
        order = (window.c.newest.desc(), window.c.id.desc())
    return (
        select(window.c.id, func.count().over().label("total"))
        .order_by(*order)
        .offset(bindparam("page_offset"))
        .limit(bindparam("page_size"))
    )


@lru_cache(maxsize=STATEMENTS_PER_QUERY)
def _newest_page(query: Select) -> Select:
    """The ids of one page newest first, reading no further than the page."""
    ids = query.with_only_columns(query.selected_columns.id)
    return ids.offset(bindparam("page_offset")).limit(bindparam("page_size"))


@lru_cache(maxsize=STATEMENTS_PER_QUERY)
def _bounded_count(query: Select) -> Select:
    """How many match, counting no further than MAX_COUNTED + 1."""
    ids = query.order_by(None).with_only_columns(query.selected_columns.id)
    return select(func.count()).select_from(ids.limit(MAX_COUNTED + 1).subquery())


def _first_of_each_thread(conn: Connection, matching: Matching, by_rank: bool) -> list[tuple[int, int]]:
    """(id, matches in its thread) of each thread's first match in the result
    order, in that order, over the window of newest matches."""
    window = matching.query.limit(RANKED_WINDOW).subquery()
    rows = conn.execute(
        select(window.c.id, window.c.score, messages.c.date, thread_nodes.c.thread_id)
        .join(messages, messages.c.id == window.c.id)
        .join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id),
        matching.params,
    ).all()
    if by_rank:
        rows.sort(key=lambda row: (row.score, row.id))
    else:
        rows.sort(key=lambda row: (row.date, row.id), reverse=True)
    hits = Counter(row.thread_id for row in rows)
    first: dict[int, int] = {}
    for row in rows:
        first.setdefault(row.thread_id, row.id)
    return [(pk, hits[thread]) for thread, pk in first.items()]


def _terms(node: object) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    children = getattr(node, "children", ())
    return [t for child in children for t in _terms(child)]


def snippet(blocks: list[dict], terms: list[str]) -> str:
    """A stretch of the message around the first searched word, own text
    first. Only the stretch is flattened: a body may be a megabyte long."""
    own = own_text(blocks)
    if not terms:  # a search of headers only (f:, s:): the message's start
        return _around(own, 0)
    for text in (own, quoted_text(blocks)):
        at = _first_word(text[:SNIPPET_SCAN_CHARS], terms)
        if at is not None:
            return _around(text, at)
    return _around(own, 0)


def _first_word(text: str, terms: list[str]) -> int | None:
    """Where the first of the (lower-case) terms starts a word in ``text``.
    str.find on the lowered text: a case-blind regex tries every position."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter that lowers to two: offsets would drift
        found = re.search("|".join(rf"(?<!\w){re.escape(t)}" for t in terms), text, re.IGNORECASE)
        return found.start() if found else None
    firsts = [at for term in terms if term and (at := _word_start(lowered, term)) is not None]
    return min(firsts, default=None)


def _word_start(lowered: str, term: str) -> int | None:
    at = lowered.find(term)
    while at > 0 and (lowered[at - 1].isalnum() or lowered[at - 1] == "_"):
        at = lowered.find(term, at + 1)
    return at if at >= 0 else None


def _around(text: str, at: int) -> str:
    """SNIPPET_CHARS of ``text`` with its runs of white space made one space,
    the word at ``at`` a third of the way in; "…" where text was left out."""
    low, high = max(at - SNIPPET_CHARS, 0), at + 2 * SNIPPET_CHARS
    before = " ".join(text[low:at].split())
    offset = len(before) + (1 if before and text[at - 1].isspace() else 0)
    flat = " ".join(text[low:high].split())
    start = max(offset - SNIPPET_CHARS // 3, 0)
    end = start + SNIPPET_CHARS
    cut_before = start > 0 or _NON_SPACE.search(text, 0, low) is not None
    cut_after = end < len(flat) or _NON_SPACE.search(text, high) is not None
    return ("…" if cut_before else "") + flat[start:end] + ("…" if cut_after else "")
