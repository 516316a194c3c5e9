"""The one place that writes messages: dedupe, list membership, thread links.

Identity rules (DESIGN.md): the same bytes are one message however often
they arrive; the same Message-ID with other bytes is kept as a non-canonical
copy; one message row may belong to several lists.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, delete, insert, select

from listkeeper.mail.parse import ParsedMessage
from listkeeper.search.backend import backend_for
from listkeeper.search.document import search_document
from listkeeper.store.codec import anatomy_of, compress, encode_anatomy
from listkeeper.store.schema import list_messages, lists, messages, quarantine
from listkeeper.store.threads import link_message
from listkeeper.threader import header_links


class Outcome(StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


class ArchiveWriter:
    """Writes through one connection; callers own the transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._list_ids: dict[str, int] = {}
        self._search = backend_for(conn)

    def list_pk(self, name: str, list_id: str | None = None) -> int:
        """The id of a list, created on first use."""
        if name in self._list_ids:
            return self._list_ids[name]
        pk = self.conn.execute(select(lists.c.id).where(lists.c.name == name)).scalar()
        if pk is None:
            pk = self.conn.execute(
                insert(lists).values(name=name, list_id=list_id, private=False)
            ).inserted_primary_key[0]
        self._list_ids[name] = pk
        return pk

    def store(
        self,
        parsed: ParsedMessage,
        list_name: str,
        envelope: str | None,
        received_at: datetime,
    ) -> Outcome:
        list_pk = self.list_pk(list_name, parsed.list_id)
        existing = self.conn.execute(
            select(messages.c.id).where(messages.c.sha256 == parsed.sha256)
        ).scalar()
        if existing is not None:
            self._add_to_list(list_pk, existing)
            return Outcome.DUPLICATE
        canonical = (
            self.conn.execute(
                select(messages.c.id).where(
                    messages.c.message_id == parsed.message_id, messages.c.canonical
                )
            ).scalar()
            is None
        )
        anatomy = anatomy_of(parsed)
        message_pk = self.conn.execute(
            insert(messages).values(
                message_id=parsed.message_id,
                sha256=parsed.sha256,
                canonical=canonical,
                raw=compress(parsed.raw),
                raw_size=len(parsed.raw),
                received_at=received_at,
                envelope=envelope,
                date=parsed.date,
                date_source=parsed.date_source.value,
                from_name=parsed.from_name,
                from_addr=parsed.from_addr,
                subject=parsed.subject,
                in_reply_to=parsed.in_reply_to,
                refs=" ".join(parsed.references),
                anatomy=encode_anatomy(anatomy),
            )
        ).inserted_primary_key[0]
        self._add_to_list(list_pk, message_pk)
        # Archived now (a parser fix, a retry): no longer in quarantine.
        self.conn.execute(delete(quarantine).where(quarantine.c.sha256 == parsed.sha256))
        if canonical:
            document = search_document(parsed.subject, parsed.from_name, parsed.from_addr, anatomy)
            self._search.index(self.conn, message_pk, document)
            links = header_links(parsed.message_id, parsed.references, parsed.in_reply_to)
            link_message(
                self.conn, parsed.message_id, links.parent, links.found_by, links.ancestors
            )
        return Outcome.IMPORTED

    def _add_to_list(self, list_pk: int, message_pk: int) -> None:
        member = self.conn.execute(
            select(list_messages.c.list_id).where(
                list_messages.c.list_id == list_pk, list_messages.c.message_pk == message_pk
            )
        ).first()
        if member is None:
            self.conn.execute(insert(list_messages).values(list_id=list_pk, message_pk=message_pk))

    def quarantine(
        self, raw: bytes, reason: str, origin: str, list_name: str | None, received_at: datetime
    ) -> Outcome:
        """Keep what could not be archived, with why; the same bytes once."""
        digest = hashlib.sha256(raw).hexdigest()
        known = self.conn.execute(
            select(quarantine.c.id).where(quarantine.c.sha256 == digest)
        ).scalar()
        if known is None:
            self.conn.execute(
                insert(quarantine).values(
                    list_name=list_name,
                    origin=origin,
                    reason=reason,
                    sha256=digest,
                    raw=compress(raw),
                    received_at=received_at,
                )
            )
        return Outcome.QUARANTINED
