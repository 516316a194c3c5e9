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

ADDRESS = re.compile(r"(?<![\w.+'%-])([\w.+'%-]+)@([\w-]+)((?:\.[\w-]+)*\.([A-Za-z][\w-]*))")
ELLIPSIS = "…"
# JSON keys whose values are Message-IDs: identifiers, never obfuscated.
IDENTIFIER_KEYS = frozenset({"message_id", "parent", "root", "thread_root", "applied_in", "given_in", "mbox"})


class Verbatim(str):
    """Text shown as it is: URLs, Message-IDs, a user's own query."""


def obfuscate(text: str) -> str:
    """Every address in ``text`` with its domain cut to first letter and top level."""
    if "@" not in text:
        return text
    return ADDRESS.sub(lambda m: f"{m[1]}@{m[2][0]}{ELLIPSIS}{m[4]}", text)


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
