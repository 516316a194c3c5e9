"""Reply structure: which message answers which, and the order to read them.

Parent links come from headers here (JWZ: the last References id, else
In-Reply-To); repair from quoted text lives in repair.py. The store keeps the
links incrementally; this module holds the pure rules both sides share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum

# References headers of 100,000 ids exist in the wild; the nearest ancestors
# are the ones that matter for threading.
MAX_REFERENCES = 1000


class FoundBy(StrEnum):
    REFERENCES = "references"
    IN_REPLY_TO = "in-reply-to"
    QUOTE = "quote"
    ATTRIBUTION = "attribution"
    SUBJECT = "subject"


@dataclass(frozen=True, slots=True)
class HeaderLinks:
    parent: str | None
    found_by: FoundBy | None
    ancestors: list[str]  # the References chain, oldest first, for placeholders


def header_links(message_id: str, references: list[str], in_reply_to: str | None) -> HeaderLinks:
    """The parent a message's own headers give it, and its ancestor chain."""
    chain = [ref for ref in references[-MAX_REFERENCES:] if ref != message_id]
    if in_reply_to and in_reply_to != message_id and in_reply_to not in chain:
        # References may be truncated or from the thread root only; the
        # In-Reply-To id is then the direct parent.
        chain.append(in_reply_to)
        return HeaderLinks(in_reply_to, FoundBy.IN_REPLY_TO, chain)
    if chain:
        found_by = FoundBy.REFERENCES if references else FoundBy.IN_REPLY_TO
        return HeaderLinks(chain[-1], found_by, chain)
    return HeaderLinks(None, None, [])


# Placeholders with nothing dated below them (in a list's view) sort last;
# aware, as every stored date is.
LAST = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class ThreadNode:
    message_id: str
    parent: str | None
    date: datetime | None  # None for a placeholder of a message not archived


@dataclass(frozen=True, slots=True)
class Placed:
    node: ThreadNode
    depth: int


def reply_order(nodes: list[ThreadNode]) -> list[Placed]:
    """Depth-first order, siblings by date; iterative (threads can be deep)."""
    by_id = {node.message_id: node for node in nodes}
    children: dict[str | None, list[ThreadNode]] = {}
    for node in nodes:
        parent = node.parent if node.parent in by_id else None
        children.setdefault(parent, []).append(node)
    first_date = _subtree_first_dates(nodes, children)

    def sort_key(node: ThreadNode) -> tuple[datetime, str]:
        return first_date.get(node.message_id) or LAST, node.message_id

    placed: list[Placed] = []
    seen: set[str] = set()
    roots = sorted(children.get(None, []), key=sort_key)
    # Nodes caught in a parent cycle have no root; the earliest of them stands as one.
    leftovers = iter(sorted(nodes, key=sort_key))
    while True:
        stack = [(node, 0) for node in reversed(roots)]
        while stack:
            node, depth = stack.pop()
            if node.message_id in seen:
                continue
            seen.add(node.message_id)
            placed.append(Placed(node, depth))
            kids = sorted(children.get(node.message_id, []), key=sort_key, reverse=True)
            stack.extend((kid, depth + 1) for kid in kids)
        orphan = next((n for n in leftovers if n.message_id not in seen), None)
        if orphan is None:
            return placed
        roots = [orphan]


def _subtree_first_dates(
    nodes: list[ThreadNode], children: dict[str | None, list[ThreadNode]]
) -> dict[str, datetime]:
    """A placeholder sorts by its earliest descendant's date."""
    dates = {n.message_id: n.date for n in nodes if n.date is not None}
    pending = [n for n in nodes if n.date is None]
    for ghost in pending:
        best: datetime | None = None
        stack = list(children.get(ghost.message_id, []))
        visited: set[str] = set()
        while stack:
            node = stack.pop()
            if node.message_id in visited:
                continue
            visited.add(node.message_id)
            if node.date is not None and (best is None or node.date < best):
                best = node.date
            stack.extend(children.get(node.message_id, []))
        if best is not None:
            dates[ghost.message_id] = best
    return dates
