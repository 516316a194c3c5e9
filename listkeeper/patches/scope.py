"""Which threads a patch pass reads, and whose patch rows it rewrites.

After an import, a new mail can change only the series of the people in its
thread; their series may reach back to any thread where they posted a patch
before, so those threads are read too. Only thread ids and addresses are
held here, never messages: the pass reads the threads a batch at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.reader import in_list, list_dates, member_of
from listkeeper.store.repair_pass import Span
from listkeeper.store.schema import lists, messages, patches, thread_nodes


@dataclass(frozen=True, slots=True)
class Scope:
    threads: list[int]  # ascending
    authors: frozenset[str] | None  # whose rows are rewritten; None: everyone's


def scope_of(conn: Connection, list_pk: int, list_name: str, span: Span | None) -> Scope:
    """The whole list without a span; else the threads with mail dated in it,
    their authors, and every thread where one of those authors has a patch."""
    if span is None or _spans_the_whole_list(conn, list_name, span):
        return Scope(_list_threads(conn, list_name), None)
    dated = set(_threads_dated(conn, list_name, span))
    authors = _authors(conn, sorted(dated))
    earlier = _threads_with_patches_by(conn, list_pk, sorted(authors))
    return Scope(sorted(dated | earlier), frozenset(authors))


def _spans_the_whole_list(conn: Connection, list_name: str, span: Span) -> bool:
    """Whether the span reaches from the list's first message to its last, as
    after an import into an empty list: every author's rows are then rewritten
    anyway, and rewriting the whole list skips finding the authors (at
    1,000,000 messages, 35 s and more memory against 5 s for a list)."""
    first, last = list_dates(conn, list_name)
    return first is not None and last is not None and span[0] <= first and last <= span[1]


def _in_threads(list_name: str):  # type: ignore[no-untyped-def]
    return in_list(list_name).join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id)


def _list_threads(conn: Connection, list_name: str) -> list[int]:
    query = (
        select(thread_nodes.c.thread_id)
        .select_from(_in_threads(list_name))
        .where(lists.c.name == list_name, messages.c.canonical, thread_nodes.c.archived)
        .distinct()
        .order_by(thread_nodes.c.thread_id)
    )
    return list(conn.execute(query).scalars())


def _threads_dated(conn: Connection, list_name: str, span: Span) -> list[int]:
    query = (
        select(thread_nodes.c.thread_id)
        .select_from(messages.join(thread_nodes, thread_nodes.c.message_id == messages.c.message_id))
        .where(member_of(list_name), messages.c.date >= span[0], messages.c.date <= span[1])
        .distinct()
    )
    return list(conn.execute(query).scalars())


def _authors(conn: Connection, threads: list[int]) -> set[str]:
    """Everyone with a message in these threads, whatever its list."""
    found: set[str] = set()
    for start in range(0, len(threads), IN_CHUNK):
        query = (
            select(messages.c.from_addr)
            .select_from(
                thread_nodes.join(messages, messages.c.message_id == thread_nodes.c.message_id)
            )
            .where(thread_nodes.c.thread_id.in_(threads[start : start + IN_CHUNK]))
            .where(thread_nodes.c.archived)
            .distinct()
        )
        found.update(addr.lower() for addr in conn.execute(query).scalars())
    return found


def _threads_with_patches_by(conn: Connection, list_pk: int, authors: list[str]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(authors), IN_CHUNK):
        query = (
            select(thread_nodes.c.thread_id)
            .select_from(
                patches.join(messages, messages.c.id == patches.c.message_pk).join(
                    thread_nodes, thread_nodes.c.message_id == messages.c.message_id
                )
            )
            .where(
                patches.c.list_id == list_pk,
                patches.c.author.in_(authors[start : start + IN_CHUNK]),
            )
            .distinct()
        )
        found.update(conn.execute(query).scalars())
    return found
