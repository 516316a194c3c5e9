"""What could not be archived: listed, shown and retried (`listkeeper quarantine`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import Connection, func, select

from listkeeper.mail.headers import normalize_message_id
from listkeeper.store.codec import decompress
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.prepare import bounded_id, storable_text
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
    raw = decompress(row.raw, dictionary_lookup(conn))
    item = Quarantined(row.id, row.list_name, row.origin, row.reason, as_utc(row.received_at), len(raw))
    return item, raw


def unparsed_message_id(raw: bytes) -> str | None:
    """The Message-ID of a message that could not be parsed, as the store would
    key it, when its header block still names one (a takedown reaches it too)."""
    try:
        value = BytesHeaderParser(policy=compat32).parsebytes(raw).get("message-id")
        found = normalize_message_id(str(value)) if value is not None else None
    except Exception:  # noqa: BLE001 — quarantined bytes can break any parser
        return None
    return storable_text(bounded_id(found)) if found else None
