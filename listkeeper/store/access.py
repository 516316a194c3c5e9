"""Who is reading, and what they may read: the one idea of access.

A list is readable when it is public or granted to the reader; a message is
visible when it belongs to at least one readable list. Both are SQL
conditions, so queries filter before they count, rank or page, and nothing
private can reach a count, a total, a page number or a snippet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, not_, or_, select, true

from listkeeper.store.schema import list_messages, lists, messages


@dataclass(frozen=True, slots=True)
class Viewer:
    """A reader of the archive: anonymous, a user, or the site operator."""

    name: str | None = None  # the signed-in user's name; None when anonymous
    user_id: int | None = None
    granted: frozenset[int] = frozenset()  # ids of the private lists granted to them
    everything: bool = False  # the operator (the CLI) reads every list

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def access(self) -> Viewer:
        """This viewer reduced to what decides what it may read: equal for
        everyone who may read the same lists, so statements built for one
        viewer can be cached and reused for all of them."""
        return Viewer(granted=self.granted, everything=self.everything)


ANONYMOUS = Viewer()
OPERATOR = Viewer(name="operator", everything=True)


# Conditions are built once per access and shared by every statement that
# uses them: SQLAlchemy memoizes a construct's cache key, so a reused one
# costs nothing to build or key again.
CONDITIONS_CACHED = 256


def readable(viewer: Viewer) -> ColumnElement[bool]:
    """Condition on ``lists``: the viewer may read this list."""
    return _readable(viewer.access)


@lru_cache(maxsize=CONDITIONS_CACHED)
def _readable(access: Viewer) -> ColumnElement[bool]:
    if access.everything:
        return true()
    return or_(not_(lists.c.private), lists.c.id.in_(sorted(access.granted)))


def readable_list_ids(viewer: Viewer) -> Select:
    return _readable_list_ids(viewer.access)


@lru_cache(maxsize=CONDITIONS_CACHED)
def _readable_list_ids(access: Viewer) -> Select:
    return select(lists.c.id).where(_readable(access))


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """Condition on ``messages``: the message is in at least one readable list."""
    return _visible(viewer.access)


@lru_cache(maxsize=CONDITIONS_CACHED)
def _visible(access: Viewer) -> ColumnElement[bool]:
    if access.everything:
        return true()
    # Correlated, so each candidate message costs one index probe: an IN over
    # every membership would build a set of the whole archive per query.
    return (
        select(list_messages.c.message_pk)
        .where(
            list_messages.c.message_pk == messages.c.id,
            list_messages.c.list_id.in_(_readable_list_ids(access)),
        )
        # Its own memberships even inside a query that joins list_messages.
        .correlate_except(list_messages)
        .exists()
    )
