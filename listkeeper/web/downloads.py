"""Original bytes out: a message raw, a thread as gzip'd mboxrd (for
``git am`` and mail clients), an attachment. Never rendered as HTML: text
parts come back as text/plain, everything else as a download."""

from __future__ import annotations

import codecs
import gzip
import io
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from listkeeper.mail.mime import read_message
from listkeeper.mail.parse import leaf_parts
from listkeeper.sources.mbox import write_mboxrd
from listkeeper.sources.raw import RawMail
from listkeeper.store import reader
from listkeeper.store.access import Viewer
from listkeeper.web.caching import RAW_MAX_AGE_SECONDS, Validators, etag_of, respond
from listkeeper.web.db import Conn
from listkeeper.web.errors import PageNotFound
from listkeeper.web.viewer import Viewing
from listkeeper.store.tombstones import removals
from listkeeper.web.gone import last_change, missing

# Shown in the browser as plain text; every other type is only ever downloaded.
INLINE_TEXT_TYPES = frozenset({"text/plain", "text/x-patch", "text/x-diff"})
DOWNLOAD_MEDIA_TYPE = "application/octet-stream"
MBOX_MEDIA_TYPE = "application/gzip"
GZIP_LEVEL = 6
GZIP_MTIME = 0  # the same thread gives the same bytes, so its ETag holds

router = APIRouter()


def _stored(conn: Conn, viewer: Viewer, message_id: str) -> reader.StoredMail:
    found = reader.stored_mails(conn, viewer, [reader.normalize_requested_id(message_id)])
    if not found:
        raise missing(conn, viewer, message_id)
    return next(iter(found.values()))


@router.get("/m/{message_id:path}/raw")
def raw(request: Request, message_id: str, conn: Conn, viewer: Viewing) -> Response:
    mail = _stored(conn, viewer, message_id)
    validators = Validators(
        etag_of([mail.sha256]), mail.received_at, RAW_MAX_AGE_SECONDS
    ).personal(request)
    if (unchanged := validators.not_modified(request)) is not None:
        return unchanged
    return validators.apply(Response(mail.raw, media_type="text/plain; charset=utf-8"))


@router.get("/m/{message_id:path}/a/{part_index:int}/{filename}")
def attachment(
    request: Request, message_id: str, part_index: int, filename: str, conn: Conn, viewer: Viewing
) -> Response:
    """One listed attachment, decoded; the file name in the URL is for people."""
    view = reader.message_view(conn, viewer, message_id)
    if view is None:
        raise missing(conn, viewer, message_id)
    listed = {a["part_index"]: a for a in view.anatomy["attachments"]}
    if part_index not in listed:
        raise PageNotFound(
            f"<{view.summary.message_id}> has no attachment {part_index}.", message_id
        )
    mail = _stored(conn, viewer, view.summary.message_id)
    validators = Validators(
        etag_of([mail.sha256, part_index]), mail.received_at, RAW_MAX_AGE_SECONDS
    ).personal(request)
    if (unchanged := validators.not_modified(request)) is not None:
        return unchanged
    part = leaf_parts(read_message(mail.raw.removeprefix(codecs.BOM_UTF8)).tree)[part_index]
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    name = listed[part_index]["filename"] or f"part{part_index}"
    if part.get_content_type() in INLINE_TEXT_TYPES:
        charset = part.get_content_charset() or "utf-8"
        response = Response(data, media_type=f"text/plain; charset={_token(charset)}")
        response.headers["Content-Disposition"] = content_disposition("inline", name)
    else:
        response = Response(data, media_type=DOWNLOAD_MEDIA_TYPE)
        response.headers["Content-Disposition"] = content_disposition("attachment", name)
    return validators.apply(response)


@router.get("/t/{message_id:path}.mbox.gz")
def thread_mbox(request: Request, message_id: str, conn: Conn, viewer: Viewing) -> Response:
    """The whole thread, in reply order, each message's original bytes."""
    view = reader.thread_view(conn, viewer, message_id)
    if view is None:
        raise missing(conn, viewer, message_id)
    ordered = [entry.message_id for entry in view.messages]

    def render() -> Response:
        stored = reader.stored_mails(conn, viewer, ordered)
        buffer = io.BytesIO()
        with gzip.GzipFile(
            fileobj=buffer, mode="wb", compresslevel=GZIP_LEVEL, mtime=GZIP_MTIME
        ) as out:
            write_mboxrd(
                (RawMail(stored[m].raw, stored[m].envelope, m) for m in ordered if m in stored), out
            )
        response = Response(buffer.getvalue(), media_type=MBOX_MEDIA_TYPE)
        response.headers["Content-Disposition"] = content_disposition(
            "attachment", "thread.mbox.gz"
        )
        return response

    removed = removals(conn, viewer, [e.message_id for e in view.entries if e.summary is None])
    changed = last_change(view.last_stored, removed)
    return respond(request, Validators(etag_of(["mbox", *ordered]), changed), render)


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the exact one, percent-encoded."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\/' else "_" for c in filename
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _token(charset: str) -> str:
    """A charset parameter as a bare token (mail can declare anything)."""
    cleaned = "".join(c for c in charset if c.isalnum() or c in "-_.:")
    return cleaned or "utf-8"
