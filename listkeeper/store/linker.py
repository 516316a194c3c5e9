"""Header thread links for a batch of new messages, in memory, then one flush.

JWZ, incrementally: a message joins the thread of everything it references;
referenced messages not archived get placeholder nodes chained in References
order; a message linking two threads merges them (the oldest id survives).
Working per batch keeps the importer at a handful of statements per batch
instead of a dozen per message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, insert, select, update

from listkeeper.store.schema import thread_nodes, threads
from listkeeper.threader import FoundBy, HeaderLinks

IN_CHUNK = 500  # bound on one IN (...) list
MAX_ANCESTOR_WALK = 10_000  # deeper than this is not a real thread: refuse the link


@dataclass(slots=True)
class _Node:
    thread_id: int
    parent: str | None
    found_by: str | None
    archived: bool
    stored: bool  # already a row in thread_nodes
    changed: bool = False


def existing_nodes(conn: Connection, ids: list[str]) -> dict[str, tuple[int, str | None, bool]]:
    """(thread_id, parent, archived) of the given Message-IDs that have a node."""
    found: dict[str, tuple[int, str | None, bool]] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), IN_CHUNK):
        query = select(
            thread_nodes.c.message_id,
            thread_nodes.c.thread_id,
            thread_nodes.c.parent,
            thread_nodes.c.archived,
        ).where(thread_nodes.c.message_id.in_(unique[start : start + IN_CHUNK]))
        found.update(
            {row.message_id: (row.thread_id, row.parent, row.archived) for row in conn.execute(query)}
        )
    return found


def path_up(parent_of: Callable[[str], str | None], start: str, target: str) -> list[str] | None:
    """The nodes from start up to (not including) target, or None if target is
    not start or above it. A walk longer than MAX_ANCESTOR_WALK counts as found."""
    path: list[str] = []
    current: str | None = start
    for _ in range(MAX_ANCESTOR_WALK):
        if current is None:
            return None
        if current == target:
            return path
        path.append(current)
        current = parent_of(current)
    return path


class ThreadIds:
    """Allocates thread ids; one writer at a time, as the store requires."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._next: int | None = None
        self.allocated: list[int] = []

    def new(self) -> int:
        if self._next is None:
            self._next = (self.conn.execute(select(func.max(threads.c.id))).scalar() or 0) + 1
        allocated, self._next = self._next, self._next + 1
        self.allocated.append(allocated)
        return allocated

    def flush(self) -> None:
        if self.allocated:
            self.conn.execute(insert(threads), [{"id": i} for i in self.allocated])
            self.allocated = []


class ThreadLinker:
    """Links one batch of newly archived messages; call flush() once at the end."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.nodes: dict[str, _Node] = {}
        self.leader: dict[int, int] = {}  # union-find over thread ids merged in this batch
        self.ids = ThreadIds(conn)

    def link_all(self, batch: list[tuple[str, HeaderLinks]]) -> None:
        wanted = [mid for mid, links in batch for mid in (*links.ancestors, mid)]
        for mid, (thread_id, parent, archived) in existing_nodes(self.conn, wanted).items():
            self.nodes[mid] = _Node(thread_id, parent, None, archived, stored=True)
        for mid, links in batch:
            self._link(mid, links)
        self._flush()

    def _find(self, thread_id: int) -> int:
        while self.leader.get(thread_id, thread_id) != thread_id:
            thread_id = self.leader[thread_id]
        return thread_id

    def _link(self, message_id: str, links: HeaderLinks) -> None:
        members = [*links.ancestors, message_id]
        known = {self._find(self.nodes[m].thread_id) for m in members if m in self.nodes}
        thread_id = min(known) if known else self.ids.new()
        for other in known - {thread_id}:
            self.leader[other] = thread_id
        previous: str | None = None
        for ancestor in links.ancestors:
            if ancestor not in self.nodes:
                found_by = FoundBy.REFERENCES.value if previous else None
                self.nodes[ancestor] = _Node(thread_id, previous, found_by, False, stored=False)
            previous = ancestor
        parent, found_by = links.parent, links.found_by
        if parent is not None and not self._make_room(message_id, parent):
            parent, found_by = None, None  # archived messages' own headers form a loop
        node = self.nodes.get(message_id)
        value = found_by.value if found_by else None
        if node is None:
            self.nodes[message_id] = _Node(thread_id, parent, value, True, stored=False)
        else:
            node.thread_id, node.parent, node.found_by = thread_id, parent, value
            node.archived, node.changed = True, True

    def _make_room(self, message_id: str, parent: str) -> bool:
        """Whether message_id may hang under parent without closing a loop.

        A message's own headers outrank what another message's References
        implied about a placeholder: a loop through a placeholder's link is
        broken there, whatever order the mail came in.
        """
        path = self._ancestry(parent, message_id)
        if path is None:
            return True
        for node_id in path:
            node = self.nodes[node_id]
            if not node.archived:
                node.parent, node.found_by, node.changed = None, None, True
                return True
        return False

    def _ancestry(self, start: str, target: str) -> list[str] | None:
        def parent_of(message_id: str) -> str | None:
            node = self._node(message_id)
            return node.parent if node else None

        return path_up(parent_of, start, target)

    def _node(self, message_id: str) -> _Node | None:
        node = self.nodes.get(message_id)
        if node is None:
            row = existing_nodes(self.conn, [message_id]).get(message_id)
            if row is None:
                return None
            node = self.nodes[message_id] = _Node(row[0], row[1], None, row[2], stored=True)
        return node

    def _flush(self) -> None:
        self.ids.flush()
        merged: dict[int, list[int]] = {}
        for thread_id in self.leader:
            merged.setdefault(self._find(thread_id), []).append(thread_id)
        for survivor, others in merged.items():
            self.conn.execute(
                update(thread_nodes)
                .where(thread_nodes.c.thread_id.in_(others))
                .values(thread_id=survivor)
            )
        fresh = [
            {
                "message_id": mid,
                "thread_id": self._find(node.thread_id),
                "parent": node.parent,
                "parent_found_by": node.found_by,
                "archived": node.archived,
            }
            for mid, node in self.nodes.items()
            if not node.stored
        ]
        if fresh:
            self.conn.execute(insert(thread_nodes), fresh)
        changed = [
            {
                "mid": mid,
                "thread_id": self._find(node.thread_id),
                "parent": node.parent,
                "parent_found_by": node.found_by,
                "archived": node.archived,
            }
            for mid, node in self.nodes.items()
            if node.stored and node.changed
        ]
        if changed:
            self.conn.execute(
                update(thread_nodes).where(thread_nodes.c.message_id == bindparam("mid")),
                changed,
            )
