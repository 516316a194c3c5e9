"""Mailman 2 "pipermail" monthly archives (``2006-November.txt.gz``), repaired.

Such a file is an mbox that Mailman wrote from what it had kept of each message::

    From kraxel at suse.de  Mon Nov 13 15:41:00 2006
    From: kraxel at suse.de (Gerd Hoffmann)
    Date: Mon, 13 Nov 2006 16:41:00 +0100
    Subject: [Xen-devel] CONFIG_XEN_COMPAT_030002 broken?
    In-Reply-To: ... / References: ... / Message-ID: <4558911E.2030904@suse.de>

A list's archive is a folder of such files, one per period (month, or quarter, year,
week, day), which ``archive_files`` gives oldest first. Each file is split by the mbox
reader (which knows the ``x at y`` From_ line), then each message gets one explicit,
reversible repair, so that it is archived with a usable sender:

* ``x at y`` becomes ``x@y`` in the address of From, To and Cc (in the comment too when
  it is the address again: Mailman wrote ``x at y (x at y)`` for a sender without a name),
  inside the ``<...>`` of Message-ID, In-Reply-To and References, and in the envelope
  (whose " at " form is not kept: it is the From address's). Only the first field of
  each name is repaired (Mailman writes one of each).
* When a field was changed, ``X-Listkeeper-Source: pipermail; repaired=`` and what was
  (``from-address``, ``to-address``, ``cc-address``, ``message-id``, ``in-reply-to``,
  ``references``) is put first, then each changed field as it was, under
  ``X-Listkeeper-Original-<Name>:``, so ``original_of`` gives back the bytes the file
  held, exactly. A message with nothing to repair (a list that did not obfuscate) is
  kept as the file has it, and so is everything else.

What the file no longer has, and cannot be recovered:

* Every other header: To, Cc, List-Id, Content-Type, Received... The list is named by
  ``--list`` or by the archive's directory (``list_name_of``); the body's charset is
  not declared (Mailman re-encoded it to the list's charset), so the parser guesses it.
* Attachments: Mailman replaced each by a ``-------------- next part --------------``
  stub with its name, type, size and URL; the stub stays as body text.
* Addresses in the body: Mailman wrote ``x at y`` there too. They stay, since " at "
  is also an English word ("look at this.patch").
* Only the English at-mark is recognised; lists in other languages may use another.
* Body lines were not From-quoted: a line that began with ``From `` and a date split
  the message there, and one that began with ``>From `` loses its ``>`` (the mbox reader
  unquotes it as mboxrd).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from listkeeper.sources.compression import open_binary, reading
from listkeeper.sources.maildir import folder_entries
from listkeeper.sources.mbox import read_mbox
from listkeeper.sources.raw import RawMail

AT_MARK = b" at "  # what Mailman wrote for "@" (ARCHIVER_OBSCURES_EMAILADDRS)
SOURCE_FIELD = b"X-Listkeeper-Source"
ORIGINAL_PREFIX = b"X-Listkeeper-Original-"
SOURCE_NAME = b"pipermail"
# Repaired fields (lower-case names as Mailman writes them) and the tag naming each repair.
ADDRESS_FIELDS = {b"from": b"from-address", b"to": b"to-address", b"cc": b"cc-address"}
ID_FIELDS = {
    b"message-id": b"message-id",
    b"in-reply-to": b"in-reply-to",
    b"references": b"references",
}
REPAIRED_FIELDS = ADDRESS_FIELDS | ID_FIELDS

MONTHS = tuple(
    "January February March April May June July August September October November December".split()
)  # English whatever the list's language: Mailman's file names
COMPARED_CHUNK_SIZE = 1 << 20  # of a .txt and its .txt.gz copy, compared as a stream

# Mailman's archive periods: 2006-November, 2006q4, 2006, Week-of-Mon-20061113, 20061113.
_ARCHIVE_NAME = re.compile(
    r"(?:Week-of-Mon-(?=\d{8}\.))?"
    rf"(?P<year>\d{{4}})"
    rf"(?:-(?P<month>{'|'.join(MONTHS)})|q(?P<quarter>[1-4])|(?P<month_day>\d{{4}}))?"
    r"\.txt(?:\.gz)?"
)
_OBFUSCATED_FROM_LINE = re.compile(rb"From [^\s@]+" + AT_MARK + rb"[^\s@]+ ")
_PART = rb'[^\s<>()\[\],;:"@]+'  # of an address: no blank, no "@", no punctuation around it
# An address where one stands: first in the field, after "<" or ",", and followed by
# ">", a "(comment)", "," or the end; with a comment that repeats it.
_OBFUSCATED_ADDRESS = re.compile(
    rb"(?:^|(?<=[<,]))(\s*)(" + _PART + rb")" + AT_MARK + rb"(" + _PART + rb")"
    rb"(?:(\s*\()\2" + AT_MARK + rb"\3\))?"
    rb"(?=\s*(?:[>(,]|$))"
)
_OBFUSCATED_ID = re.compile(rb"<([^<>\s@]+)" + AT_MARK + rb"([^<>\s@]+)>")
_SOURCE = re.compile(SOURCE_FIELD + b": " + SOURCE_NAME + rb"; repaired=([-a-z,]+)\r?\n")
_BLANK_LINE = re.compile(rb"\n\r?\n")
_LINE = re.compile(rb"[^\n]*\n|[^\n]+\Z")  # bytes.splitlines would also split at a lone \r
_OBFUSCATED_ENVELOPE = re.compile(r"^(\S+)" + AT_MARK.decode() + r"(\S+)(?=\s)")


def read_pipermail(path: Path) -> Iterator[RawMail]:
    """The messages of a pipermail archive file (gzip or not), repaired (see ``repair``)."""
    for mail in read_mbox(path):
        yield repair(mail)


def repair(mail: RawMail) -> RawMail:
    """``mail`` with its obfuscated addresses restored and the changes recorded in its
    first header fields. Text before the first From_ line is no message and is left as is."""
    if mail.envelope is None:
        return mail
    envelope = _OBFUSCATED_ENVELOPE.sub(r"\1@\2", mail.envelope, count=1)
    header, body = _split_header(mail.data)
    tags: list[bytes] = []
    originals: list[bytes] = []
    fields: list[bytes] = []
    done: set[bytes] = set()
    for field in _fields(header):
        name, colon, value = field.partition(b":")
        key = name.lower()
        if colon and key in REPAIRED_FIELDS and key not in done:
            done.add(key)
            fixed = _repair_value(key, value)
            if fixed != value:
                tags.append(REPAIRED_FIELDS[key])
                originals.append(ORIGINAL_PREFIX + name + b":" + value)
                field = name + b":" + fixed
        fields.append(field)
    if not tags:
        return replace(mail, envelope=envelope)
    eol = b"\r\n" if header.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    source = SOURCE_FIELD + b": " + SOURCE_NAME + b"; repaired=" + b",".join(tags)
    data = b"".join([source, eol, *originals, *fields, body])
    return replace(mail, data=data, envelope=envelope)


def original_of(data: bytes) -> bytes:
    """The message as the pipermail file held it, from one that ``repair`` made: without
    the X-Listkeeper-Source field, with each changed field as it was. Other data is
    returned unchanged."""
    repaired = _SOURCE.match(data)
    if repaired is None:
        return data
    header, body = _split_header(data)
    _, *fields = _fields(header)
    count = len(repaired.group(1).split(b","))
    originals = {}
    for field in fields[:count]:
        name, _, value = field[len(ORIGINAL_PREFIX) :].partition(b":")
        originals[name.lower()] = name + b":" + value
    rest = fields[count:]
    for index, field in enumerate(rest):
        key = field.partition(b":")[0].lower()
        if key in originals:
            rest[index] = originals.pop(key)
    return b"".join(rest) + body


def archive_files(path: Path) -> list[Path]:
    """The archive files in the folder ``path`` (Mailman's ``archives/private/<list>/``
    or a download of its ``.txt.gz`` files), oldest period first.

    A period can have both a ``.txt`` and a ``.txt.gz``. Mailman appends to the ``.txt``;
    its nightly_gzip copies it to the ``.txt.gz``, which then holds the start of the
    ``.txt`` and is left out. With GZIP_ARCHIVE_TXT_FILES Mailman moves the ``.txt``
    into the ``.txt.gz`` instead, and a ``.txt`` seen then holds only newer messages:
    both are read, the ``.txt.gz`` first (also whenever it is not a copy: what the two
    share is the same bytes twice, which the store keeps once)."""
    by_volume: dict[tuple[tuple[int, int, int], str], list[Path]] = {}
    for entry in folder_entries(path):  # in name order: "x.txt" comes before "x.txt.gz"
        period = _period(entry.name)
        if period is not None and entry.is_file():
            volume = entry.name.split(".", 1)[0]  # "2006-November"
            by_volume.setdefault((period, volume), []).append(Path(entry.path))
    files: list[Path] = []
    for key in sorted(by_volume):
        found = by_volume[key]
        if len(found) == 2:
            plain, compressed = found
            found = [plain] if _starts_with(plain, compressed) else [compressed, plain]
        files += found
    return files


def is_archive_name(name: str) -> bool:
    """Whether ``name`` is that of a pipermail archive file (``2006-November.txt.gz``)."""
    return _period(name) is not None


def looks_like_pipermail(path: Path, head: bytes) -> bool:
    """Whether a file that starts like an mbox with ``head`` is a pipermail archive: its
    name is a Mailman archive period (``2006-November.txt.gz``) or its first From_ line
    has a ``x at y`` sender."""
    return is_archive_name(path.name) or bool(_OBFUSCATED_FROM_LINE.match(head))


def list_name_of(path: Path) -> str:
    """The list a pipermail file belongs to: Mailman keeps a list's archive files in a
    directory named after it (``archives/private/xen-devel/2006-November.txt.gz``)."""
    return path.resolve().parent.name


def _period(name: str) -> tuple[int, int, int] | None:
    """The first day (year, month, day) of the period an archive file's name covers."""
    match = _ARCHIVE_NAME.fullmatch(name)
    if match is None:
        return None
    year, month, quarter, month_day = match.group("year", "month", "quarter", "month_day")
    if month:
        return int(year), MONTHS.index(month) + 1, 1
    if quarter:
        return int(year), 3 * int(quarter) - 2, 1
    if month_day:
        return int(year), int(month_day[:2]), int(month_day[2:])
    return int(year), 1, 1


def _starts_with(plain: Path, compressed: Path) -> bool:
    """Whether the file ``plain`` starts with all that the file ``compressed`` holds."""
    with open_binary(plain) as text, open_binary(compressed) as copy, reading(str(compressed)):
        while chunk := copy.read(COMPARED_CHUNK_SIZE):
            if text.read(len(chunk)) != chunk:
                return False
    return True


def _repair_value(key: bytes, value: bytes) -> bytes:
    if key in ADDRESS_FIELDS:
        return _OBFUSCATED_ADDRESS.sub(_address, value)
    return _OBFUSCATED_ID.sub(rb"<\1@\2>", value)


def _address(match: re.Match[bytes]) -> bytes:
    leading, local, domain, comment = match.group(1, 2, 3, 4)
    address = local + b"@" + domain
    return leading + address + (comment + address + b")" if comment is not None else b"")


def _split_header(data: bytes) -> tuple[bytes, bytes]:
    """The header lines, and the rest from the blank line that ends them."""
    if data.startswith((b"\n", b"\r\n")):
        return b"", data
    end = _BLANK_LINE.search(data)
    if end is None:
        return data, b""
    return data[: end.start() + 1], data[end.start() + 1 :]


def _fields(header: bytes) -> list[bytes]:
    """The header's fields, each with its continuation lines and line endings."""
    fields: list[bytes] = []
    for line in _LINE.findall(header):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1] += line
        else:
            fields.append(line)
    return fields
