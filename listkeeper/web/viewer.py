"""Who is asking: the viewer of every request, resolved once, before routing.

A browser signs in through its session cookie (signed with a key kept in the
database or given as LISTKEEPER_SECRET, so every worker and restart agree;
HttpOnly, SameSite=Lax, Secure under LISTKEEPER_HTTPS=1); a program
sends ``Authorization: Bearer <token>``; everyone else reads as anonymous.
The viewer goes into the request's state, so pages, feeds, downloads, the
API and error pages all read as the same one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from listkeeper import config
from listkeeper.store import accounts
from listkeeper.store.access import ANONYMOUS, Viewer
from listkeeper.store.site_secrets import site_secret
from listkeeper.web.errors import error_body

SESSION_COOKIE = "listkeeper_session"
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
SESSION_USER = "user"  # the signed-in user's id, in the session
BEARER = "bearer"


def install(app: FastAPI, engine: Engine) -> None:
    """Sessions outside, the viewer inside: the viewer reads the session."""
    app.add_middleware(ViewerMiddleware, engine=engine)
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.SECRET.value() or site_secret(engine, "session"),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=config.HTTPS.is_on(),
    )


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == BEARER and token.strip():
                return token.strip()
    return None


class ViewerMiddleware:
    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _bearer_token(scope)
        session: dict[str, Any] = scope.get("session", {})
        user_id = session.get(SESSION_USER)
        viewer: Viewer | None = ANONYMOUS
        if token is not None or user_id is not None:
            viewer = await run_in_threadpool(self._resolve, token, user_id)
        if viewer is None:
            reason = "Unknown or revoked API token."
            response = JSONResponse(
                error_body(401, reason), status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        if user_id is not None and not viewer.signed_in:
            session.clear()  # the user was removed since signing in
        scope.setdefault("state", {})["viewer"] = viewer
        await self.app(scope, receive, send)

    def _resolve(self, token: str | None, user_id: int | None) -> Viewer | None:
        """The token's user (None for a bad token), else the session's (or anonymous)."""
        with self.engine.connect() as conn:
            if token is not None:
                return accounts.viewer_for_token(conn, token)
            assert user_id is not None
            return accounts.viewer_for_user(conn, user_id) or ANONYMOUS


async def current_viewer(request: Request) -> Viewer:
    """Async so FastAPI reads it on the event loop, not in a worker thread of its own."""
    return request.state.viewer


Viewing = Annotated[Viewer, Depends(current_viewer)]
