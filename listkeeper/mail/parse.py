"""Raw message bytes in, a plain ParsedMessage out; no database here.

mime.py reads the header fields and the MIME tree (stdlib compat32 Message
objects, so decoding parts is the stdlib's, lenient with broken mail). Everything
a page view needs later (blocks, attachments, attributions) is derived here once.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import cast

import nh3

from listkeeper.mail.attribution import parse_attribution
from listkeeper.mail.blocks import Attribution, Block, BlockKind
from listkeeper.mail.body import is_top_posted, segment
from listkeeper.mail.dates import DateSource, message_date
from listkeeper.mail.headers import (
    address,
    addresses,
    decode_8bit,
    header_text,
    message_id_list,
    normalize_message_id,
)
from listkeeper.mail.mime import MailParseError, PartHead, part_head, read_message
from listkeeper.mail.text import decode_bytes, unflow, without_nul

SYNTHETIC_ID_DOMAIN = "listkeeper.invalid"
PATCH_CONTENT_TYPES = frozenset({"text/x-patch", "text/x-diff", "text/x-diff-patch", "text/diff"})
PATCH_SUFFIXES = (".patch", ".diff")
_TEXT_TYPES = frozenset({"text/plain", "text/html"})
_LIST_ID = re.compile(r"<([^<>]+)>")
# CRLF, a lone CR, and the CR CR LF of gateways that converted line ends twice.
_CR_LINE_END = re.compile(r"\r+\n|\r")
# Tags after which an HTML-only message's text needs a line break.
_HTML_BREAKS = re.compile(r"(?i)(<br\s*/?>|</p>|</div>|</tr>|</li>|</h\d>|</blockquote>)")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int  # decoded bytes
    is_patch: bool
    part_index: int  # position among the message's leaf parts, for downloads


@dataclass(slots=True)
class ParsedMessage:
    message_id: str
    message_id_synthetic: bool
    in_reply_to: str | None
    references: list[str]
    from_name: str
    from_addr: str
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    subject: str
    date: datetime
    date_source: DateSource
    list_id: str | None  # the List-Id's id, e.g. "xen-devel.lists.xensource.com"
    blocks: list[Block]
    attachments: list[Attachment]
    attributions: list[Attribution]
    top_posted: bool
    html: str | None  # sanitised HTML when the message had no text part
    sha256: str
    raw: bytes = field(repr=False)

    @property
    def list_name(self) -> str | None:
        """Short list name from List-Id: "xen-devel" for xen-devel.lists.xensource.com."""
        if not self.list_id:
            return None
        return self.list_id.split(".", 1)[0].lower() or None


def parse_message(raw: bytes, envelope: str | None, arrival: datetime) -> ParsedMessage:
    """Parse one message. Raises MailParseError for input that is not mail."""
    if not raw or raw.isspace():
        raise MailParseError("empty message")
    # Some Windows tools write a byte-order mark before the first header field.
    mime = read_message(raw.removeprefix(codecs.BOM_UTF8))
    fields = mime.fields
    digest = hashlib.sha256(raw).hexdigest()
    body = _read_body(mime.tree)
    charset = body.charset
    message_id = normalize_message_id(fields.get("message-id"))
    date, date_source = message_date(fields.get("date"), envelope, arrival)
    from_name, from_addr = address(fields.get("from"), charset)
    attributions = [
        found
        for block in body.blocks
        if block.kind is BlockKind.ATTRIBUTION and (found := parse_attribution(block.text))
    ]
    return ParsedMessage(
        message_id=message_id or f"sha256-{digest}@{SYNTHETIC_ID_DOMAIN}",
        message_id_synthetic=message_id is None,
        in_reply_to=normalize_message_id(fields.get("in-reply-to")),
        references=message_id_list(fields.get("references")),
        from_name=from_name,
        from_addr=from_addr,
        to=addresses(fields.get_all("to"), charset),
        cc=addresses(fields.get_all("cc"), charset),
        subject=header_text(fields.get("subject"), charset),
        date=date,
        date_source=date_source,
        list_id=_list_id(fields.get("list-id")),
        blocks=body.blocks,
        attachments=body.attachments,
        attributions=attributions,
        top_posted=is_top_posted(body.blocks),
        html=body.html,
        sha256=digest,
        raw=raw,
    )


def _list_id(value: str | None) -> str | None:
    if not value:
        return None
    value = without_nul(decode_8bit(value))
    match = _LIST_ID.search(value)
    token = (match.group(1) if match else value).strip().lower()
    return token or None


@dataclass(slots=True)
class _Body:
    blocks: list[Block] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    html: str | None = None
    charset: str | None = None  # the first text part's, a hint for 8-bit headers


def leaf_parts(msg: Message) -> list[Message]:
    """Leaf parts in document order, one alternative each, without recursion."""
    leaves: list[Message] = []
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop()
        if part.is_multipart():  # a multipart, or a message/* holding its message
            # Not get_payload() on a leaf: it decodes text with the charset named,
            # and raises for a name with a NUL in it.
            children = cast(list[Message], part.get_payload())
            if part.get_content_type() == "multipart/alternative" and children:
                children = [_preferred_alternative(children)]
            stack.extend(reversed(children))
        else:
            leaves.append(part)
    return leaves


def _preferred_alternative(children: list[Message]) -> Message:
    for child in children:
        if child.get_content_type() == "text/plain":
            return child
    return children[-1]


def _read_body(msg: Message) -> _Body:
    body = _Body()
    html_parts: list[str] = []
    for index, part in enumerate(leaf_parts(msg)):
        head = part_head(part)
        ctype = head.content_type
        filename = header_text(head.filename, head.charset) or None
        attached = head.disposition == "attachment" or (
            filename is not None and ctype != "text/plain"
        )
        is_patch = ctype in PATCH_CONTENT_TYPES or (
            filename is not None and filename.lower().endswith(PATCH_SUFFIXES)
        )
        if ctype in _TEXT_TYPES and not attached and body.charset is None:
            body.charset = head.charset
        if ctype == "text/plain" and not attached and not is_patch:
            body.blocks.extend(segment(_part_text(part, head)))
        elif ctype == "text/html" and not attached:
            html_parts.append(_part_text(part, head))
        else:
            data = _payload_bytes(part)
            body.attachments.append(Attachment(filename, ctype, len(data), is_patch, index))
            if is_patch and data:
                body.blocks.append(Block(BlockKind.PATCH, 0, decode_bytes(data, head.charset)))
    if html_parts and not any(b.kind is not BlockKind.PATCH for b in body.blocks):
        source = "\n".join(html_parts)
        body.html = nh3.clean(source)
        body.blocks[:0] = segment(html_to_text(source))
    return body


def _payload_bytes(part: Message) -> bytes:
    """A leaf's bytes, transfer encoding undone."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _part_text(part: Message, head: PartHead) -> str:
    """A text part as text, lines ending in LF (CRLF, and CR as old Macs wrote)."""
    text = decode_bytes(_payload_bytes(part), head.charset)
    if "\r" in text:
        text = _CR_LINE_END.sub("\n", text)
    return unflow(text, head.delsp) if head.flowed else text


def html_to_text(source: str) -> str:
    """Readable text of an HTML-only message: tags dropped, breaks kept."""
    with_breaks = _HTML_BREAKS.sub(lambda m: m.group(1) + "\n", source)
    stripped = nh3.clean(with_breaks, tags=set(), clean_content_tags={"script", "style"})
    lines = [line.strip() for line in html.unescape(stripped).splitlines()]
    return "\n".join(lines).strip() + "\n"
