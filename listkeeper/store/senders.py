"""Senders by the handle that author pages put in URLs.

An author page names its sender by a hash of the address, never the
address itself (``author_token``). Finding the address again from the hash
used to mean hashing every sender of the list, which reads the whole list:
a second per page view at a million messages. The ``senders`` table keeps
each address under its handle, written as mail is stored and dropped
when the last of its mail is taken down.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select, tuple_

from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.schema import AUTHOR_TOKEN_LENGTH, messages, senders


def author_token(addr: str) -> str:
    """An author's handle in URLs: a hash, so no page carries the address itself."""
    digest = hashlib.sha256(addr.strip().lower().encode("utf-8")).hexdigest()
    return digest[:AUTHOR_TOKEN_LENGTH]


def remember_senders(conn: Connection, addrs: Iterable[str]) -> None:
    """Keep each address under its handle (once)."""
    rows = sorted({(author_token(addr), addr) for addr in addrs})
    for start in range(0, len(rows), IN_CHUNK):
        chunk = rows[start : start + IN_CHUNK]
        key = tuple_(senders.c.token, senders.c.addr)
        known = set(conn.execute(select(senders.c.token, senders.c.addr).where(key.in_(chunk))))
        new = [
            {"token": token, "addr": addr} for token, addr in chunk if (token, addr) not in known
        ]
        if new:
            conn.execute(insert(senders), new)


def refill_senders(conn: Connection) -> None:
    """The table again from the stored messages (after a reindex)."""
    conn.execute(delete(senders))
    remember_senders(conn, conn.execute(select(messages.c.from_addr).distinct()).scalars())


def forget_senders(conn: Connection, addrs: Iterable[str]) -> None:
    """Drop the addresses no stored message has any more (after a takedown):
    a removed message leaves nothing of its sender behind."""
    for addr in set(addrs):
        still_sent = select(messages.c.id).where(messages.c.from_addr == addr).exists()
        conn.execute(delete(senders).where(senders.c.addr == addr, ~still_sent))


def addresses_of(conn: Connection, token: str) -> list[str]:
    """The addresses with this handle: one, or its spellings in other cases."""
    query = select(senders.c.addr).where(senders.c.token == token).order_by(senders.c.addr)
    return list(conn.execute(query).scalars())
