"""Signing in and out: a form page, the POST that checks the password, and
the POST that ends the session. Both POSTs need the session's CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from listkeeper.store import accounts
from listkeeper.web.csrf import check_csrf, csrf_token, renew_csrf
from listkeeper.web.render import templates
from listkeeper.web.viewer import SESSION_USER

LOGIN_FAILED_STATUS = 400
MAX_FIELD_CHARS = 4096

router = APIRouter(default_response_class=HTMLResponse)


def local_path(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another host
    (and not back to the login form)."""
    path = (target or "").split("?", 1)[0]
    if path.startswith("/") and not path.startswith(("//", "/\\")) and path != "/login":
        return target or "/"
    return "/"


def _form_page(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    context = {"csrf": csrf_token(request), "next": next_path, "error": error}
    return templates.TemplateResponse(request, "login.html", context, status_code=status)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _form_page(request, local_path(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    name, password, target = (str(form.get(f) or "") for f in ("name", "password", "next"))
    next_path = local_path(target)
    user_id = None
    if len(name) <= MAX_FIELD_CHARS and len(password) <= MAX_FIELD_CHARS:
        user_id = await run_in_threadpool(_authenticate, request, name, password)
    if user_id is None:
        return _form_page(
            request, next_path, "Unknown user or wrong password.", LOGIN_FAILED_STATUS
        )
    request.session.clear()
    request.session[SESSION_USER] = user_id
    renew_csrf(request)
    return RedirectResponse(next_path, status_code=303)


def _authenticate(request: Request, name: str, password: str) -> int | None:
    with request.app.state.engine.connect() as conn:
        return accounts.authenticate(conn, name, password)


@router.post("/logout")
async def logout(request: Request) -> Response:
    check_csrf(request, await request.form())
    request.session.clear()
    return RedirectResponse("/", status_code=303)
