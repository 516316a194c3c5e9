"""Atom feeds (RFC 4287): a list's new messages, a thread, a search.

Built with ElementTree so the XML is well-formed whatever the mail holds.
Entry ids are ``mid:`` URIs (RFC 2392): stable across hosts and rebuilds.
Names and text are obfuscated like the pages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.exceptions import HTTPException

from listkeeper.search.query import QueryError
from listkeeper.search.run import Sort, search
from listkeeper.shapes import iso_utc
from listkeeper.store import reader
from listkeeper.store.access import Viewer
from listkeeper.store.tombstones import removals
from listkeeper.web import links
from listkeeper.web.caching import Validators, etag_of, respond
from listkeeper.web.db import Conn
from listkeeper.web.gone import last_change, missing, require_list
from listkeeper.web.obfuscate import obfuscate
from listkeeper.web.viewer import Viewing

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
FEED_ENTRIES = 50
SEARCH_FEED_FORMAT = "A"  # ?q=…&x=A, as public-inbox spells it
MAX_CONTENT_CHARS = 20_000  # a feed reader wants the gist; the page has the rest
_MID_SAFE = "@!$&'()*+,;=:~-._"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

router = APIRouter()


@dataclass(frozen=True, slots=True)
class Entry:
    message_id: str
    title: str
    author: str
    updated: datetime
    href: str
    text: str


def mid_uri(message_id: str) -> str:
    return "mid:" + quote(message_id, safe=_MID_SAFE)


def body_text(anatomy: dict) -> str:
    text = "".join(block["text"] for block in anatomy["blocks"])
    return text if len(text) <= MAX_CONTENT_CHARS else text[:MAX_CONTENT_CHARS] + "\n[…]"


def atom_xml(
    feed_id: str, title: str, self_href: str, alternate: str, entries: Iterable[Entry]
) -> bytes:
    """A complete Atom document; ``updated`` is the newest entry's."""
    entries = list(entries)
    feed = ET.Element("feed", xmlns=ATOM_NS)
    ET.SubElement(feed, "id").text = feed_id
    ET.SubElement(feed, "title").text = obfuscate(title)
    ET.SubElement(feed, "updated").text = iso_utc(max((e.updated for e in entries), default=EPOCH))
    ET.SubElement(feed, "link", rel="self", href=self_href, type=ATOM_MEDIA_TYPE)
    ET.SubElement(feed, "link", rel="alternate", href=alternate, type="text/html")
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = "listkeeper"
    for item in entries:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = mid_uri(item.message_id)
        ET.SubElement(entry, "title").text = obfuscate(item.title or "(no subject)")
        ET.SubElement(entry, "updated").text = iso_utc(item.updated)
        ET.SubElement(ET.SubElement(entry, "author"), "name").text = obfuscate(item.author)
        ET.SubElement(entry, "link", rel="alternate", href=item.href, type="text/html")
        ET.SubElement(entry, "content", type="text").text = obfuscate(_xml_safe(item.text))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _xml_safe(text: str) -> str:
    """XML 1.0 forbids most control characters; mail has them."""
    return "".join(c if c in "\t\n\r" or c >= " " else "\ufffd" for c in text)


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def _feed(body: bytes) -> Response:
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/{list_name}/new.atom")
def list_feed(request: Request, list_name: str, conn: Conn, viewer: Viewing) -> Response:
    require_list(conn, viewer, list_name)
    stamp = reader.list_stamp(conn, viewer, list_name)
    validators = Validators(
        etag_of(["atom", list_name, *stamp.parts]), stamp.changed_at
    )

    def render() -> Response:
        entries = [
            Entry(
                e.summary.message_id,
                e.summary.subject,
                e.summary.from_name or e.summary.from_addr,
                e.summary.date,
                _absolute(request, links.thread_url(list_name, e.summary.message_id))
                + "#"
                + links.anchor(e.summary.message_id),
                body_text(e.anatomy),
            )
            for e in reader.latest_messages(conn, viewer, list_name, FEED_ENTRIES)
        ]
        self_href = _absolute(request, links.list_atom_url(list_name))
        alternate = _absolute(request, links.list_url(list_name))
        return _feed(
            atom_xml(self_href, f"{list_name}: new messages", self_href, alternate, entries)
        )

    return respond(request, validators, render)


@router.get("/{list_name}/t/{message_id:path}/atom")
def thread_feed(
    request: Request, list_name: str, message_id: str, conn: Conn, viewer: Viewing
) -> Response:
    view = reader.thread_view(conn, viewer, message_id, list_name)
    if view is None:
        normalized = reader.normalize_requested_id(message_id)
        raise missing(conn, viewer, message_id, f"No thread with <{normalized}> in {list_name}.")
    shape = [(e.message_id, e.parent) for e in view.messages]

    def render() -> Response:
        bodies = reader.anatomies(conn, viewer, [e.message_id for e in view.messages])
        page = _absolute(request, links.thread_url(list_name, view.url_id))
        newest_first = sorted(view.messages, key=lambda e: e.summary.date, reverse=True)  # type: ignore[union-attr]
        entries = []
        for e in newest_first[:FEED_ENTRIES]:
            s = e.summary
            assert s is not None
            href = page + "#" + links.anchor(e.message_id)
            entries.append(
                Entry(
                    e.message_id,
                    s.subject,
                    s.from_name or s.from_addr,
                    s.date,
                    href,
                    body_text(bodies[e.message_id]),
                )
            )
        self_href = _absolute(request, links.thread_atom_url(list_name, view.url_id))
        return _feed(atom_xml(self_href, view.subject, self_href, page, entries))

    removed = removals(conn, viewer, [e.message_id for e in view.entries if e.summary is None])
    changed = last_change(view.last_stored, removed)
    return respond(request, Validators(etag_of(["atom", list_name, *shape]), changed), render)


def search_feed(
    request: Request, conn: Connection, viewer: Viewer, list_name: str, query: str
) -> Response:
    """Newest matches of a search as Atom; a bad query is a 400 with the reason."""
    stamp = reader.list_stamp(conn, viewer, None)
    validators = Validators(
        etag_of(["atom-search", list_name, query, *stamp.parts]),
        stamp.changed_at,
    )

    def render() -> Response:
        try:
            results = search(conn, viewer, query, list_name, limit=FEED_ENTRIES, sort=Sort.DATE)
        except QueryError as exc:
            raise HTTPException(status_code=400, detail=f"Bad query: {exc}") from exc
        entries = [
            Entry(
                hit.message_id,
                hit.subject,
                hit.from_name or hit.from_addr,
                hit.date,
                _absolute(request, links.message_url(hit.message_id)),
                hit.snippet,
            )
            for hit in results.hits
        ]
        self_href = _absolute(request, links.search_url(list_name, query, x=SEARCH_FEED_FORMAT))
        alternate = _absolute(request, links.search_url(list_name, query, sort=Sort.DATE.value))
        return _feed(atom_xml(self_href, f"{list_name}: {query}", self_href, alternate, entries))

    return respond(request, validators, render)
