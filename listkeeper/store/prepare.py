"""Everything about a message that can be computed before the database is
touched: compressed raw bytes and anatomy, the search document, header links.

The import runs this in its parser processes, so the single writer only
inserts rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from listkeeper.mail.parse import ParsedMessage
from listkeeper.search.document import SearchDocument, search_document
from listkeeper.store.codec import anatomy_of, compress, encode_anatomy
from listkeeper.threader import HeaderLinks, header_links


@dataclass(frozen=True, slots=True)
class PreparedMessage:
    message_id: str
    sha256: str
    date: datetime
    list_id: str | None  # from List-Id, for the lists table
    list_name: str | None  # from List-Id, when no --list is given
    columns: dict[str, Any]  # the messages row, but canonical/received_at/envelope
    document: SearchDocument
    links: HeaderLinks


def prepare(parsed: ParsedMessage) -> PreparedMessage:
    anatomy = anatomy_of(parsed)
    return PreparedMessage(
        message_id=parsed.message_id,
        sha256=parsed.sha256,
        date=parsed.date,
        list_id=parsed.list_id,
        list_name=parsed.list_name,
        columns={
            "message_id": parsed.message_id,
            "sha256": parsed.sha256,
            "raw": compress(parsed.raw),
            "raw_size": len(parsed.raw),
            "date": parsed.date,
            "date_source": parsed.date_source.value,
            "from_name": parsed.from_name,
            "from_addr": parsed.from_addr,
            "subject": parsed.subject,
            "in_reply_to": parsed.in_reply_to,
            "refs": " ".join(parsed.references),
            "anatomy": encode_anatomy(anatomy),
        },
        document=search_document(parsed.subject, parsed.from_name, parsed.from_addr, anatomy),
        links=header_links(parsed.message_id, parsed.references, parsed.in_reply_to),
    )
