"""Removed messages, read side: why a Message-ID answers 410, what the audit
log says. Pages, the API, the CLI and the writer ask here; only
``takedown.remove`` writes these tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, bindparam, select

from listkeeper.store.access import Viewer, readable_list_ids
from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.schema import audit_log, tombstones


@dataclass(frozen=True, slots=True)
class Removal:
    message_id: str
    reason: str
    removed_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    action: str
    target: str
    reason: str
    actor: str


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


_TOMBSTONES_QUERY = select(tombstones).where(
    tombstones.c.message_id.in_(bindparam("ids", expanding=True))
)


def removals(conn: Connection, viewer: Viewer, message_ids: list[str]) -> dict[str, Removal]:
    """The tombstones among these Message-IDs that the viewer may know of, by id.

    A message removed from a private list stays as unknown to outsiders as
    it was before (a 404, no reason); one that was in no list any more
    (only quarantined) is known to all.
    """
    unique = list(dict.fromkeys(message_ids))
    rows = [
        row
        for start in range(0, len(unique), IN_CHUNK)
        for row in conn.execute(_TOMBSTONES_QUERY, {"ids": unique[start : start + IN_CHUNK]})
    ]
    if not rows:  # nearly always: read the viewer's lists only when needed
        return {}
    known = {str(pk) for pk in conn.execute(readable_list_ids(viewer)).scalars()}
    found: dict[str, Removal] = {}
    for row in rows:
        in_lists = set(row.list_ids.split())
        if viewer.everything or not in_lists or in_lists & known:
            found[row.message_id] = Removal(row.message_id, row.reason, _utc(row.removed_at))
    return found


def removal(conn: Connection, viewer: Viewer, message_id: str) -> Removal | None:
    return removals(conn, viewer, [message_id]).get(message_id)


def audit_entries(conn: Connection) -> list[AuditEntry]:
    """Every audited action, oldest first."""
    rows = conn.execute(select(audit_log).order_by(audit_log.c.id))
    return [AuditEntry(_utc(r.at), r.action, r.target, r.reason, r.actor) for r in rows]
