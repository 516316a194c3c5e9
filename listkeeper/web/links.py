"""URLs and anchors for messages and threads: the promises of DESIGN.md.

URLs are keyed by Message-ID, never by a row id, so they survive a rebuild.
Every URL is ``Verbatim``: address obfuscation never touches it.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote, urlencode

from listkeeper.store.senders import author_token
from listkeeper.web.obfuscate import Verbatim

# Characters of a Message-ID that may stay as they are in a path segment.
_PATH_SAFE = "@!$&'()*+,;=:~-._"
ANCHOR_HASH_LENGTH = 12
RESERVED_LIST_NAMES = frozenset({"m", "t", "api", "static"})


def mid_path(message_id: str) -> str:
    return quote(message_id, safe=_PATH_SAFE)


def _list(list_name: str) -> str:
    return quote(list_name, safe="")


def message_url(message_id: str) -> Verbatim:
    return Verbatim(f"/m/{mid_path(message_id)}/")


def raw_url(message_id: str) -> Verbatim:
    return Verbatim(f"/m/{mid_path(message_id)}/raw")


def attachment_url(message_id: str, part_index: int, filename: str | None) -> Verbatim:
    # The name is for people (the part index finds the part); a "/" in it, even
    # as %2F, would split the path and miss the route.
    name = quote((filename or f"part{part_index}").replace("/", "_"), safe="")
    return Verbatim(f"/m/{mid_path(message_id)}/a/{part_index}/{name}")


def thread_url(list_name: str, message_id: str) -> Verbatim:
    return Verbatim(f"/{_list(list_name)}/t/{mid_path(message_id)}/")


def flat_thread_url(list_name: str, message_id: str) -> Verbatim:
    return Verbatim(thread_url(list_name, message_id) + "?flat=1")


def thread_atom_url(list_name: str, message_id: str) -> Verbatim:
    return Verbatim(thread_url(list_name, message_id) + "atom")


def mbox_url(message_id: str) -> Verbatim:
    return Verbatim(f"/t/{mid_path(message_id)}.mbox.gz")


def list_url(list_name: str) -> Verbatim:
    return Verbatim(f"/{_list(list_name)}/")


def list_atom_url(list_name: str) -> Verbatim:
    return Verbatim(f"/{_list(list_name)}/new.atom")


def search_url(list_name: str | None, query: str, **params: str) -> Verbatim:
    base = list_url(list_name) if list_name else "/"
    return Verbatim(f"{base}?{urlencode({'q': query, **params})}")


def author_url(list_name: str, addr: str) -> Verbatim:
    return Verbatim(f"/{_list(list_name)}/f/{author_token(addr)}/")


def anchor(message_id: str) -> Verbatim:
    """A stable HTML id for a message on a thread page."""
    digest = hashlib.sha1(message_id.encode("utf-8")).hexdigest()
    return Verbatim("m" + digest[:ANCHOR_HASH_LENGTH])
