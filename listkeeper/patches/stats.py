"""What the patch detector found in a list, counted: for bench/patches.py and
the corpus test, so both report the same figures."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from listkeeper.patches.reader import STATES
from listkeeper.store.schema import lists, patch_trailers, patches


def patch_counts(conn: Connection, list_name: str | None) -> dict[str, int]:
    """Patches, cover letters, series, versions, trailers and states (one list or all)."""
    scope = patches.join(lists, lists.c.id == patches.c.list_id)
    where = [lists.c.name == list_name] if list_name else []

    def count(query) -> int:  # type: ignore[no-untyped-def]
        return conn.execute(query).scalar_one()

    def rows(*conditions) -> int:  # type: ignore[no-untyped-def]
        return count(select(func.count()).select_from(scope).where(*where, *conditions))

    postings = (
        select(patches.c.series_key, patches.c.version).select_from(scope).where(*where).distinct()
    )
    versions = (
        select(patches.c.series_key, func.count(func.distinct(patches.c.version)).label("n"))
        .select_from(scope)
        .where(*where)
        .group_by(patches.c.series_key)
        .subquery()
    )
    trailers = patch_trailers.join(
        patches, patches.c.message_pk == patch_trailers.c.message_pk
    ).join(lists, lists.c.id == patches.c.list_id)
    found = {
        "patch messages": rows(patches.c.position != 0),
        "cover letters": rows(patches.c.position == 0),
        "series": count(
            select(func.count(func.distinct(patches.c.series_key))).select_from(scope).where(*where)
        ),
        "versions (postings)": count(select(func.count()).select_from(postings.subquery())),
        "series with 2+ versions": count(
            select(func.count()).select_from(versions).where(versions.c.n > 1)
        ),
        "trailers from replies": count(select(func.count()).select_from(trailers).where(*where)),
    }
    found.update({state: rows(patches.c.state == state) for state in STATES})
    return found
