"""Everything about a message that can be computed before the database is
touched: compressed raw bytes and anatomy, the search document, header links.

The import runs this in its parser processes, so the single writer only
inserts rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from listkeeper.mail.parse import ParsedMessage
from listkeeper.search.document import SearchDocument, search_document
from listkeeper.search.tsvector import Tsvectors, as_tsvectors
from listkeeper.store.codec import Compression, anatomy_of, compress, encode_anatomy
from listkeeper.threader import HeaderLinks, header_links

# A Message-ID longer than this cannot be a database index key (PostgreSQL's
# btree rows stop at 2,704 bytes); it is replaced by a stable digest of itself,
# the same wherever it appears, and the raw bytes keep the original.
# Message-IDs and sender addresses are indexed, and PostgreSQL refuses a
# b-tree entry over 2.7 KB: longer ones (only hostile mail has them) are
# stored as a hash of themselves; the raw bytes keep the original.
MAX_INDEXED_BYTES = 900
LONG_ID_DOMAIN = "long-id.listkeeper.invalid"
LONG_ADDRESS_DOMAIN = "long-address.listkeeper.invalid"


def bounded_id(message_id: str) -> str:
    return _bounded(message_id, LONG_ID_DOMAIN)


def bounded_address(addr: str) -> str:
    return _bounded(addr, LONG_ADDRESS_DOMAIN)


def _bounded(value: str, domain: str) -> str:
    encoded = value.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_INDEXED_BYTES:
        return value
    return f"sha256-{hashlib.sha256(encoded).hexdigest()}@{domain}"


def storable_text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; the raw bytes keep it."""
    return value.replace("\x00", "\ufffd")


@dataclass(frozen=True, slots=True)
class PreparedMessage:
    message_id: str
    sha256: str
    date: datetime
    list_id: str | None  # from List-Id, for the lists table
    list_name: str | None  # from List-Id, when no --list is given
    columns: dict[str, Any]  # the messages row, but canonical/received_at/envelope
    document: SearchDocument | Tsvectors  # Tsvectors when prepared for PostgreSQL
    links: HeaderLinks


def prepare(parsed: ParsedMessage, compression: Compression, tsvectors: bool = False) -> PreparedMessage:
    """The message's row, compressed with the database's dictionaries; with
    ``tsvectors`` (for PostgreSQL), its search fields as tsvector literals
    instead of texts."""
    anatomy = anatomy_of(parsed)
    document = search_document(parsed.subject, parsed.from_name, parsed.from_addr, anatomy)
    message_id = storable_text(bounded_id(parsed.message_id))
    references = [storable_text(bounded_id(ref)) for ref in parsed.references]
    in_reply_to = storable_text(bounded_id(parsed.in_reply_to)) if parsed.in_reply_to else None
    return PreparedMessage(
        message_id=message_id,
        sha256=parsed.sha256,
        date=parsed.date,
        list_id=parsed.list_id,
        list_name=parsed.list_name,
        columns={
            "message_id": message_id,
            "sha256": parsed.sha256,
            "raw": compress(parsed.raw, compression.raw),
            "raw_size": len(parsed.raw),
            "date": parsed.date,
            "date_source": parsed.date_source.value,
            "from_name": storable_text(parsed.from_name),
            "from_addr": storable_text(bounded_address(parsed.from_addr)),
            "subject": storable_text(parsed.subject),
            "in_reply_to": in_reply_to,
            "refs": " ".join(references),
            "anatomy": encode_anatomy(anatomy, compression.anatomy),
        },
        document=as_tsvectors(document) if tsvectors else document,
        links=header_links(message_id, references, in_reply_to),
    )
