"""URLs and anchors for messages and threads: the promises of DESIGN.md.

URLs are keyed by Message-ID, never by a row id, so they survive a rebuild.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

# Characters of a Message-ID that may stay as they are in a path segment.
_PATH_SAFE = "@!$&'()*+,;=:~-._"
ANCHOR_HASH_LENGTH = 12
RESERVED_LIST_NAMES = frozenset({"m", "t", "api", "static"})


def mid_path(message_id: str) -> str:
    return quote(message_id, safe=_PATH_SAFE)


def message_url(message_id: str) -> str:
    return f"/m/{mid_path(message_id)}/"


def raw_url(message_id: str) -> str:
    return f"/m/{mid_path(message_id)}/raw"


def thread_url(list_name: str, message_id: str) -> str:
    return f"/{quote(list_name, safe='')}/t/{mid_path(message_id)}/"


def anchor(message_id: str) -> str:
    """A stable HTML id for a message on a thread page."""
    return "m" + hashlib.sha1(message_id.encode("utf-8")).hexdigest()[:ANCHOR_HASH_LENGTH]
