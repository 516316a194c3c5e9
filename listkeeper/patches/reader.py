"""Read-only queries over the patch model for pages, the API and the mbox.

Plain dataclasses out, as in store/reader.py; nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, Select, bindparam, func, select

from listkeeper.patches.compute import State
from listkeeper.store.access import Viewer, readable, visible
from listkeeper.store.reader import STATEMENTS_PER_QUERY, as_utc, normalize_requested_id
from listkeeper.store.schema import list_repos, lists, messages, patch_trailers, patches

STATES = tuple(state.value for state in State)


@dataclass(frozen=True, slots=True)
class TrailerGiven:
    name: str
    value: str
    given_in: str  # Message-ID of the reply


@dataclass(slots=True)
class PatchInfo:
    pk: int
    message_id: str
    subject: str
    from_name: str
    from_addr: str
    date: datetime
    list_name: str
    series_key: str
    title: str
    version: int
    position: int  # 0 for a cover letter
    total: int
    state: str
    state_by: str | None
    state_ref: str | None
    trailers: list[TrailerGiven] = field(default_factory=list)


@dataclass(slots=True)
class Version:
    number: int
    patches: list[PatchInfo]  # cover letter first, then by position

    @property
    def state(self) -> str:
        """The posting's state: what its patches say (a cover letter follows them)."""
        states = {p.state for p in self.patches if p.position != 0} or {
            p.state for p in self.patches
        }
        if states == {State.APPLIED.value}:
            return State.APPLIED.value
        return (State.SUPERSEDED if State.SUPERSEDED.value in states else State.OPEN).value

    @property
    def applied_by(self) -> PatchInfo | None:
        return next((p for p in self.patches if p.state_by), None)


def _select(viewer: Viewer):  # type: ignore[no-untyped-def]
    """Patches of lists the viewer may read, posted by messages they may see."""
    return (
        select(
            patches,
            messages.c.message_id,
            messages.c.subject,
            messages.c.from_name,
            messages.c.from_addr,
            messages.c.date,
            lists.c.name.label("list_name"),
        )
        .select_from(
            patches.join(messages, messages.c.id == patches.c.message_pk).join(
                lists, lists.c.id == patches.c.list_id
            )
        )
        .where(readable(viewer), visible(viewer))
    )


def _info(row) -> PatchInfo:  # type: ignore[no-untyped-def]
    return PatchInfo(
        pk=row.message_pk,
        message_id=row.message_id,
        subject=row.subject,
        from_name=row.from_name,
        from_addr=row.from_addr,
        date=as_utc(row.date),
        list_name=row.list_name,
        series_key=row.series_key,
        title=row.title,
        version=row.version,
        position=row.position,
        total=row.total,
        state=row.state,
        state_by=row.state_by,
        state_ref=row.state_ref,
    )


@lru_cache(maxsize=STATEMENTS_PER_QUERY)
def _patch_of_query(access: Viewer) -> Select:
    return _select(access).where(
        messages.c.message_id == bindparam("message_id"), messages.c.canonical
    )


def patch_of(conn: Connection, viewer: Viewer, message_id: str) -> PatchInfo | None:
    """The patch (or cover letter) a message posts, if it posts one."""
    wanted = {"message_id": normalize_requested_id(message_id)}
    row = conn.execute(_patch_of_query(viewer.access), wanted).first()
    return _info(row) if row else None


def series_versions(conn: Connection, viewer: Viewer, series_key: str) -> list[Version]:
    """Every version of a series, oldest first, with the trailers each patch got."""
    found = [
        _info(r) for r in conn.execute(_select(viewer).where(patches.c.series_key == series_key))
    ]
    _attach_trailers(conn, found)
    by_number: dict[int, list[PatchInfo]] = defaultdict(list)
    for info in found:
        by_number[info.version].append(info)
    return [
        Version(n, sorted(by_number[n], key=lambda p: (p.position, p.date, p.message_id)))
        for n in sorted(by_number)
    ]


def _attach_trailers(conn: Connection, found: list[PatchInfo]) -> None:
    by_pk = {p.pk: p for p in found}
    if not by_pk:
        return
    query = (
        select(patch_trailers)
        .where(patch_trailers.c.message_pk.in_(list(by_pk)))
        .order_by(patch_trailers.c.id)
    )
    for row in conn.execute(query):
        by_pk[row.message_pk].trailers.append(TrailerGiven(row.name, row.value, row.given_in))


def list_patches(
    conn: Connection, viewer: Viewer, list_name: str, state: str | None, limit: int, offset: int
) -> list[PatchInfo]:
    """A list's patches and cover letters, newest first, optionally in one state."""
    query = _select(viewer).where(lists.c.name == list_name)
    if state is not None:
        query = query.where(patches.c.state == state)
    query = query.order_by(messages.c.date.desc(), messages.c.id.desc()).limit(limit).offset(offset)
    found = [_info(r) for r in conn.execute(query)]
    _attach_trailers(conn, found)
    return found


def state_counts(conn: Connection, viewer: Viewer, list_name: str) -> dict[str, int]:
    query = (
        select(patches.c.state, func.count())
        .select_from(
            patches.join(lists, lists.c.id == patches.c.list_id).join(
                messages, messages.c.id == patches.c.message_pk
            )
        )
        .where(lists.c.name == list_name, readable(viewer), visible(viewer))
        .group_by(patches.c.state)
    )
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: n for state, n in conn.execute(query)})
    return counts


def commit_url_template(conn: Connection, list_name: str) -> str | None:
    """The list's "https://…/{id}" template for changeset and commit ids, if set."""
    return conn.execute(
        select(list_repos.c.commit_url)
        .join(lists, lists.c.id == list_repos.c.list_id)
        .where(lists.c.name == list_name)
    ).scalar()
