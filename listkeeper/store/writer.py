"""The one place that writes messages: dedupe, list membership, thread links,
search index — a batch at a time, in the caller's transaction.

Identity rules (DESIGN.md): the same bytes are one message however often
they arrive; the same Message-ID with other bytes is kept as a non-canonical
copy; one message row may belong to several lists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, delete, insert, select, tuple_, update

from listkeeper.mail.parse import ParsedMessage
from listkeeper.search.backend import backend_for
from listkeeper.search.document import search_document
from listkeeper.store.codec import anatomy_of, compress, encode_anatomy
from listkeeper.store.linker import IN_CHUNK, ThreadLinker
from listkeeper.store.schema import list_messages, lists, messages, quarantine
from listkeeper.threader import header_links


class Outcome(StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class Incoming:
    """A parsed message on its way into a list."""

    parsed: ParsedMessage
    list_name: str
    envelope: str | None


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

    def store_batch(self, batch: list[Incoming], received_at: datetime) -> list[Outcome]:
        """Store a batch; one outcome per message, in order."""
        known = self._known_ids([item.parsed.sha256 for item in batch])
        canonical_taken = self._canonical_ids([item.parsed.message_id for item in batch])
        new_rows: list[dict] = []
        fresh: list[ParsedMessage] = []
        anatomies: dict[str, dict] = {}
        outcomes: list[Outcome] = []
        for item in batch:
            parsed = item.parsed
            if parsed.sha256 in known or parsed.sha256 in anatomies:
                outcomes.append(Outcome.DUPLICATE)
                continue
            anatomy = anatomies[parsed.sha256] = anatomy_of(parsed)
            canonical = parsed.message_id not in canonical_taken
            canonical_taken.add(parsed.message_id)
            new_rows.append(_message_row(item, anatomy, canonical, received_at))
            if canonical:
                fresh.append(parsed)
            outcomes.append(Outcome.IMPORTED)
        if new_rows:
            inserted = self.conn.execute(
                insert(messages).returning(messages.c.id, messages.c.sha256), new_rows
            )
            known.update({row.sha256: row.id for row in inserted})
            self._forget_quarantined([row["sha256"] for row in new_rows])
        self._add_memberships(batch, known)
        self._index([(p, known[p.sha256]) for p in fresh], anatomies)
        ThreadLinker(self.conn).link_all(
            [(p.message_id, header_links(p.message_id, p.references, p.in_reply_to)) for p in fresh]
        )
        return outcomes

    def _known_ids(self, shas: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(shas), IN_CHUNK):
            query = select(messages.c.sha256, messages.c.id).where(
                messages.c.sha256.in_(shas[start : start + IN_CHUNK])
            )
            found.update({row.sha256: row.id for row in self.conn.execute(query)})
        return found

    def _canonical_ids(self, message_ids: list[str]) -> set[str]:
        taken: set[str] = set()
        unique = list(dict.fromkeys(message_ids))
        for start in range(0, len(unique), IN_CHUNK):
            query = select(messages.c.message_id).where(
                messages.c.message_id.in_(unique[start : start + IN_CHUNK]), messages.c.canonical
            )
            taken.update(self.conn.execute(query).scalars())
        return taken

    def _forget_quarantined(self, shas: list[str]) -> None:
        """Archived now (a parser fix, a retry): no longer in quarantine."""
        for start in range(0, len(shas), IN_CHUNK):
            chunk = shas[start : start + IN_CHUNK]
            self.conn.execute(delete(quarantine).where(quarantine.c.sha256.in_(chunk)))

    def _add_memberships(self, batch: list[Incoming], ids: dict[str, int]) -> None:
        wanted = {
            (self.list_pk(item.list_name, item.parsed.list_id), ids[item.parsed.sha256])
            for item in batch
        }
        pairs = sorted(wanted)
        present: set[tuple[int, int]] = set()
        for start in range(0, len(pairs), IN_CHUNK):
            key = tuple_(list_messages.c.list_id, list_messages.c.message_pk)
            query = select(list_messages.c.list_id, list_messages.c.message_pk).where(
                key.in_(pairs[start : start + IN_CHUNK])
            )
            present.update((row.list_id, row.message_pk) for row in self.conn.execute(query))
        missing = [
            {"list_id": list_pk, "message_pk": message_pk}
            for list_pk, message_pk in pairs
            if (list_pk, message_pk) not in present
        ]
        if missing:
            self.conn.execute(insert(list_messages), missing)

    def _index(self, stored: list[tuple[ParsedMessage, int]], anatomies: dict[str, dict]) -> None:
        documents = [
            (pk, search_document(p.subject, p.from_name, p.from_addr, anatomies[p.sha256]))
            for p, pk in stored
        ]
        if documents:
            self._search.index(self.conn, documents)

    def quarantine(
        self, raw: bytes, reason: str, origin: str, list_name: str | None, received_at: datetime
    ) -> Outcome:
        """Keep what could not be archived, with why; the same bytes once."""
        digest = hashlib.sha256(raw).hexdigest()
        known = self.conn.execute(
            select(quarantine.c.id).where(quarantine.c.sha256 == digest)
        ).scalar()
        if known is not None:  # seen before: keep the newest reason
            self.conn.execute(
                update(quarantine).where(quarantine.c.id == known).values(reason=reason)
            )
        else:
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


def _message_row(item: Incoming, anatomy: dict, canonical: bool, received_at: datetime) -> dict:
    parsed = item.parsed
    return {
        "message_id": parsed.message_id,
        "sha256": parsed.sha256,
        "canonical": canonical,
        "raw": compress(parsed.raw),
        "raw_size": len(parsed.raw),
        "received_at": received_at,
        "envelope": item.envelope,
        "date": parsed.date,
        "date_source": parsed.date_source.value,
        "from_name": parsed.from_name,
        "from_addr": parsed.from_addr,
        "subject": parsed.subject,
        "in_reply_to": parsed.in_reply_to,
        "refs": " ".join(parsed.references),
        "anatomy": encode_anatomy(anatomy),
    }
