"""What could not be archived: listed, shown and retried (`listkeeper quarantine`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from listkeeper.store.codec import decompress
from listkeeper.store.reader import as_utc
from listkeeper.store.schema import quarantine


@dataclass(frozen=True, slots=True)
class Quarantined:
    id: int
    list_name: str | None
    origin: str
    reason: str
    received_at: datetime
    size: int


def quarantined(conn: Connection) -> list[Quarantined]:
    rows = conn.execute(
        select(
            quarantine.c.id,
            quarantine.c.list_name,
            quarantine.c.origin,
            quarantine.c.reason,
            quarantine.c.received_at,
            func.length(quarantine.c.raw).label("size"),
        ).order_by(quarantine.c.id)
    )
    return [
        Quarantined(r.id, r.list_name, r.origin, r.reason, as_utc(r.received_at), r.size)
        for r in rows
    ]


def quarantined_raw(conn: Connection, quarantine_id: int) -> tuple[Quarantined, bytes] | None:
    row = conn.execute(select(quarantine).where(quarantine.c.id == quarantine_id)).first()
    if row is None:
        return None
    raw = decompress(row.raw)
    item = Quarantined(row.id, row.list_name, row.origin, row.reason, as_utc(row.received_at), len(raw))
    return item, raw
