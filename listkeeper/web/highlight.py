"""Search snippets with the searched words marked, safely escaped."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from listkeeper.web.obfuscate import obfuscate


def highlight(text: str, terms: list[str]) -> Markup:
    """Hide addresses, escape the snippet, then wrap each searched word in <mark>."""
    escaped = str(escape(obfuscate(text)))
    words = sorted({str(escape(t)) for t in terms if t}, key=len, reverse=True)
    if not words:
        return Markup(escaped)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)
    return Markup(pattern.sub(r"<mark>\1</mark>", escaped))
