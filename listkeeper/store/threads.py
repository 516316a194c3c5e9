"""Repaired parent links: re-pointing them and relabelling the threads they touch.

Header links are kept by linker.py as messages arrive. A repaired link can
move a message (and its replies) from one thread to another, so thread ids of
every thread involved are recomputed here from the parent links.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from listkeeper.store.linker import IN_CHUNK, ThreadIds, existing_nodes, path_up
from listkeeper.store.schema import thread_nodes
from listkeeper.threader import FoundBy


def set_repaired_parents(
    conn: Connection, changes: dict[str, tuple[str | None, FoundBy | None]]
) -> None:
    """Re-point repaired parent links (refusing cycles), then relabel threads."""
    if not changes:
        return
    touched = {row[0] for row in existing_nodes(conn, list(changes)).values()}
    for message_id, (parent, found_by) in changes.items():
        if parent is not None and _is_ancestor(conn, message_id, parent):
            parent, found_by = None, None
        conn.execute(
            update(thread_nodes)
            .where(thread_nodes.c.message_id == message_id)
            .values(parent=parent, parent_found_by=found_by.value if found_by else None)
        )
    parents = [parent for parent, _ in changes.values() if parent is not None]
    touched |= {row[0] for row in existing_nodes(conn, parents).values()}
    _relabel(conn, touched)


def _relabel(conn: Connection, thread_ids: set[int]) -> None:
    """Give each connected tree among these threads its own thread id."""
    rows = []
    ids = sorted(thread_ids)
    for start in range(0, len(ids), IN_CHUNK):
        query = select(
            thread_nodes.c.message_id, thread_nodes.c.parent, thread_nodes.c.thread_id
        ).where(thread_nodes.c.thread_id.in_(ids[start : start + IN_CHUNK]))
        rows.extend(conn.execute(query).all())
    root_of = _components({r.message_id: r.parent for r in rows})
    members: dict[str, list] = {}
    for row in rows:
        members.setdefault(root_of[row.message_id], []).append(row)
    unused = set(thread_ids)
    fresh_ids = ThreadIds(conn)
    # Largest trees keep their old ids first.
    for group in sorted(members.values(), key=len, reverse=True):
        olds = sorted({r.thread_id for r in group} & unused)
        thread_id = olds[0] if olds else fresh_ids.new()
        unused.discard(thread_id)
        moving = [r.message_id for r in group if r.thread_id != thread_id]
        fresh_ids.flush()
        for start in range(0, len(moving), IN_CHUNK):
            conn.execute(
                update(thread_nodes)
                .where(thread_nodes.c.message_id.in_(moving[start : start + IN_CHUNK]))
                .values(thread_id=thread_id)
            )


def _components(parent_of: dict[str, str | None]) -> dict[str, str]:
    """Union-find over parent links: each node's representative."""
    leader = {node: node for node in parent_of}

    def find(node: str) -> str:
        while leader[node] != node:
            leader[node] = leader[leader[node]]
            node = leader[node]
        return node

    for node, parent in parent_of.items():
        if parent is not None and parent in leader:
            a, b = find(node), find(parent)
            if a != b:
                leader[max(a, b)] = min(a, b)
    return {node: find(node) for node in parent_of}


def _is_ancestor(conn: Connection, candidate: str, start: str) -> bool:
    """True if candidate is start itself or one of start's ancestors."""

    def parent_of(message_id: str) -> str | None:
        return conn.execute(
            select(thread_nodes.c.parent).where(thread_nodes.c.message_id == message_id)
        ).scalar()

    return path_up(parent_of, start, candidate) is not None
