"""The one Jinja environment of the web pages: autoescape always on, and
every printed string passed through address obfuscation unless it is
``Verbatim`` (a URL, a Message-ID) or already-built markup."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from listkeeper.web import links
from listkeeper.web.blocks_html import shown_blocks
from listkeeper.web.csrf import csrf_token
from listkeeper.web.highlight import highlight
from listkeeper.web.obfuscate import Verbatim, obfuscate

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ … }}`` before escaping: the obfuscation choke point."""
    if isinstance(value, str) and not isinstance(value, (Verbatim, Markup)):
        return obfuscate(value)
    return value


def format_date(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _code_version() -> str:
    """A hash of templates and static files: part of every ETag, so a new
    release never answers 304 with an old page."""
    digest = hashlib.sha256()
    for path in sorted([*TEMPLATES.iterdir(), *STATIC.iterdir()]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()

templates = Jinja2Templates(directory=TEMPLATES)
templates.env.autoescape = True
templates.env.finalize = _finalize
templates.env.filters["date"] = format_date
templates.env.filters["verbatim"] = Verbatim
templates.env.globals.update(
    message_url=links.message_url,
    raw_url=links.raw_url,
    attachment_url=links.attachment_url,
    thread_url=links.thread_url,
    flat_thread_url=links.flat_thread_url,
    thread_atom_url=links.thread_atom_url,
    mbox_url=links.mbox_url,
    list_url=links.list_url,
    list_atom_url=links.list_atom_url,
    search_url=links.search_url,
    author_url=links.author_url,
    anchor=links.anchor,
    shown_blocks=shown_blocks,
    highlight=highlight,
    csrf_token=csrf_token,
)
