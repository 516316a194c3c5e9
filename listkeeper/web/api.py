"""The JSON API under /api/: the same data as the pages and the CLI's
``--json``, in the shapes of ``listkeeper.shapes``, addresses obfuscated.
Errors use the one envelope of ``errors.error_body``. A program reads as
the user of its ``Authorization: Bearer`` token, else as anonymous."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.exceptions import HTTPException

from listkeeper import shapes
from listkeeper.search.query import QueryError
from listkeeper.search.run import MAX_LIMIT, Sort, search
from listkeeper.store import reader
from listkeeper.web.api_models import (
    ErrorOut,
    ListsOut,
    MessageOut,
    SearchOut,
    ThreadOut,
    ThreadPageOut,
)
from listkeeper.web.db import Conn
from listkeeper.web.gone import GONE_STATUS, missing, require_list
from listkeeper.web.obfuscate import obfuscate_json
from listkeeper.web.viewer import Viewing

THREADS_PER_PAGE = 50
RESULTS_PER_PAGE = 20
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": what}
    for status, what in (
        (400, "Bad query"),
        (401, "Unknown or revoked bearer token"),
        (404, "Not archived here, or not readable with this token"),
        (GONE_STATUS, "Removed"),
        (422, "Invalid parameter"),
    )
}

router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)


def _date(value: Any) -> str | None:
    return shapes.iso_utc(value) if value is not None else None


@router.get(
    "/lists", response_model=ListsOut, summary="Every list, with message counts and date span"
)
def api_lists(conn: Conn, viewer: Viewing) -> dict[str, Any]:
    lists = [
        {"name": s.name, "messages": s.messages, "first": _date(s.first), "last": _date(s.last)}
        for s in reader.list_summaries(conn, viewer)
    ]
    return {"lists": lists}


@router.get(
    "/lists/{list_name}/threads",
    response_model=ThreadPageOut,
    summary="A list's threads by latest activity",
)
def api_threads(
    list_name: str, conn: Conn, viewer: Viewing, page: int = Query(1, ge=1)
) -> dict[str, Any]:
    require_list(conn, viewer, list_name)
    threads = reader.latest_threads(
        conn, viewer, list_name, THREADS_PER_PAGE, (page - 1) * THREADS_PER_PAGE
    )
    items = [
        {
            "root": t.root,
            "subject": t.subject,
            "from_name": t.from_name,
            "started": _date(t.started),
            "last": _date(t.last),
            "messages": t.messages,
            "participants": t.participants,
        }
        for t in threads
    ]
    body = {
        "list": list_name,
        "page": page,
        "per_page": THREADS_PER_PAGE,
        "has_more": len(threads) == THREADS_PER_PAGE,
        "threads": items,
    }
    return obfuscate_json(body)


@router.get(
    "/threads/{message_id:path}",
    response_model=ThreadOut,
    summary="The thread holding a message, in reply order",
)
def api_thread(
    message_id: str, conn: Conn, viewer: Viewing, list: str | None = None
) -> dict[str, Any]:
    view = reader.thread_view(conn, viewer, message_id, list)
    if view is None:
        raise missing(conn, viewer, message_id)
    return obfuscate_json(shapes.thread_json(view))


@router.get(
    "/messages/{message_id:path}",
    response_model=MessageOut,
    summary="One message, its body cut into blocks",
)
def api_message(message_id: str, conn: Conn, viewer: Viewing) -> dict[str, Any]:
    view = reader.message_view(conn, viewer, message_id)
    if view is None:
        raise missing(conn, viewer, message_id)
    return obfuscate_json(shapes.message_json(view))


@router.get(
    "/search", response_model=SearchOut, summary="Search with the query language of the search page"
)
def api_search(
    conn: Conn,
    viewer: Viewing,
    q: str = Query(description='e.g. s:compat f:keir "page table" d:2006-11-01..'),
    list: str | None = None,
    sort: Sort = Sort.RANK,
    page: int = Query(1, ge=1),
    per_page: int = Query(RESULTS_PER_PAGE, ge=1, le=MAX_LIMIT),
    threads: bool = Query(False, description="one result per thread, with its count of matches"),
) -> dict[str, Any]:
    try:
        results = search(
            conn, viewer, q, list, limit=per_page, offset=(page - 1) * per_page, sort=sort,
            by_thread=threads,
        )
    except QueryError as exc:
        raise HTTPException(status_code=400, detail=f"Bad query: {exc}") from exc
    return obfuscate_json(shapes.search_json(results))
