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

from sqlalchemy import Connection, Integer, bindparam, delete, insert, select, tuple_, update

from listkeeper.search.backend import backend_for
from listkeeper.store.access import OPERATOR
from listkeeper.store.codec import compress
from listkeeper.store.linker import IN_CHUNK, ThreadLinker
from listkeeper.store.prepare import PreparedMessage, storable_text
from listkeeper.store.quarantine import unparsed_message_id
from listkeeper.store.revisions import bump_revisions
from listkeeper.store.schema import (
    LIST_NAME_LENGTH,
    list_messages,
    lists,
    messages,
    quarantine,
    timeline_date,
)
from listkeeper.store.senders import remember_senders
from listkeeper.store.tombstones import removals

# A membership, dated from the stored row: a copy known from an earlier
# import is dated like the new ones, and a non-canonical copy stays off
# the list's timeline (schema.list_messages).
_JOIN_LIST = insert(list_messages).from_select(
    ["list_id", "message_pk", "date"],
    select(bindparam("list_id", type_=Integer), messages.c.id, timeline_date()).where(
        messages.c.id == bindparam("message_pk")
    ),
)


class Outcome(StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    REMOVED = "removed"  # taken down (a tombstone): neither stored nor quarantined


@dataclass(frozen=True, slots=True)
class Incoming:
    """A prepared message on its way into a list."""

    message: PreparedMessage
    list_name: str
    envelope: str | None


def storable_list_name(name: str) -> str:
    """A list name as the lists table can hold it (a hostile List-Id may be huge)."""
    return storable_text(name[:LIST_NAME_LENGTH])


class ArchiveWriter:
    """Writes through one connection; callers own the transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._list_ids: dict[str, int] = {}
        self._search = backend_for(conn)

    def list_pk(self, name: str, list_id: str | None = None) -> int:
        """The id of a list, created on first use (names cut to the column's size)."""
        name = storable_list_name(name)
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
        removed = removals(self.conn, OPERATOR, [item.message.message_id for item in batch])
        kept = [item for item in batch if item.message.message_id not in removed]
        stored = iter(self._store_kept(kept, received_at))
        return [
            Outcome.REMOVED if item.message.message_id in removed else next(stored)
            for item in batch
        ]

    def _store_kept(self, batch: list[Incoming], received_at: datetime) -> list[Outcome]:
        known = self._known_ids([item.message.sha256 for item in batch])
        canonical_taken = self._canonical_ids([item.message.message_id for item in batch])
        new_rows: list[dict] = []
        fresh: list[PreparedMessage] = []
        outcomes: list[Outcome] = []
        seen: set[str] = set()
        for item in batch:
            message = item.message
            if message.sha256 in known or message.sha256 in seen:
                outcomes.append(Outcome.DUPLICATE)
                continue
            seen.add(message.sha256)
            canonical = message.message_id not in canonical_taken
            canonical_taken.add(message.message_id)
            new_rows.append(
                {
                    **message.columns,
                    "canonical": canonical,
                    "received_at": received_at,
                    "envelope": storable_text(item.envelope) if item.envelope else None,
                }
            )
            if canonical:
                fresh.append(message)
            outcomes.append(Outcome.IMPORTED)
        inserted: dict[str, int] = {}
        if new_rows:
            returned = self.conn.execute(
                insert(messages).returning(messages.c.id, messages.c.sha256), new_rows
            )
            inserted = {row.sha256: row.id for row in returned}
            self._forget_quarantined([row["sha256"] for row in new_rows])
            remember_senders(self.conn, (row["from_addr"] for row in new_rows))
        known.update(inserted)
        self._add_memberships(batch, known, set(inserted.values()), received_at)
        if fresh:
            self._search.index(self.conn, [(known[m.sha256], m.document) for m in fresh])
            ThreadLinker(self.conn).link_all([(m.message_id, m.links) for m in fresh])
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

    def _add_memberships(
        self, batch: list[Incoming], ids: dict[str, int], inserted: set[int], received_at: datetime
    ) -> None:
        """Put each message on its list, unless it is there already: only a
        message stored before this batch (not in ``inserted``) can be."""
        wanted = {
            (self.list_pk(item.list_name, item.message.list_id), ids[item.message.sha256])
            for item in batch
        }
        pairs = sorted(wanted)
        stored_before = [pair for pair in pairs if pair[1] not in inserted]
        present: set[tuple[int, int]] = set()
        for start in range(0, len(stored_before), IN_CHUNK):
            key = tuple_(list_messages.c.list_id, list_messages.c.message_pk)
            query = select(list_messages.c.list_id, list_messages.c.message_pk).where(
                key.in_(stored_before[start : start + IN_CHUNK])
            )
            present.update((row.list_id, row.message_pk) for row in self.conn.execute(query))
        missing = [
            {"list_id": list_pk, "message_pk": message_pk}
            for list_pk, message_pk in pairs
            if (list_pk, message_pk) not in present
        ]
        if missing:
            self.conn.execute(_JOIN_LIST, missing)
            bump_revisions(self.conn, (row["list_id"] for row in missing), received_at)

    def quarantine(
        self, raw: bytes, reason: str, origin: str, list_name: str | None, received_at: datetime
    ) -> Outcome:
        """Keep what could not be archived, with why; the same bytes once.

        A removed message stays out here too: its takedown covers every copy."""
        message_id = unparsed_message_id(raw)
        if message_id is not None and removals(self.conn, OPERATOR, [message_id]):
            return Outcome.REMOVED
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
                    list_name=storable_list_name(list_name) if list_name else None,
                    origin=origin,
                    reason=reason,
                    sha256=digest,
                    raw=compress(raw),
                    received_at=received_at,
                )
            )
        return Outcome.QUARANTINED
