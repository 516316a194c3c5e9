"""Users, grants of private lists, API tokens and list privacy: what the
``list``/``user``/``grant``/``token`` commands change and what signing in reads.

Passwords are kept as argon2 hashes (argon2-cffi); a bearer token only as its
sha256, so a leaked database leaks neither.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select, update

from listkeeper.store.access import Viewer
from listkeeper.store.schema import (
    LIST_NAME_LENGTH,
    USER_NAME_LENGTH,
    api_tokens,
    grants,
    list_messages,
    lists,
    users,
)

TOKEN_PREFIX = "lk_"
TOKEN_BYTES = 32


class NotFound(Exception):
    """No such user or list (the message names it)."""


class Invalid(Exception):
    """A name or password that cannot be used, or a user that already exists."""


@dataclass(frozen=True, slots=True)
class ListInfo:
    name: str
    private: bool
    messages: int


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    """Checked when the user is unknown: a wrong name takes as long as a wrong password."""
    return _hasher().hash(secrets.token_hex(16))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _user_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
    if found is None:
        raise NotFound(f"no user {name}")
    return found


def _list_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(lists.c.id).where(lists.c.name == name)).scalar()
    if found is None:
        raise NotFound(f"no list {name}")
    return found


def _check_name(kind: str, name: str, max_length: int) -> None:
    if not name or len(name) > max_length or not name.isprintable() or name != name.strip():
        raise Invalid(f"{kind} name must be 1 to {max_length} printable characters: {name!r}")


def set_list(conn: Connection, name: str, private: bool) -> bool:
    """Create a list, or set an existing one's privacy; True when it was created."""
    _check_name("list", name, LIST_NAME_LENGTH)
    if "/" in name:
        raise Invalid(f"list name must not contain '/': {name!r}")
    found = conn.execute(select(lists.c.id).where(lists.c.name == name)).scalar()
    if found is not None:
        conn.execute(update(lists).where(lists.c.id == found).values(private=private))
        return False
    conn.execute(insert(lists).values(name=name, private=private))
    return True


def list_overview(conn: Connection) -> list[ListInfo]:
    """Every list with its privacy and message count, for the operator."""
    query = (
        select(lists.c.name, lists.c.private, func.count(list_messages.c.message_pk))
        .select_from(lists.outerjoin(list_messages, list_messages.c.list_id == lists.c.id))
        .group_by(lists.c.name, lists.c.private)
        .order_by(lists.c.name)
    )
    return [ListInfo(name, bool(private), count) for name, private, count in conn.execute(query)]


def add_user(conn: Connection, name: str, password: str) -> None:
    _check_name("user", name, USER_NAME_LENGTH)
    if not password:
        raise Invalid("the password is empty")
    if conn.execute(select(users.c.id).where(users.c.name == name)).first() is not None:
        raise Invalid(f"user {name} exists")
    conn.execute(
        insert(users).values(name=name, password_hash=_hasher().hash(password), created_at=_now())
    )


def authenticate(conn: Connection, name: str, password: str) -> int | None:
    """The user's id when the password is theirs, else None (and as slowly)."""
    query = select(users.c.id, users.c.password_hash).where(users.c.name == name)
    row = conn.execute(query).first()
    try:
        _hasher().verify(row.password_hash if row else _decoy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return row.id if row else None


def grant(conn: Connection, user: str, list_name: str) -> None:
    """Let a user read a list (a no-op when already granted)."""
    key = {"user_id": _user_id(conn, user), "list_id": _list_id(conn, list_name)}
    present = conn.execute(
        select(grants).where(grants.c.user_id == key["user_id"], grants.c.list_id == key["list_id"])
    ).first()
    if present is None:
        conn.execute(insert(grants).values(**key))


def revoke(conn: Connection, user: str, list_name: str) -> None:
    user_id, list_id = _user_id(conn, user), _list_id(conn, list_name)
    conn.execute(delete(grants).where(grants.c.user_id == user_id, grants.c.list_id == list_id))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(conn: Connection, user: str, label: str) -> str:
    """A new bearer token for the user: returned once, only its sha256 kept."""
    user_id = _user_id(conn, user)
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    conn.execute(
        insert(api_tokens).values(
            user_id=user_id, token_sha256=_token_digest(token), label=label, created_at=_now()
        )
    )
    return token


def viewer_for_user(conn: Connection, user_id: int) -> Viewer | None:
    """The viewer a signed-in user reads as, or None if the user is gone."""
    name = conn.execute(select(users.c.name).where(users.c.id == user_id)).scalar()
    if name is None:
        return None
    granted = conn.execute(select(grants.c.list_id).where(grants.c.user_id == user_id)).scalars()
    return Viewer(name=name, user_id=user_id, granted=frozenset(granted))


def viewer_for_token(conn: Connection, token: str) -> Viewer | None:
    """The viewer a bearer token stands for, or None for an unknown token."""
    user_id = conn.execute(
        select(api_tokens.c.user_id).where(api_tokens.c.token_sha256 == _token_digest(token))
    ).scalar()
    return viewer_for_user(conn, user_id) if user_id is not None else None
