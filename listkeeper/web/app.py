"""The web archive: server-rendered pages (no JavaScript needed).

URLs follow DESIGN.md and never change once published. Pages only read:
everything they show was derived at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection, Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from listkeeper.search.query import QueryError
from listkeeper.search.run import Sort, search
from listkeeper.store import reader
from listkeeper.web import links
from listkeeper.web.blocks_html import shown_blocks
from listkeeper.web.highlight import highlight

HERE = Path(__file__).parent
THREADS_PER_PAGE = 50
RESULTS_PER_PAGE = 20
MAX_YEAR = 9999

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    message_url=links.message_url,
    raw_url=links.raw_url,
    thread_url=links.thread_url,
    anchor=links.anchor,
    shown_blocks=shown_blocks,
    highlight=highlight,
)


class PageNotFound(StarletteHTTPException):
    """A 404 that knows what was asked for, so the page can offer a search."""

    def __init__(self, what: str, query: str = "") -> None:
        super().__init__(status_code=404, detail=what)
        self.query = query


def _connection(request: Request) -> Iterator[Connection]:
    """One read connection per request, returned to the pool afterwards."""
    with request.app.state.engine.connect() as conn:
        yield conn


Conn = Annotated[Connection, Depends(_connection)]


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="listkeeper", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.engine = engine
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        query = getattr(exc, "query", "")
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "reason": exc.detail, "query": query},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return templates.TemplateResponse(
            request, "error.html", {"status": 400, "reason": reasons, "query": ""}, status_code=400
        )

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, conn: Conn, q: str | None = None, sort: Sort = Sort.RANK, page: int = 1) -> Response:
        if q is not None:
            return _search_page(request, conn, None, q, sort, page)
        return templates.TemplateResponse(
            request, "index.html", {"lists": reader.list_summaries(conn), "list_name": None}
        )

    @app.get("/m/{message_id:path}/raw")
    def raw(message_id: str, conn: Conn) -> Response:
        data = reader.raw_message(conn, message_id)
        if data is None:
            raise PageNotFound(f"No message <{message_id}> is archived here.", message_id)
        return Response(data, media_type="text/plain; charset=utf-8")

    @app.get("/m/{message_id:path}/", response_class=HTMLResponse)
    def message(request: Request, message_id: str, conn: Conn) -> Response:
        view = reader.message_view(conn, message_id)
        if view is None:
            raise PageNotFound(f"No message <{message_id}> is archived here.", message_id)
        return templates.TemplateResponse(request, "message.html", {"view": view})

    @app.get("/{list_name}/", response_class=HTMLResponse)
    def list_page(
        request: Request, list_name: str, conn: Conn, page: int = 1,
        q: str | None = None, sort: Sort = Sort.RANK,
    ) -> Response:
        _require_list(conn, list_name)
        if q is not None:
            return _search_page(request, conn, list_name, q, sort, page)
        page = max(page, 1)
        threads = reader.latest_threads(
            conn, list_name, THREADS_PER_PAGE, (page - 1) * THREADS_PER_PAGE
        )
        context = {
            "list_name": list_name,
            "threads": threads,
            "months": reader.list_months(conn, list_name),
            "page": page,
            "has_more": len(threads) == THREADS_PER_PAGE,
            "title": list_name,
        }
        return templates.TemplateResponse(request, "list.html", context)

    @app.get("/{list_name}/{year:int}/{month:int}/", response_class=HTMLResponse)
    def month_page(request: Request, list_name: str, year: int, month: int, conn: Conn) -> Response:
        _require_list(conn, list_name)
        if not (1 <= month <= 12 and 1 <= year < MAX_YEAR):
            raise PageNotFound(f"There is no month {year}-{month:02d}.")
        since = datetime(year, month, 1, tzinfo=timezone.utc)
        until = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.utc)
        threads = reader.latest_threads(conn, list_name, 10_000, 0, since, until)
        context = {
            "list_name": list_name,
            "threads": threads,
            "months": reader.list_months(conn, list_name),
            "page": 1,
            "has_more": False,
            "title": f"{list_name} {year}-{month:02d}",
        }
        return templates.TemplateResponse(request, "list.html", context)

    @app.get("/{list_name}/t/{message_id:path}/", response_class=HTMLResponse)
    def thread_page(request: Request, list_name: str, message_id: str, conn: Conn) -> Response:
        _require_list(conn, list_name)
        view = reader.thread_view(conn, message_id, list_name)
        if view is None:
            raise PageNotFound(f"No thread with <{message_id}> in {list_name}.", message_id)
        bodies = reader.anatomies(conn, [entry.message_id for entry in view.messages])
        names = {e.message_id: e.summary.from_name or e.summary.from_addr for e in view.messages if e.summary}
        context = {"list_name": list_name, "view": view, "bodies": bodies, "names": names}
        return templates.TemplateResponse(request, "thread.html", context)

    return app


def _search_page(
    request: Request, conn: Connection, list_name: str | None, query: str, sort: Sort, page: int
) -> Response:
    """Search results, or the page again with the parser's reason and a 400."""
    page = max(page, 1)
    offset = (page - 1) * RESULTS_PER_PAGE
    context = {"list_name": list_name, "query": query, "sort": sort.value, "page": page, "offset": offset}
    try:
        results = search(conn, query, list_name, limit=RESULTS_PER_PAGE, offset=offset, sort=sort)
    except QueryError as exc:
        return templates.TemplateResponse(
            request, "search.html", {**context, "error": str(exc)}, status_code=400
        )
    return templates.TemplateResponse(request, "search.html", {**context, "results": results})


def _require_list(conn: Connection, list_name: str) -> None:
    if not reader.list_exists(conn, list_name):
        raise PageNotFound(f"There is no list named {list_name!r} here.")


def format_date(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["date"] = format_date


