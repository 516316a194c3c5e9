"""mbox files, split as a stream: one RawMail per message, bytes as delivered.

The four dialects cannot be told apart from the file, so one reader serves them all:

* A message starts at a ``From `` line that looks like an envelope: a sender and a
  ctime-like date (``From kraxel@suse.de  Mon Nov 13 15:41:00 2006``), pipermail's
  ``From kraxel at suse.de  Mon ...``, Netscape's ``From - `` with or without a date,
  or a lone address (Google Takeout). A blank line before it is not required: Netscape
  and others wrote none. A body line such as ``From here on...`` never splits, and the
  first line of the file is a From_ line whatever follows ``From ``.
* mboxrd and mboxo: a line ``>From `` (any number of ``>``) loses one ``>``. That is
  exact for mboxrd (public-inbox exports, our seed). For mboxo it is exact except for a
  body line that really began with ``>From `` (mboxo wrote it unchanged and we drop its
  ``>``); no file says which dialect it is, and the mboxrd reading is right far more often.
* mboxcl and mboxcl2: a ``Content-Length:`` header gives the body length. It is trusted
  only when the body it measures ends where a message can end (end of file, a From_
  line, or one blank line then one of those), so a wrong value, common in the wild,
  falls back to From_ splitting. A trusted body is kept verbatim: From_ lines inside
  it do not split and ``>From `` stays as written (mboxcl2 does not quote; mboxcl does,
  and cannot be told apart from mboxcl2 holding a real ``>From `` line).
* The one blank line the format adds after each message is removed; a message that
  did not end with a newline cannot be told apart from one that did, and gets one.

The file is read in chunks that end at a line end and searched with ``bytes.find``, so
the cost in Python is per message, not per line, and memory holds a chunk and one
message whatever the size of the file.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from listkeeper.sources.compression import READ_ERRORS, open_binary
from listkeeper.sources.raw import RawMail, SourceError

FROM_ = b"From "
UTF8_BOM = b"\xef\xbb\xbf"  # some Windows editors put one before the first From_ line
CHUNK_SIZE = 1 << 20
# How far ahead a Content-Length may make us read before it is checked; beyond this
# a (likely bogus) value is not trusted, so a bad header cannot pull a file into memory.
MAX_CONTENT_LENGTH_LOOKAHEAD = 64 << 20
# Written for a message that came without an envelope (public-inbox writes the same).
DEFAULT_ENVELOPE = "MAILER-DAEMON Thu Jan  1 00:00:00 1970"
# Envelopes are ASCII in practice; latin-1 maps any byte to one character and back,
# so a stray 8-bit byte survives a round trip.
ENVELOPE_ENCODING = "latin-1"

_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# "Mon Nov 13 15:41:00 2006", "Thu Jan  1 00:00:00 1970", "Mon, 13 Nov 2006 15:41 +0100";
# the bounded repeats keep a long line of near-misses from backtracking for long.
_DATE = (
    _DAY + rb",?[ \t]+(?:" + _MONTH + rb"[ \t]+\d{1,2}|\d{1,2}[ \t]+" + _MONTH + rb")"
    rb"[ \t]+[^\r\n]{0,32}?\d{1,2}:\d\d"
)
_EOL = rb"\r?(?:\n|\Z)"
_ENVELOPE = re.compile(
    rb"From (?:"
    rb"-[ \t]*" + _EOL  # Netscape / Mozilla without a date: "From - "
    + rb"|[^ \t\r\n]+@[^ \t\r\n]+[ \t]*" + _EOL  # a lone address: "From 18443@xxx"
    + rb"|[^\r\n]{0,512}?[ \t]" + _DATE  # sender (maybe "x at y", "-", "") then a date
    + rb")"
)
_NEWLINE = ord("\n")
_GT = ord(">")
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_TO_QUOTE = re.compile(rb"^(>*From )", re.MULTILINE)
_CONTENT_LENGTH_NAME = b"content-length:"
_CONTENT_LENGTH_VALUE = re.compile(rb"[ \t]*(\d+)[ \t]*\r?\n")


def starts_like_mbox(head: bytes) -> bool:
    """Whether a file whose first bytes are ``head`` is an mbox: it starts with
    "From " (after an optional byte-order mark)."""
    return head.removeprefix(UTF8_BOM).startswith(FROM_)


def envelope_of(from_line: bytes) -> str:
    """The envelope a From_ line carries: without "From " and the line ending."""
    line = from_line[len(FROM_) :].removesuffix(b"\n").removesuffix(b"\r")
    return line.decode(ENVELOPE_ENCODING)


def read_mbox(path: Path) -> Iterator[RawMail]:
    """The messages of the mbox file at ``path`` (compressed or not), in file order."""
    with open_binary(path) as stream:
        yield from read_mbox_stream(stream, str(path))


def read_mbox_stream(stream: BinaryIO, name: str) -> Iterator[RawMail]:
    """The messages of an mbox read from ``stream``; ``name`` makes their origins
    ("name:offset", the offset of the From_ line in the uncompressed stream)."""
    segments = _Lookahead(_segments(stream, name))
    for segment in segments:
        origin = f"{name}:{segment.offset}"
        if segment.from_line is None:  # text before the first From_ line
            if segment.content.removeprefix(UTF8_BOM).strip():
                yield RawMail(segment.content, None, origin)
            continue
        data = _measured_by_content_length(segment, segments)
        if data is None:
            data = _strip_separator(segment.content)
            if segment.quoted:
                data = _QUOTED_FROM.sub(rb"\1", data)
        yield RawMail(data, envelope_of(segment.from_line), origin)


def write_mboxrd(mails: Iterable[RawMail], out: BinaryIO) -> None:
    """Write ``mails`` as mboxrd: a From_ line, the message with every ``>*From `` line
    quoted with one more ``>``, then a blank line; line endings follow each message's
    own (CRLF stays CRLF). ``read_mbox_stream`` gives the same data and envelopes back,
    except that a message not ending in a newline gets one (mbox cannot say it had none)."""
    for mail in mails:
        data = mail.data
        eol = b"\r\n" if _uses_crlf(data) else b"\n"
        envelope = mail.envelope if mail.envelope is not None else DEFAULT_ENVELOPE
        out.write(FROM_ + envelope.encode(ENVELOPE_ENCODING) + eol)
        if FROM_ in data:
            data = _TO_QUOTE.sub(rb">\1", data)
        out.write(data)
        if data and not data.endswith(b"\n"):
            out.write(eol)
        out.write(eol)


@dataclass(frozen=True, slots=True)
class _Segment:
    """The bytes from one From_ line up to the next, unchanged."""

    offset: int  # of the From_ line in the stream
    from_line: bytes | None  # with its line ending; None for text before the first one
    content: bytes  # everything after the From_ line, up to the next one
    quoted: bool  # whether a line in ``content`` starts with ">From ", ">>From "...


class _Lookahead(Iterator[_Segment]):
    """An iterator that takes back what was read ahead of it."""

    def __init__(self, items: Iterator[_Segment]) -> None:
        self._items = items
        self._returned: deque[_Segment] = deque()

    def __next__(self) -> _Segment:
        return self._returned.popleft() if self._returned else next(self._items)

    def give_back(self, items: list[_Segment]) -> None:
        self._returned.extendleft(reversed(items))


def _segments(stream: BinaryIO, name: str) -> Iterator[_Segment]:
    """Cut the stream at every From_ line; the first segment holds what precedes the
    first From_ line (usually nothing)."""
    offset = 0  # of the current chunk in the stream
    start, from_line, quoted = 0, None, False  # of the segment being gathered
    pieces: list[bytes] = []
    for chunk in _line_chunks(stream, name):
        pos = 0
        if offset == 0 and chunk.startswith(UTF8_BOM + FROM_):
            pos = len(UTF8_BOM)
        for line_start, line_end in _from_lines(chunk, pos, at_file_start=offset == 0):
            if line_end < 0:
                quoted = True
                continue
            pieces.append(chunk[pos:line_start])
            yield _Segment(start, from_line, b"".join(pieces), quoted)
            start, from_line, pieces = offset + line_start, chunk[line_start:line_end], []
            pos, quoted = line_end, False
        pieces.append(chunk[pos:])
        offset += len(chunk)
    yield _Segment(start, from_line, b"".join(pieces), quoted)


def _line_chunks(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """Chunks of about CHUNK_SIZE bytes that end at a line end, so no From_ line is
    cut in two."""
    done = 0
    try:
        while chunk := stream.read(CHUNK_SIZE):
            if not chunk.endswith(b"\n"):
                chunk += stream.readline()
            done += len(chunk)
            yield chunk
    except READ_ERRORS as exc:
        raise SourceError(f"{name}: unreadable after byte {done}: {exc}") from exc


def _from_lines(chunk: bytes, first: int, at_file_start: bool) -> Iterator[tuple[int, int]]:
    """Every line of ``chunk`` that starts with "From " or ">From ", ">>From "...:
    (start, end) of a From_ line, (start, -1) of a quoted one. ``first`` is the offset
    of the first line; the first line of a file is a From_ line whatever follows "From ".

    One ``find`` for "From " serves both kinds: it is rare outside those lines, so
    the Python work stays per message, not per line."""
    hit = chunk.find(FROM_, first)
    while hit >= 0:
        line_start = hit
        while line_start > first and chunk[line_start - 1] == _GT:
            line_start -= 1
        if line_start == first or chunk[line_start - 1] == _NEWLINE:
            if line_start < hit:
                yield line_start, -1
            elif (at_file_start and hit == first) or _ENVELOPE.match(chunk, hit):
                yield hit, _line_end(chunk, hit)
        hit = chunk.find(FROM_, hit + 1)


def _line_end(chunk: bytes, start: int) -> int:
    newline = chunk.find(_NEWLINE, start)
    return len(chunk) if newline < 0 else newline + 1


def _measured_by_content_length(segment: _Segment, segments: _Lookahead) -> bytes | None:
    """The message as its Content-Length header measures it (taking in following
    segments when the body holds From_ lines), or None when there is no such header
    or it does not end where a message can end."""
    assert segment.from_line is not None
    content = segment.content
    header_end = _header_end(content, crlf=segment.from_line.endswith(b"\r\n"))
    if header_end is None:
        return None
    length = _content_length(content, header_end)
    if length is None:
        return None
    end = header_end + length
    if end - len(content) > MAX_CONTENT_LENGTH_LOOKAHEAD:
        return None
    parts, taken, size = [content], [], len(content)
    while size < end and (following := next(segments, None)) is not None:
        assert following.from_line is not None  # only the first segment has none
        parts += (following.from_line, following.content)
        taken.append(following)
        size += len(following.from_line) + len(following.content)
    content = b"".join(parts)
    if len(content) == end or content[end:] in (b"\n", b"\r\n"):
        return content[:end]
    segments.give_back(taken)
    return None


def _header_end(content: bytes, crlf: bool) -> int | None:
    """Offset of the body: just after the blank line that ends the header. The line
    ending is the From_ line's, so one ``find`` does (this runs for every message)."""
    blank = b"\r\n" if crlf else b"\n"
    if content.startswith(blank):
        return len(blank)
    found = content.find(blank + blank)
    return None if found < 0 else found + 2 * len(blank)


def _content_length(content: bytes, header_end: int) -> int | None:
    header = content[:header_end].lower()
    at = header.find(_CONTENT_LENGTH_NAME)
    while at > 0 and header[at - 1] != ord("\n"):  # "X-Content-Length:" is another field
        at = header.find(_CONTENT_LENGTH_NAME, at + 1)
    if at < 0:
        return None
    value = _CONTENT_LENGTH_VALUE.match(header, at + len(_CONTENT_LENGTH_NAME))
    return int(value.group(1)) if value else None


def _strip_separator(content: bytes) -> bytes:
    """Remove the blank line that the mbox format put after the message, if there is one."""
    if content.endswith(b"\n\n") or content == b"\n":
        return content[:-1]
    if content.endswith(b"\n\r\n") or content == b"\r\n":
        return content[:-2]
    return content


def _uses_crlf(data: bytes) -> bool:
    newline = data.find(b"\n")
    return newline > 0 and data[newline - 1] == ord("\r")
