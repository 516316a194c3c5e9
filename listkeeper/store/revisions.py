"""Lists' revisions: a counter bumped whenever messages join or leave a list.

Pages, feeds and searches make their cache validators from it
(``reader.list_stamp``), reading one row per list where they would
otherwise count the list's memberships on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, update

from listkeeper.store.schema import lists


def bump_revisions(conn: Connection, list_pks: Iterable[int], at: datetime) -> None:
    """These lists changed at ``at``: their pages must get new validators."""
    wanted = sorted(set(list_pks))
    if wanted:
        conn.execute(
            update(lists)
            .where(lists.c.id.in_(wanted))
            .values(revision=lists.c.revision + 1, changed_at=at)
        )
