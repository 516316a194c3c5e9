"""Mail addresses hidden from harvesters on every page, feed and API answer.

``kraxel@suse.de`` is shown as ``kraxel@s…de``: readers still recognise a
colleague, a scraper gets no address. Raw downloads (``/raw``, ``.mbox.gz``)
stay byte for byte: they are the original mail. Message-IDs are identifiers,
so URLs keep them whole (templates mark them ``Verbatim``).
"""

from __future__ import annotations

import json
import re
from typing import Any

# An address: a local part (a whole run of [\w.+'%-]), "@", a domain with a
# top-level label. Searched from its "@" (a literal, which the regex engine
# finds fast) with the local part read backwards: a pattern starting with
# the local part tries every position of the text, and a long thread page
# holds megabytes of it.
_AT_DOMAIN = re.compile(r"@([\w-]+)(?:\.[\w-]+)*\.([A-Za-z][\w-]*)")
_LOCAL_PUNCTUATION = frozenset(".+'%-_")
ELLIPSIS = "…"
# JSON keys whose values are Message-IDs: identifiers, never obfuscated.
IDENTIFIER_KEYS = frozenset({"message_id", "parent", "root", "thread_root", "applied_in", "given_in", "mbox"})


class Verbatim(str):
    """Text shown as it is: URLs, Message-IDs, a user's own query."""


def obfuscate(text: str) -> str:
    """Every address in ``text`` with its domain cut to first letter and top level."""
    if "@" not in text:
        return text
    pieces: list[str] = []
    done = 0  # text before this is in pieces
    for found in _AT_DOMAIN.finditer(text):
        at = found.start()
        local = _local_part_start(text, at)
        if local == at or local < done:  # no local part, or inside the last address
            continue
        pieces.append(text[done:at])
        pieces.append(f"@{found[1][0]}{ELLIPSIS}{found[2]}")
        done = found.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _local_part_start(text: str, at: int) -> int:
    """Where the run of local-part characters (``[\\w.+'%-]``) ending at ``at`` starts."""
    start = at
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in _LOCAL_PUNCTUATION):
        start -= 1
    return start


def obfuscate_json(data: Any, key: str | None = None) -> Any:
    """A JSON value with every string obfuscated, except Message-ID fields.

    Iterative, as everything walking user data is: a stack of containers
    rewritten in place on a copy (the shapes are plain JSON).
    """
    root: list[Any] = [json.loads(json.dumps(data))]
    stack: list[tuple[Any, Any, str | None]] = [(root, 0, key)]
    while stack:
        container, index, name = stack.pop()
        value = container[index]
        if isinstance(value, str):
            if name not in IDENTIFIER_KEYS:
                container[index] = obfuscate(value)
        elif isinstance(value, dict):
            stack.extend((value, k, k) for k in value)
        elif isinstance(value, list):
            stack.extend((value, i, name) for i in range(len(value)))
    return root[0]
