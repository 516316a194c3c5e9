"""The two full-text backends behind one interface: SQLite FTS5 and
PostgreSQL tsvector. Each turns the query AST into SQL over `messages` and
writes documents; callers never see which one they have."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    cast,
    column,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from listkeeper.search.document import SearchDocument, words
from listkeeper.search.query import INDEXED_FIELDS, And, DateRange, Filter, Node, Not, Or, Term
from listkeeper.search.tsvector import Tsvectors, literals_of, tsquery_phrase
from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.schema import list_messages, lists, messages, patches

# bm25 weights per column, in INDEXED_FIELDS order: subject counts most.
FTS5_WEIGHTS = (4.0, 2.0, 1.0, 1.0, 1.5, 0.5, 2.0, 2.0, 2.0, 1.0, 1.0)
# Fields that say who, not what: a match there is there or not, and bm25
# would order such matches by the length of the mail. A query that searches
# nothing else has no words to rank by and comes newest first, on either
# backend (PostgreSQL ranks by subject and text only).
ADDRESS_FIELDS = frozenset({"sender", "tos", "ccs"})


class SearchBackend(Protocol):
    def index(self, conn: Connection, documents: list[tuple[int, SearchDocument | Tsvectors]]) -> None:
        """Add these messages; PostgreSQL also takes their fields already as tsvector literals."""
        ...

    def unindex(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        """Drop these messages from the index; each with the document it was indexed with."""
        ...

    def matching(self, node: Node, visible: ColumnElement[bool] | None) -> Matching:
        """The canonical messages that match and are ``visible`` (None: all
        are), newest first. Newest first lets a caller stop early: a page by
        date, a bounded count and a bounded ranking window read only what
        they keep."""
        ...


@dataclass(frozen=True, slots=True)
class Matching:
    """A search as SQL: ``query`` selects (id, score, newest), ordered by
    newest then id, both descending, with ``params`` the values of its bound
    parameters. The commonest shape (one MATCH, nothing else) is one
    statement object for every query, so it and what callers derive from
    it are built and keyed by SQLAlchemy once."""

    query: Select
    ranked: bool  # score is a relevance rank (lower is better), else the date
    params: dict[str, Any] = field(default_factory=dict)


def _filter_condition(
    node: Filter | DateRange, lists_scope: ColumnElement[bool]
) -> ColumnElement[bool]:
    if isinstance(node, DateRange):
        parts = []
        if node.start is not None:
            parts.append(messages.c.date >= node.start)
        if node.end is not None:
            parts.append(messages.c.date < node.end)
        return and_(*parts)
    if node.field == "message_id":
        return messages.c.message_id == node.value
    # Correlated EXISTS, not IN: matches are streamed newest first and most
    # queries stop after a page, so each costs one probe per candidate
    # instead of a set of, say, every message of a big list.
    if node.field == "patch":  # a message carrying a diff; cover letters carry none
        with_diff = _patch_of_message().where(patches.c.position != 0).exists()
        return with_diff if node.value == "yes" else not_(with_diff)
    if node.field == "state":
        return _patch_of_message().where(patches.c.state == node.value).exists()
    return (
        select(list_messages.c.message_pk)
        .join(lists, lists.c.id == list_messages.c.list_id)
        .where(list_messages.c.message_pk == messages.c.id, lists.c.name == node.value, lists_scope)
        .exists()
    )


def _patch_of_message() -> Select:
    return select(patches.c.message_pk).where(patches.c.message_pk == messages.c.id)


def boolean_condition(
    node: Node,
    leaf: Callable[[Node], ColumnElement[bool] | None],
    lists_scope: ColumnElement[bool],
) -> ColumnElement[bool]:
    """SQL for a query's boolean structure; leaf() gives the SQL of a part
    the backend matches itself, or None to look inside it. ``l:`` filters
    only name lists for which ``lists_scope`` holds: any other list is as
    unknown (a private list's members are not revealed, even by ``-l:``)."""
    matched = leaf(node)
    if matched is not None:
        return matched
    if isinstance(node, (Filter, DateRange)):
        return _filter_condition(node, lists_scope)
    if isinstance(node, Not):
        return not_(boolean_condition(node.child, leaf, lists_scope))
    if isinstance(node, And):
        return and_(*(boolean_condition(c, leaf, lists_scope) for c in node.children))
    if isinstance(node, Or):
        return or_(*(boolean_condition(c, leaf, lists_scope) for c in node.children))
    return false()  # a term without any word matches nothing


class SqliteBackend:
    """A contentless FTS5 table whose rowids are date-ordered search keys
    (see SEARCH_KEY_SQL), so FTS5 itself hands matches over newest first
    and a date range is a rowid range; terms that FTS5 cannot combine
    become IN subqueries."""

    def __init__(self, lists_scope: ColumnElement[bool]) -> None:
        self._names = itertools.count()
        self._lists_scope = lists_scope

    def index(self, conn: Connection, documents: list[tuple[int, SearchDocument | Tsvectors]]) -> None:
        """Documents as texts: tsvector literals are PostgreSQL's (prepare(tsvectors=True))."""
        texts = [(pk, doc) for pk, doc in documents if isinstance(doc, SearchDocument)]
        if len(texts) != len(documents):
            raise TypeError("SQLite indexes search documents, not tsvector literals")
        self._write(conn, texts, command="")

    def unindex(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        """A contentless table forgets a row only through FTS5's 'delete' command,
        given the very values it indexed (it keeps no copy to read them from).
        The message row must still be there: its date gives the rowid."""
        self._write(conn, documents, command="'delete', ")

    @staticmethod
    def _write(conn: Connection, documents: list[tuple[int, SearchDocument]], command: str) -> None:
        """Rows go in by VALUES with their keys read first: INSERT ... SELECT
        from messages cost twice as much per row (242-269 against 118 µs on
        the real lists' documents). They go in in key order, as FTS5 writes
        what it holds in memory out as a segment whenever a rowid comes lower
        than the last (107 against 118 µs)."""
        if not documents:
            return
        keys = _search_keys(conn, [pk for pk, _ in documents])
        columns = ", ".join(INDEXED_FIELDS)
        marks = ", ".join(f":{field}" for field in INDEXED_FIELDS)
        into = f"search_fts(search_fts, rowid, {columns})" if command else f"search_fts(rowid, {columns})"
        rows = sorted((keys[pk], doc.values()) for pk, doc in documents)
        conn.execute(
            text(f"INSERT INTO {into} VALUES ({command}:key, {marks})"),
            [{"key": key, **dict(zip(INDEXED_FIELDS, values))} for key, values in rows],
        )

    def matching(self, node: Node, visible: ColumnElement[bool] | None) -> Matching:
        parts = list(node.children) if isinstance(node, And) else [node]
        fts = [p for p in parts if _fts5(p) is not None and not isinstance(p, Not)]
        # With something to match, FTS5 says NOT itself, probing each match;
        # as a condition it would be NOT IN the set of every message that
        # has the word ("NOT s:Re:" is most of an archive).
        excluded = [p for p in parts if isinstance(p, Not) and _fts5(p.child) is not None] if fts else []
        rest = [p for p in parts if p not in fts and p not in excluded]
        conditions = [self._condition(p) for p in rest] + ([visible] if visible is not None else [])
        if not fts:
            query = (
                select(messages.c.id, messages.c.date.label("score"), messages.c.date.label("newest"))
                .where(messages.c.canonical, *conditions)
                .order_by(messages.c.date.desc(), messages.c.id.desc())
            )
            return Matching(query, ranked=False)
        expression = " AND ".join(f"({_fts5(p)})" for p in fts)
        for negative in excluded:
            expression = f"({expression}) NOT ({_fts5(negative.child)})"
        bounds = _key_bounds(_KEY, [p for p in rest if isinstance(p, DateRange)])
        ranked = _ranks([t for t in _positive_terms(node) if words(t.text)])
        if not conditions and not bounds:
            shared = _MATCH_ONLY if ranked else _MATCH_ONLY_BY_DATE
            return Matching(shared, ranked=ranked, params={"match": expression})
        # Only canonical messages are indexed; with nothing else to check, the
        # index alone answers, and messages are read for the page only.
        source = search_fts.join(messages, messages.c.id == _MESSAGE_PK) if conditions else search_fts
        query = (
            _fts5_matches(source, ranked)
            .where(text("search_fts MATCH :match").bindparams(match=expression))
            .where(*bounds, *conditions)
        )
        return Matching(query, ranked=ranked)

    def _condition(self, node: Node) -> ColumnElement[bool]:
        return boolean_condition(node, self._fts5_rows, self._lists_scope)

    def _fts5_rows(self, node: Node) -> ColumnElement[bool] | None:
        """A part FTS5 can say in one MATCH, as an IN subquery over its rowids."""
        expression = _fts5(node)
        if expression is None or isinstance(node, Not):
            return None
        name = f"m{next(self._names)}"
        rows = text(
            f"SELECT rowid & {ID_MASK} AS pk FROM search_fts WHERE search_fts MATCH :{name}"
        ).bindparams(bindparam(name, expression))
        return messages.c.id.in_(rows.columns(Column("pk", Integer)))


# Only the rowid is named: FTS5 walks it newest first, so SQLite keeps the
# FTS table the outer loop of the join and stops at the LIMIT.
search_fts = table("search_fts", column("rowid", Integer))
# A search key is (the message's date in whole seconds since 1970, clamped
# to 32 bits) << ID_BITS | its id: unique because ids are, and in date order.
ID_BITS = 31
ID_MASK = (1 << ID_BITS) - 1
MAX_KEY_SECONDS = (1 << 32) - 1
SEARCH_KEY_SQL = (
    f"(max(0, min(CAST(strftime('%s', date) AS INTEGER), {MAX_KEY_SECONDS})) << {ID_BITS}) | id"
)

_STORED_KEY = literal_column(SEARCH_KEY_SQL)


def _search_keys(conn: Connection, pks: list[int]) -> dict[int, int]:
    """The search key of each stored message, computed where it is stored."""
    keys: dict[int, int] = {}
    for start in range(0, len(pks), IN_CHUNK):
        chunk = pks[start : start + IN_CHUNK]
        query = select(messages.c.id, _STORED_KEY).where(messages.c.id.in_(chunk))
        keys.update((pk, search_key) for pk, search_key in conn.execute(query))
    return keys


_KEY = search_fts.c.rowid
_MESSAGE_PK = _KEY.op("&")(ID_MASK)


def _fts5_matches(source: FromClause, ranked: bool) -> Select:
    """Matches newest first, scored by bm25 only when ranked: bm25 reads
    every match of each phrase in the query once, however few are kept."""
    weights = ", ".join(str(w) for w in FTS5_WEIGHTS)
    score = literal_column(f"bm25(search_fts, {weights})") if ranked else _KEY
    return (
        select(_MESSAGE_PK.label("id"), score.label("score"), _KEY.label("newest"))
        .select_from(source)
        .order_by(_KEY.desc())
    )


# A query that is one MATCH and nothing else, the match bound at execution.
_MATCH_ONLY = _fts5_matches(search_fts, ranked=True).where(text("search_fts MATCH :match"))
_MATCH_ONLY_BY_DATE = _fts5_matches(search_fts, ranked=False).where(text("search_fts MATCH :match"))


def _key_seconds(moment: datetime) -> int:
    return max(0, min(int(moment.timestamp()), MAX_KEY_SECONDS))


def _key_bounds(key: ColumnElement, ranges: list[DateRange]) -> list[ColumnElement[bool]]:
    """Rowid bounds that contain each date range (the exact date test stays
    in the query: these only let FTS5 skip the rest)."""
    bounds = []
    for span in ranges:
        if span.start is not None:
            bounds.append(key >= _key_seconds(span.start) << ID_BITS)
        if span.end is not None:
            bounds.append(key < (_key_seconds(span.end) + 1) << ID_BITS)
    return bounds


def _fts5(node: Node) -> str | None:
    """The node as one FTS5 MATCH expression, or None when FTS5 cannot say it."""
    if isinstance(node, Term):
        tokens = words(node.text)
        if not tokens:
            return None
        columns = " ".join(node.fields)
        phrase = '"' + " ".join(tokens) + '"' + (" *" if node.prefix else "")
        return f"{{{columns}}} : {phrase}"
    if isinstance(node, And):
        positives = [_fts5(c) for c in node.children if not isinstance(c, Not)]
        negatives = [_fts5(c.child) for c in node.children if isinstance(c, Not)]
        if not positives or None in positives or None in negatives:
            return None
        expression = " AND ".join(f"({p})" for p in positives)
        for negative in negatives:
            expression = f"({expression}) NOT ({negative})"
        return expression
    if isinstance(node, Or):
        children = [_fts5(c) for c in node.children]
        if None in children or any(isinstance(c, Not) for c in node.children):
            return None
        return " OR ".join(f"({c})" for c in children)
    return None


_pg_metadata = MetaData()
search_docs = Table(
    "search_docs",
    _pg_metadata,
    Column("message_pk", Integer, primary_key=True),
    *(Column(field, TSVECTOR) for field in INDEXED_FIELDS),
)


class PostgresBackend:
    """One tsvector column per field, each with a GIN index."""

    def __init__(self, lists_scope: ColumnElement[bool]) -> None:
        self._lists_scope = lists_scope

    def index(self, conn: Connection, documents: list[tuple[int, SearchDocument | Tsvectors]]) -> None:
        columns = ", ".join(INDEXED_FIELDS)
        vectors = ", ".join(f"CAST(:{field} AS tsvector)" for field in INDEXED_FIELDS)
        rows = [
            {"pk": pk, **dict(zip(INDEXED_FIELDS, literals_of(doc)))}
            for pk, doc in documents
        ]
        conn.execute(
            text(f"INSERT INTO search_docs (message_pk, {columns}) VALUES (:pk, {vectors})"), rows
        )

    def unindex(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        pks = [pk for pk, _ in documents]
        conn.execute(search_docs.delete().where(search_docs.c.message_pk.in_(pks)))

    def matching(self, node: Node, visible: ColumnElement[bool] | None) -> Matching:
        positives = [t for t in _positive_terms(node) if _tsquery(t)]
        base = messages.join(search_docs, search_docs.c.message_pk == messages.c.id)
        newest_first = (messages.c.date.desc(), messages.c.id.desc())
        newest = messages.c.date.label("newest")
        conditions = and_(messages.c.canonical, true() if visible is None else visible, self._condition(node))
        if not _ranks(positives):
            query = select(messages.c.id, messages.c.date.label("score"), newest).select_from(base)
            return Matching(query.where(conditions).order_by(*newest_first), ranked=False)
        document = search_docs.c.subject.op("||")(search_docs.c.own)
        wanted = cast(" | ".join(f"({_tsquery(t)})" for t in positives), TSQUERY)
        score = -func.ts_rank_cd(document, wanted)  # lower is better, as bm25
        query = select(messages.c.id, score.label("score"), newest).select_from(base)
        return Matching(query.where(conditions).order_by(*newest_first), ranked=True)

    def _condition(self, node: Node) -> ColumnElement[bool]:
        return boolean_condition(node, _tsvector_match, self._lists_scope)


def _tsvector_match(node: Node) -> ColumnElement[bool] | None:
    if not isinstance(node, Term):
        return None
    tsquery = _tsquery(node)
    if tsquery is None:
        return false()
    query = cast(tsquery, TSQUERY)
    return or_(*(search_docs.c[field].op("@@")(query) for field in node.fields))


def _tsquery(term: Term) -> str | None:
    """Words only (never user syntax) joined as a phrase; safe by construction."""
    return tsquery_phrase(term.text, term.prefix)


def _ranks(terms: list[Term]) -> bool:
    """Whether any of these terms (each with words) looks beyond the address fields."""
    return any(set(term.fields) - ADDRESS_FIELDS for term in terms)


def _positive_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, (And, Or)):
        return [t for c in node.children for t in _positive_terms(c)]
    return []


def backend_for(
    conn: Connection, lists_scope: ColumnElement[bool] | None = None
) -> SearchBackend:
    """The backend of this database; ``l:`` filters name only lists in ``lists_scope``."""
    scope = true() if lists_scope is None else lists_scope
    if conn.dialect.name == "sqlite":
        return SqliteBackend(scope)
    return PostgresBackend(scope)
