"""The two full-text backends behind one interface: SQLite FTS5 and
PostgreSQL tsvector. Each turns the query AST into SQL over `messages` and
writes documents; callers never see which one they have."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from listkeeper.search.document import SearchDocument, words
from listkeeper.search.query import INDEXED_FIELDS, And, DateRange, Filter, Node, Not, Or, Term
from listkeeper.store.schema import list_messages, lists, messages, patches

TEXT_CONFIG = "simple"  # no stemming: identifiers and names must match as written
# bm25 weights per column, in INDEXED_FIELDS order: subject counts most.
FTS5_WEIGHTS = (4.0, 2.0, 1.0, 1.0, 1.5, 0.5, 2.0, 2.0, 2.0, 1.0, 1.0)


class SearchBackend(Protocol):
    def index(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None: ...

    def unindex(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        """Drop these messages from the index; each with the document it was indexed with."""
        ...

    def matching(self, node: Node) -> tuple[Select, bool]:
        """(SELECT messages.id, score) for the query; True when score is a relevance rank."""
        ...


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
    if node.field == "patch":  # a message carrying a diff; cover letters carry none
        with_diff = select(patches.c.message_pk).where(patches.c.position != 0)
        return messages.c.id.in_(with_diff) if node.value == "yes" else messages.c.id.not_in(with_diff)
    if node.field == "state":
        return messages.c.id.in_(select(patches.c.message_pk).where(patches.c.state == node.value))
    in_list = (
        select(list_messages.c.message_pk)
        .join(lists, lists.c.id == list_messages.c.list_id)
        .where(lists.c.name == node.value, lists_scope)
    )
    return messages.c.id.in_(in_list)


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
    """A contentless FTS5 table; terms that FTS5 cannot combine become IN subqueries."""

    def __init__(self, lists_scope: ColumnElement[bool]) -> None:
        self._names = itertools.count()
        self._lists_scope = lists_scope

    def index(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        columns = ", ".join(INDEXED_FIELDS)
        marks = ", ".join(f":{field}" for field in INDEXED_FIELDS)
        conn.execute(
            text(f"INSERT INTO search_fts(rowid, {columns}) VALUES (:pk, {marks})"),
            [{"pk": pk, **dict(zip(INDEXED_FIELDS, doc.values()))} for pk, doc in documents],
        )

    def unindex(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        """A contentless table forgets a row only through FTS5's 'delete' command,
        given the very values it indexed (it keeps no copy to read them from)."""
        columns = ", ".join(INDEXED_FIELDS)
        marks = ", ".join(f":{field}" for field in INDEXED_FIELDS)
        conn.execute(
            text(
                f"INSERT INTO search_fts(search_fts, rowid, {columns}) "
                f"VALUES ('delete', :pk, {marks})"
            ),
            [{"pk": pk, **dict(zip(INDEXED_FIELDS, doc.values()))} for pk, doc in documents],
        )

    def matching(self, node: Node) -> tuple[Select, bool]:
        parts = list(node.children) if isinstance(node, And) else [node]
        fts = [p for p in parts if _fts5(p) is not None and not isinstance(p, Not)]
        rest = [p for p in parts if p not in fts]
        if not fts:
            query = select(messages.c.id, messages.c.date.label("score")).where(
                and_(*(self._condition(p) for p in rest))
            )
            return query, False
        expression = " AND ".join(f"({_fts5(p)})" for p in fts)
        weights = ", ".join(str(w) for w in FTS5_WEIGHTS)
        score = literal_column(f"bm25(search_fts, {weights})")
        query = (
            select(messages.c.id, score.label("score"))
            .select_from(messages.join(text("search_fts"), text("search_fts.rowid = messages.id")))
            .where(text("search_fts MATCH :match").bindparams(match=expression))
            .where(and_(true(), *(self._condition(p) for p in rest)))
        )
        return query, True

    def _condition(self, node: Node) -> ColumnElement[bool]:
        return boolean_condition(node, self._fts5_rows, self._lists_scope)

    def _fts5_rows(self, node: Node) -> ColumnElement[bool] | None:
        """A part FTS5 can say in one MATCH, as an IN subquery over its rowids."""
        expression = _fts5(node)
        if expression is None or isinstance(node, Not):
            return None
        name = f"m{next(self._names)}"
        rows = text(f"SELECT rowid FROM search_fts WHERE search_fts MATCH :{name}").bindparams(
            bindparam(name, expression)
        )
        return messages.c.id.in_(rows.columns(Column("rowid", Integer)))


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

    def index(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        columns = ", ".join(INDEXED_FIELDS)
        vectors = ", ".join(f"to_tsvector('{TEXT_CONFIG}', :{field})" for field in INDEXED_FIELDS)
        rows = [
            {"pk": pk, **{f: " ".join(words(v)) for f, v in zip(INDEXED_FIELDS, doc.values())}}
            for pk, doc in documents
        ]
        conn.execute(
            text(f"INSERT INTO search_docs (message_pk, {columns}) VALUES (:pk, {vectors})"), rows
        )

    def unindex(self, conn: Connection, documents: list[tuple[int, SearchDocument]]) -> None:
        pks = [pk for pk, _ in documents]
        conn.execute(search_docs.delete().where(search_docs.c.message_pk.in_(pks)))

    def matching(self, node: Node) -> tuple[Select, bool]:
        positives = [t for t in _positive_terms(node) if _tsquery(t)]
        base = messages.join(search_docs, search_docs.c.message_pk == messages.c.id)
        if not positives:
            query = select(messages.c.id, messages.c.date.label("score")).select_from(base)
            return query.where(self._condition(node)), False
        document = search_docs.c.subject.op("||")(search_docs.c.own)
        wanted = func.to_tsquery(TEXT_CONFIG, " | ".join(f"({_tsquery(t)})" for t in positives))
        score = -func.ts_rank_cd(document, wanted)  # lower is better, as bm25
        query = select(messages.c.id, score.label("score")).select_from(base)
        return query.where(self._condition(node)), True

    def _condition(self, node: Node) -> ColumnElement[bool]:
        return boolean_condition(node, _tsvector_match, self._lists_scope)


def _tsvector_match(node: Node) -> ColumnElement[bool] | None:
    if not isinstance(node, Term):
        return None
    tsquery = _tsquery(node)
    if tsquery is None:
        return false()
    query = func.to_tsquery(TEXT_CONFIG, tsquery)
    return or_(*(search_docs.c[field].op("@@")(query) for field in node.fields))


def _tsquery(term: Term) -> str | None:
    """Words only (never user syntax) joined as a phrase; safe by construction."""
    tokens = words(term.text)
    if not tokens:
        return None
    return " <-> ".join(tokens) + (":*" if term.prefix else "")


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
