"""The HTML pages: lists, a list's threads and months, a thread (nested or
flat), a message, an author's messages, search. Pages only read; each has
an ETag from a cheap query, answers 304 when the browser's copy is current
and is rendered once per ETag (``caching.respond``). Each reads as the
request's viewer: lists and messages they may not read are not there."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from listkeeper.patches.reader import patch_of
from listkeeper.search.query import QueryError
from listkeeper.search.run import Sort, search
from listkeeper.store import reader
from listkeeper.store.access import Viewer
from listkeeper.store.senders import addresses_of
from listkeeper.store.tombstones import removals
from listkeeper.web.caching import Validators, etag_of, respond
from listkeeper.web.db import Conn
from listkeeper.web.errors import PageNotFound
from listkeeper.web.feeds import SEARCH_FEED_FORMAT, search_feed
from listkeeper.web.gone import last_change, missing, require_list
from listkeeper.web.render import templates
from listkeeper.web.viewer import Viewing

THREADS_PER_PAGE = 50
RESULTS_PER_PAGE = 20
AUTHOR_MESSAGES_PER_PAGE = 50
MONTH_MAX_THREADS = 10_000
MAX_YEAR = 9999

router = APIRouter(default_response_class=HTMLResponse)


def _stamped(
    conn: Connection, viewer: Viewer, list_name: str | None, *parts: object
) -> Validators:
    """Validators of a page that changes only when mail arrives (in the list)."""
    stamp = reader.list_stamp(conn, viewer, list_name)
    return Validators(
        etag_of([list_name, *parts, *stamp.parts]), stamp.changed_at
    )


@router.get("/")
def index(
    request: Request,
    conn: Conn,
    viewer: Viewing,
    q: str | None = None,
    sort: Sort = Sort.RANK,
    page: int = 1,
    threads: bool = False,
) -> Response:
    if q is not None:
        return _search_page(request, conn, viewer, None, q, sort, page, threads)
    return respond(
        request,
        _stamped(conn, viewer, None),
        lambda: templates.TemplateResponse(
            request, "index.html", {"lists": reader.list_summaries(conn, viewer)}
        ),
    )


@router.get("/m/{message_id:path}/")
def message(request: Request, message_id: str, conn: Conn, viewer: Viewing) -> Response:
    view = reader.message_view(conn, viewer, message_id)
    if view is None:
        raise missing(conn, viewer, message_id)
    s = view.summary
    patch = patch_of(conn, viewer, s.message_id)
    shape = [view.sha256, s.parent, s.parent_found_by, view.thread_root, *s.lists]
    shape += [patch.version, patch.state] if patch else []
    return respond(
        request,
        Validators(etag_of(shape), view.received_at),
        lambda: templates.TemplateResponse(request, "message.html", {"view": view, "patch": patch}),
    )


@router.get("/{list_name}/")
def list_page(
    request: Request,
    list_name: str,
    conn: Conn,
    viewer: Viewing,
    page: int = 1,
    q: str | None = None,
    sort: Sort = Sort.RANK,
    x: str | None = None,
    threads: bool = False,
) -> Response:
    require_list(conn, viewer, list_name)
    if q is not None and x == SEARCH_FEED_FORMAT:
        return search_feed(request, conn, viewer, list_name, q)
    if q is not None:
        return _search_page(request, conn, viewer, list_name, q, sort, page, threads)
    page = max(page, 1)

    def render() -> Response:
        threads = reader.latest_threads(
            conn, viewer, list_name, THREADS_PER_PAGE, (page - 1) * THREADS_PER_PAGE
        )
        context = {
            "list_name": list_name,
            "threads": threads,
            "months": reader.list_months(conn, viewer, list_name),
            "page": page,
            "has_more": len(threads) == THREADS_PER_PAGE,
            "title": list_name,
        }
        return templates.TemplateResponse(request, "list.html", context)

    return respond(request, _stamped(conn, viewer, list_name, page), render)


@router.get("/{list_name}/{year:int}/{month:int}/")
def month_page(
    request: Request, list_name: str, year: int, month: int, conn: Conn, viewer: Viewing
) -> Response:
    require_list(conn, viewer, list_name)
    if not (1 <= month <= 12 and 1 <= year < MAX_YEAR):
        raise PageNotFound(f"There is no month {year}-{month:02d}.")
    since = datetime(year, month, 1, tzinfo=timezone.utc)
    until = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.utc)

    def render() -> Response:
        context = {
            "list_name": list_name,
            "threads": reader.latest_threads(
                conn, viewer, list_name, MONTH_MAX_THREADS, 0, since, until
            ),
            "months": reader.list_months(conn, viewer, list_name),
            "page": 1,
            "has_more": False,
            "title": f"{list_name} {year}-{month:02d}",
        }
        return templates.TemplateResponse(request, "list.html", context)

    return respond(request, _stamped(conn, viewer, list_name, year, month), render)


def _author_messages(
    conn: Connection, viewer: Viewer, list_name: str, token: str, page: int
) -> tuple[str, list[reader.FeedEntry]]:
    """The address behind an author page's handle, and that page of its mail
    in the list; a handle without mail there is not found."""
    for addr in addresses_of(conn, token):
        entries = reader.latest_messages(
            conn,
            viewer,
            list_name,
            AUTHOR_MESSAGES_PER_PAGE,
            from_addr=addr,
            offset=(page - 1) * AUTHOR_MESSAGES_PER_PAGE,
        )
        if entries:
            return addr, entries
    raise PageNotFound(f"No author {token} in {list_name}.")


@router.get("/{list_name}/f/{token}/")
def author_page(
    request: Request, list_name: str, token: str, conn: Conn, viewer: Viewing, page: int = 1
) -> Response:
    """An author's messages in a list; the URL names a hash, never the address."""
    require_list(conn, viewer, list_name)
    page = max(page, 1)

    def render() -> Response:
        addr, entries = _author_messages(conn, viewer, list_name, token, page)
        name = next((e.summary.from_name for e in entries if e.summary.from_name), addr)
        context = {
            "list_name": list_name,
            "entries": entries,
            "name": name,
            "addr": addr,
            "page": page,
            "has_more": len(entries) == AUTHOR_MESSAGES_PER_PAGE,
        }
        return templates.TemplateResponse(request, "author.html", context)

    return respond(request, _stamped(conn, viewer, list_name, "author", token, page), render)


@router.get("/{list_name}/t/{message_id:path}/")
def thread_page(
    request: Request,
    list_name: str,
    message_id: str,
    conn: Conn,
    viewer: Viewing,
    flat: bool = False,
) -> Response:
    # The shape shows nothing in a list the viewer cannot read, so the list
    # is only checked (for its own 404) when there is no shape: one query
    # less on every thread page.
    shape = reader.thread_shape(conn, viewer, message_id, list_name)
    if shape is None:
        require_list(conn, viewer, list_name)
        normalized = reader.normalize_requested_id(message_id)
        raise missing(conn, viewer, message_id, f"No thread with <{normalized}> in {list_name}.")
    # Removed messages stand as placeholders with their reason.
    removed = removals(conn, viewer, [mid for mid, _, _, shown in shape.links if not shown])

    def render() -> Response:
        view = reader.thread_view(conn, viewer, message_id, list_name)
        if view is None:  # the thread changed since its shape was read
            raise PageNotFound(f"No thread with <{message_id}> in {list_name}.", message_id)
        shown = view.messages
        if flat:
            shown = sorted(shown, key=lambda e: (e.summary.date, e.message_id))  # type: ignore[union-attr]
        context = {
            "list_name": list_name,
            "view": view,
            "flat": flat,
            "shown": shown if flat else view.entries,
            "bodies": reader.anatomies(conn, viewer, [e.message_id for e in view.messages]),
            "removed": removed,
            "names": {
                e.message_id: e.summary.from_name or e.summary.from_addr
                for e in view.messages
                if e.summary
            },
        }
        return templates.TemplateResponse(request, "thread.html", context)

    validators = Validators(
        etag_of([list_name, flat, shape.last_pk, *shape.links]),
        last_change(shape.last_stored, removed),
    )
    return respond(request, validators, render)


def _search_page(
    request: Request,
    conn: Connection,
    viewer: Viewer,
    list_name: str | None,
    query: str,
    sort: Sort,
    page: int,
    by_thread: bool,
) -> Response:
    """Search results, or the page again with the parser's reason and a 400."""
    page = max(page, 1)
    offset = (page - 1) * RESULTS_PER_PAGE
    context = {
        "list_name": list_name,
        "query": query,
        "sort": sort.value,
        "page": page,
        "offset": offset,
        # Carried by every link of the page (sort, pages) so the choice sticks.
        "kept": {"threads": "1"} if by_thread else {},
    }

    def render() -> Response:
        try:
            results = search(
                conn, viewer, query, list_name, limit=RESULTS_PER_PAGE, offset=offset, sort=sort,
                by_thread=by_thread,
            )
        except QueryError as exc:
            return templates.TemplateResponse(
                request, "search.html", {**context, "error": str(exc)}, status_code=400
            )
        return templates.TemplateResponse(request, "search.html", {**context, "results": results})

    asked = ("search", list_name, query, sort.value, page, by_thread)
    return respond(request, _stamped(conn, viewer, None, *asked), render)
