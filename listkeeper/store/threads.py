"""Thread links kept incrementally in the thread_nodes table.

Every distinct Message-ID gets one node, archived or a placeholder for a
message that is only referenced. A message joins the thread of anything it
references; when it links two threads, they are merged by one UPDATE.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from listkeeper.store.schema import thread_nodes, threads
from listkeeper.threader import FoundBy

# Walking up parents to refuse a cycle stops here; deeper is not a real thread.
MAX_ANCESTOR_WALK = 10_000
# Bound the size of one IN (...) list.
IN_CHUNK = 500


def link_message(
    conn: Connection,
    message_id: str,
    parent: str | None,
    found_by: FoundBy | None,
    ancestors: list[str],
) -> int:
    """Record an archived message and its parent; returns its thread id."""
    known = _existing_nodes(conn, [*ancestors, message_id])
    thread_id = _merge_threads(conn, {row.thread_id for row in known.values()})
    previous: str | None = None
    for ancestor in ancestors:
        if ancestor not in known:
            conn.execute(
                insert(thread_nodes).values(
                    message_id=ancestor,
                    thread_id=thread_id,
                    parent=previous,
                    parent_found_by=FoundBy.REFERENCES.value if previous else None,
                    archived=False,
                )
            )
            known[ancestor] = None  # type: ignore[assignment]
        previous = ancestor
    if parent is not None and _is_ancestor(conn, message_id, parent):
        parent, found_by = None, None  # a cycle: the link would loop
    values = {
        "thread_id": thread_id,
        "parent": parent,
        "parent_found_by": found_by.value if found_by else None,
        "archived": True,
    }
    if message_id in known:
        conn.execute(
            update(thread_nodes).where(thread_nodes.c.message_id == message_id).values(**values)
        )
    else:
        conn.execute(insert(thread_nodes).values(message_id=message_id, **values))
    return thread_id


def set_repaired_parents(
    conn: Connection, changes: dict[str, tuple[str | None, FoundBy | None]]
) -> None:
    """Re-point repaired parent links, then relabel the threads they touch.

    A repaired link can move a message (and its replies) from one thread to
    another, so thread ids are recomputed from the parent links of every
    thread involved; links that would make a cycle are refused.
    """
    if not changes:
        return
    touched = {row.thread_id for row in _existing_nodes(conn, list(changes)).values()}
    for message_id, (parent, found_by) in changes.items():
        if parent is not None and _is_ancestor(conn, message_id, parent):
            parent, found_by = None, None
        conn.execute(
            update(thread_nodes)
            .where(thread_nodes.c.message_id == message_id)
            .values(parent=parent, parent_found_by=found_by.value if found_by else None)
        )
    parents = [parent for parent, _ in changes.values() if parent is not None]
    touched |= {row.thread_id for row in _existing_nodes(conn, parents).values()}
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
    # Largest trees keep their old ids first, so most URLs' threads stay put.
    for group in sorted(members.values(), key=len, reverse=True):
        olds = sorted({r.thread_id for r in group} & unused)
        thread_id = olds[0] if olds else _merge_threads(conn, set())
        unused.discard(thread_id)
        moving = [r.message_id for r in group if r.thread_id != thread_id]
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


def _existing_nodes(conn: Connection, ids: list[str]) -> dict:
    found = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), IN_CHUNK):
        chunk = unique[start : start + IN_CHUNK]
        query = select(thread_nodes.c.message_id, thread_nodes.c.thread_id).where(
            thread_nodes.c.message_id.in_(chunk)
        )
        found.update({row.message_id: row for row in conn.execute(query)})
    return found


def _merge_threads(conn: Connection, thread_ids: set[int]) -> int:
    """One thread id for all of these: the oldest survives, or a new one."""
    if not thread_ids:
        return conn.execute(insert(threads).values()).inserted_primary_key[0]
    survivor = min(thread_ids)
    others = thread_ids - {survivor}
    if others:
        conn.execute(
            update(thread_nodes)
            .where(thread_nodes.c.thread_id.in_(others))
            .values(thread_id=survivor)
        )
    return survivor


def _is_ancestor(conn: Connection, candidate: str, start: str) -> bool:
    """True if candidate is start itself or one of start's ancestors."""
    current: str | None = start
    for _ in range(MAX_ANCESTOR_WALK):
        if current is None:
            return False
        if current == candidate:
            return True
        current = conn.execute(
            select(thread_nodes.c.parent).where(thread_nodes.c.message_id == current)
        ).scalar()
    return True
