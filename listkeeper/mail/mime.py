"""Raw message bytes to header fields and a MIME tree: fast, and never recursive.

The stdlib feedparser reads a message line by line in Python and recurses once per
level of MIME nesting (a few thousand levels exhaust the stack). Here the header
block, the fields a ParsedMessage needs and the multipart boundaries are found with
a few regex and ``str.find`` calls over the whole text, and the tree is built with
an explicit stack. The tree is made of stdlib ``Message`` objects holding what the
feedparser (compat32) would put there, so decoding parts (transfer encodings,
charsets, RFC 2231 parameters) is still the stdlib's.

What the feedparser repairs in its own way (a lone CR, a header block starting with
a continuation or a From_ line, a multipart without a usable boundary, a
delivery-status report) goes to the feedparser itself, once its nesting is known
to be shallow enough not to exhaust the stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import Parser
from functools import lru_cache

from listkeeper.mail.headers import decode_8bit
from listkeeper.mail.text import without_nul

# No real message nests nearly as deep (the MIME torture test reaches 6); deeper is hostile.
MAX_MIME_DEPTH = 64
# The feedparser uses a stack frame per level and each declared container adds at
# most two levels (a digest's parts are implicitly message/rfc822): 200 keeps it
# well inside Python's default limit of 1000 frames.
MAX_FALLBACK_CONTAINERS = 200
# The stdlib parses the parameters of a Content-Type or Content-Disposition in time
# proportional to their number times the field's length: a bound on that product.
# Real mail stays far below: spam with "text/html ; ; ; ..." (7,138 parameters in
# 14 KB) reaches 10**8 and takes 60 ms; 2 * 10**9 takes about 0.3 s.
MAX_PARAMETER_WORK = 2 * 10**9
# The fields parse_message reads; the others are kept only in the raw bytes.
WANTED_FIELDS = (
    "message-id",
    "in-reply-to",
    "references",
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "list-id",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
)
# The fields stdlib Message methods read on a part (type, charset, file name, CTE).
PART_FIELDS = frozenset(name for name in WANTED_FIELDS if name.startswith("content-"))
# Distinct Content-Type/-Disposition values kept parsed: a list's mail repeats a few.
PART_HEAD_CACHE_SIZE = 4096
FLOWED = "flowed"  # RFC 3676 format=flowed
DIGEST = "multipart/digest"
DELIVERY_STATUS = "message/delivery-status"

# A field line as the feedparser sees it: a name of printable ASCII but ":" and a
# colon right after it (RFC 5322 ftext).
_FIELD_NAME = re.compile(r"[!-9;-~]+:")
# The start of the first line that is neither a field nor a continuation.
_END_OF_FIELDS = re.compile(r"\n(?![!-9;-~]+:|[ \t])")
_FIELD_VALUE = r":[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)"
_WANTED_NAMES = "|".join(re.escape(name) for name in WANTED_FIELDS)
# A lookahead on the names' first letters lets the engine pass over most lines
# (Received, X-..., continuations) at one test instead of trying every name.
_WANTED_INITIALS = "".join(sorted({name[0] for name in WANTED_FIELDS}))
_WANTED_FIRST = re.compile(rf"(?i:({_WANTED_NAMES})){_FIELD_VALUE}")
_WANTED_NEXT = re.compile(rf"\n(?i:(?=[{_WANTED_INITIALS}])({_WANTED_NAMES})){_FIELD_VALUE}")
# After "--boundary" on a boundary line: the close mark, blanks, a CR.
_BOUNDARY_TAIL = re.compile(r"(--)?[ \t]*\r?")
# Lines the feedparser treats in ways of its own when they start a header block.
_FEEDPARSER_REPAIRS = ("From ", ":", " ", "\t")
# A container's Content-Type at the start of a line (a lone CR starts one too).
_CONTAINER = re.compile(r"(?i)(?:\A|[\r\n])content-type:\s*(?:multipart|message)/")
# A Content-Type or Content-Disposition field and its value, wherever it is.
_PARAMETER_FIELD = re.compile(
    r"(?i)(?:\A|[\r\n])(content-(?:type|disposition)):([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)"
)
PARAMETER_FIELDS = ("content-type", "content-disposition")


class MailParseError(ValueError):
    """The bytes are not a message we can archive (the reason says why)."""


class _Unusual(Exception):
    """The text needs one of the feedparser's own repairs (not a fault of the mail)."""


@dataclass(slots=True)
class Fields:
    """The wanted header fields of a message, values as raw text.

    Values are as compat32 stores them: unfolded only by joining lines, RFC 2047
    words still encoded, 8-bit bytes as surrogate escapes (see headers.py).
    """

    values: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The first value of a field (name in lower case), as Message.get."""
        found = self.values.get(name)
        return found[0] if found else None

    def get_all(self, name: str) -> list[str]:
        return self.values.get(name, [])


@dataclass(slots=True)
class MimeMessage:
    fields: Fields
    tree: Message  # the root of the MIME tree; a part's payload is a list or text
    parsed_fast: bool  # False when the feedparser did it


@dataclass(frozen=True, slots=True)
class PartHead:
    """What a leaf's Content-Type and Content-Disposition say, as the stdlib reads them."""

    content_type: str  # storable: 8-bit bytes decoded, NUL replaced
    charset: str | None
    disposition: str | None
    filename: str | None  # raw: RFC 2047 words and 8-bit bytes not yet decoded
    flowed: bool
    delsp: bool


def part_head(part: Message) -> PartHead:
    """The head of a leaf. It depends on two field values only, so each distinct
    pair is parsed once (stdlib parameter parsing is most of a part's cost)."""
    first: dict[str, str] = {}
    for name, value in part.raw_items():
        first.setdefault(name.lower(), value)
    return _read_head(
        part.get_default_type(), first.get("content-type"), first.get("content-disposition")
    )


@lru_cache(maxsize=PART_HEAD_CACHE_SIZE)
def _read_head(default_type: str, content_type: str | None, disposition: str | None) -> PartHead:
    part = Message()
    part.set_default_type(default_type)
    if content_type is not None:
        part.set_raw("content-type", content_type)
    if disposition is not None:
        part.set_raw("content-disposition", disposition)
    # RFC 2231 values name charsets of their own, unknown ones or with a NUL in them.
    try:
        filename = part.get_filename()
    except (LookupError, ValueError, TypeError):
        filename = None
    try:
        charset = part.get_content_charset()
    except (LookupError, ValueError):
        charset = None
    params = {k.lower(): v.lower() for k, v in part.get_params([])[1:] if isinstance(v, str)}
    return PartHead(
        content_type=without_nul(decode_8bit(part.get_content_type())),
        charset=charset,
        disposition=part.get_content_disposition(),
        filename=filename or None,
        flowed=params.get("format") == FLOWED,
        delsp=params.get("delsp") == "yes",
    )


def read_message(raw: bytes) -> MimeMessage:
    """The fields and MIME tree of a message. Raises MailParseError when it has no
    header field or nests deeper than MAX_MIME_DEPTH."""
    text = raw.decode("ascii", "surrogateescape")
    try:
        return _read_fast(text)
    except _Unusual:
        return _read_with_feedparser(text)


def _read_fast(text: str) -> MimeMessage:
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        raise _Unusual("lone CR: the feedparser ends lines there")
    fields_end, body_start = _header_block(text, 0, len(text))
    if fields_end == 0:
        raise MailParseError("no header fields")
    fields = _wanted_fields(text, 0, fields_end)
    root = _part(fields, "text/plain")
    stack = [(root, body_start, len(text), 0)]
    while stack:
        node, start, end, depth = stack.pop()
        if depth > MAX_MIME_DEPTH:
            raise MailParseError(f"MIME parts nested deeper than {MAX_MIME_DEPTH} levels")
        for child, child_start, child_end in _fill(node, text, start, end):
            stack.append((child, child_start, child_end, depth + 1))
    return MimeMessage(fields, root, parsed_fast=True)


def _fill(node: Message, text: str, start: int, end: int) -> Iterator[tuple[Message, int, int]]:
    """Give ``node`` its payload; yield its children with the text they span."""
    maintype = node.get_content_maintype()
    if maintype == "multipart":
        default = "message/rfc822" if node.get_content_type() == DIGEST else "text/plain"
        for part_start, part_end in _part_spans(text, start, end, node.get_boundary()):
            yield _child(node, text, part_start, part_end, default)
    elif maintype == "message":
        if node.get_content_type() == DELIVERY_STATUS:
            raise _Unusual("a delivery-status report is a series of header blocks")
        yield _child(node, text, start, end, "text/plain")
    else:
        node.set_payload(text[start:end])


def _child(
    parent: Message, text: str, start: int, end: int, default_type: str
) -> tuple[Message, int, int]:
    fields_end, body_start = _header_block(text, start, end)
    child = _part(_wanted_fields(text, start, fields_end), default_type)
    parent.attach(child)
    return child, body_start, end


def _part(fields: Fields, default_type: str) -> Message:
    """A stdlib Message holding the fields its decoding methods read."""
    part = Message()
    if default_type != "text/plain":
        part.set_default_type(default_type)
    for name, values in fields.values.items():
        if name in PART_FIELDS:
            for value in values:
                if name in PARAMETER_FIELDS:
                    _check_parameters(name, value)
                part.set_raw(name, value)
    return part


def _check_parameters(name: str, value: str) -> None:
    parameters = value.count(";")
    if parameters * len(value) > MAX_PARAMETER_WORK:
        raise MailParseError(
            f"a {name} field of {len(value):,} characters with {parameters:,} parameters"
        )


def _header_block(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the fields of the text from ``start`` end, and where its body starts.

    As the feedparser: the fields stop at the first line that is not a field or a
    continuation; a blank line there is dropped, any other line starts the body.
    """
    if _FIELD_NAME.match(text, start, end):
        found = _END_OF_FIELDS.search(text, start, end)
        stop = found.start() + 1 if found else end
    else:
        stop = start
    if stop >= end:
        return end, end
    if text.startswith("\n", stop, end):
        return stop, stop + 1
    if text.startswith("\r\n", stop, end):
        return stop, stop + 2
    if stop == start and text.startswith(_FEEDPARSER_REPAIRS, stop, end):
        raise _Unusual("the header block starts with a line the feedparser repairs")
    if text.startswith(("From ", ":"), stop, end):
        raise _Unusual("a From_ line or a nameless field in the header block")
    return stop, stop


def _wanted_fields(text: str, start: int, end: int) -> Fields:
    fields = Fields()
    first = _WANTED_FIRST.match(text, start, end)
    matches = _WANTED_NEXT.findall(text, start, end)
    if first:
        matches.insert(0, first.groups())
    for name, value in matches:
        fields.values.setdefault(name.lower(), []).append(value.rstrip("\r\n"))
    return fields


def _part_spans(text: str, start: int, end: int, boundary: str | None) -> Iterator[tuple[int, int]]:
    """The text spans of a multipart's parts, each without the line break that
    belongs to the boundary after it (RFC 2046), as the feedparser cuts them.

    Anything the feedparser would repair (no boundary, no first or closing
    boundary line, two boundary lines in a row) is left to it.
    """
    if boundary is None:
        raise _Unusual("multipart without a boundary")
    part_start = -1
    for line_start, line_end, closes in _boundary_lines(text, start, end, "--" + boundary):
        if part_start == line_start:
            raise _Unusual("two boundary lines in a row")
        if part_start >= 0:
            yield part_start, _strip_line_break(text, part_start, line_start)
        elif closes:
            raise _Unusual("a closing boundary before the first part")
        if closes:
            return
        part_start = line_end
    raise _Unusual("no first or no closing boundary line")


def _boundary_lines(
    text: str, start: int, end: int, separator: str
) -> Iterator[tuple[int, int, bool]]:
    """(start, end after the line break, closes) of each boundary line in order."""
    if text.startswith(separator, start, end):
        found = start
    else:
        found = text.find("\n" + separator, start, end)
        found = -1 if found < 0 else found + 1
    while found >= 0:
        tail_start = found + len(separator)
        line_break = text.find("\n", tail_start, end)
        tail_end = end if line_break < 0 else line_break
        tail = _BOUNDARY_TAIL.fullmatch(text, tail_start, tail_end)
        if tail:
            yield found, (end if line_break < 0 else line_break + 1), tail.group(1) is not None
        if line_break < 0:
            return
        found = text.find("\n" + separator, line_break, end)
        found = -1 if found < 0 else found + 1


def _strip_line_break(text: str, start: int, end: int) -> int:
    if end > start and text[end - 1] == "\n":
        end -= 1
        if end > start and text[end - 1] == "\r":
            end -= 1
    return end


def _read_with_feedparser(text: str) -> MimeMessage:
    containers = len(_CONTAINER.findall(text))
    if containers > MAX_FALLBACK_CONTAINERS:
        raise MailParseError(
            f"{containers} MIME containers in a message the fast reader cannot take"
        )
    for name, value in _PARAMETER_FIELD.findall(text):
        _check_parameters(name.lower(), value)
    tree = Parser().parsestr(text)
    if not tree.keys():
        raise MailParseError("no header fields")
    fields = Fields()
    for name, value in tree.raw_items():
        key = name.lower()
        if key in WANTED_FIELDS:
            fields.values.setdefault(key, []).append(value)
    return MimeMessage(fields, tree, parsed_fast=False)
