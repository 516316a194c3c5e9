"""Secrets the web servers share, kept in the database: every forked worker
and every restart reads the same one, so a session cookie signed by one
worker is valid on all of them and survives a restart."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from listkeeper.store.schema import site_secrets

SECRET_BYTES = 48


def site_secret(engine: Engine, name: str) -> str:
    """The named secret, made on first use; concurrent first uses agree on one."""
    query = select(site_secrets.c.value).where(site_secrets.c.name == name)
    with engine.connect() as conn:
        found = conn.execute(query).scalar()
    if found is not None:
        return found
    try:
        with engine.begin() as conn:
            value = secrets.token_urlsafe(SECRET_BYTES)
            conn.execute(insert(site_secrets).values(name=name, value=value))
    except IntegrityError:
        pass  # another worker made it first: use theirs
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()
