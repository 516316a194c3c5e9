"""A per-session token in every form that POSTs, checked on arrival: another
site can make a browser send a form here, but cannot read the token to put
in it. SameSite=Lax cookies already stop most of that; this stops the rest."""

from __future__ import annotations

import secrets

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

CSRF_FIELD = "csrf"  # the hidden form field, and the session key it must match
CSRF_BYTES = 32


def csrf_token(request: Request) -> str:
    """The session's token, made when a form first needs it."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(CSRF_BYTES)
        request.session[CSRF_FIELD] = token
    return token


def renew_csrf(request: Request) -> None:
    """A fresh token: after signing in, the one from before is no longer good."""
    request.session[CSRF_FIELD] = secrets.token_urlsafe(CSRF_BYTES)


def check_csrf(request: Request, form: FormData) -> None:
    """403 unless the form carries this session's token."""
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and secrets.compare_digest(sent.encode(), expected.encode())
    ):
        raise HTTPException(
            status_code=403,
            detail="This form is out of date or was not sent from this site; reload and try again.",
        )
