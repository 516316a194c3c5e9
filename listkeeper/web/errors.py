"""Errors at the web boundary: one JSON envelope for the API, one page for
people. Every API error body is built by ``error_body`` (a test pins it)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from listkeeper.web.render import templates

API_PREFIX = "/api/"
HTML_VALIDATION_STATUS = 400  # a person's mistyped parameter is a bad request
API_VALIDATION_STATUS = 422  # FastAPI's documented status for the API


class PageNotFound(HTTPException):
    """A 404 that knows what was asked for, so the page can offer a search."""

    def __init__(self, what: str, message_id: str = "") -> None:
        super().__init__(status_code=404, detail=what)
        self.message_id = message_id


def error_body(status: int, reason: str) -> dict[str, Any]:
    """The one shape of every API error."""
    return {"error": {"status": status, "reason": reason}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _error(request: Request, status: int, reason: str, message_id: str = "") -> Response:
    if _is_api(request):
        return JSONResponse(error_body(status, reason), status_code=status)
    context = {"status": status, "reason": reason, "message_id": message_id, "query": ""}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def install(app: FastAPI) -> None:
    """Route every HTTP and validation error through ``_error``."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), getattr(exc, "message_id", ""))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        status = API_VALIDATION_STATUS if _is_api(request) else HTML_VALIDATION_STATUS
        return _error(request, status, reasons)
