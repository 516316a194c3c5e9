"""Nothing to show: a list the viewer cannot read is a 404; a Message-ID is a
404, or 410 Gone with the takedown's reason when the message was removed, on
pages, downloads, feeds and the API alike (the API puts the reason in its
error envelope)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection
from starlette.exceptions import HTTPException

from listkeeper.store import reader
from listkeeper.store.access import Viewer
from listkeeper.store.tombstones import Removal, removal
from listkeeper.web.errors import PageNotFound

GONE_STATUS = 410


class MessageGone(HTTPException):
    """A removed message: permanent, unlike a 404 for mail not archived (yet)."""

    def __init__(self, what: str, message_id: str) -> None:
        super().__init__(status_code=GONE_STATUS, detail=what)
        self.message_id = message_id


def require_list(conn: Connection, viewer: Viewer, list_name: str) -> None:
    """404 unless the viewer may read this list: a private one is as unknown as a missing one."""
    if not reader.list_exists(conn, viewer, list_name):
        raise PageNotFound(f"There is no list named {list_name!r} here.")


def missing(
    conn: Connection, viewer: Viewer, message_id: str, not_found: str | None = None
) -> HTTPException:
    """The error to raise when nothing the viewer may read is archived under this Message-ID."""
    normalized = reader.normalize_requested_id(message_id)
    gone = removal(conn, viewer, normalized)
    if gone is not None:
        return MessageGone(f"removed: {gone.reason}", message_id)
    return PageNotFound(not_found or f"No message <{normalized}> is archived here.", message_id)


def last_change(stored: datetime | None, removed: dict[str, Removal]) -> datetime | None:
    """A thread's Last-Modified: its newest arrival, or a later removal from it
    (the removal may take the newest message, and dates must not go back)."""
    dates = [r.removed_at for r in removed.values()]
    return max([stored, *dates] if stored else dates, default=None)
