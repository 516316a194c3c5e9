"""Tell what a path holds and read it: the one entry point ``import`` needs.

Files are told by content: decompressed first (gzip, xz, bzip2, zstd), then a tar
archive by its ``ustar`` magic, an mbox by its leading ``From `` line, a single
message by a first line that is a header field. The one exception is ``.eml``, which
names a single message: one that starts with a From_ line is not an mbox to split
where an attached git patch has its own ``From <sha> Mon Sep 17 00:00:00 2001`` line.
An mbox is a Mailman "pipermail" archive when its first From_ line has a ``x at y``
sender or its name is an archive period's (``2006-November.txt.gz``).

Directories are told by layout: ``git/N.git`` epochs make a public-inbox v2 inbox and
``HEAD``, ``objects/``, ``refs/`` a bare git repository (a public-inbox v1 inbox or one
epoch), ``cur/`` or ``new/`` a Maildir, archive period files (``2006-November.txt.gz``)
a Mailman list archive, numeric file names (or ``.mh_sequences``) an MH folder;
anything else is read file by file, recursing into sub-directories, in name order so
that every run reads the same order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path

from listkeeper.sources.compression import open_binary, reading
from listkeeper.sources.maildir import (
    MAILDIR_FOLDERS,
    folder_entries,
    read_maildir,
    read_message_file,
    read_mh,
    read_tar,
)
from listkeeper.sources.mbox import UTF8_BOM, read_mbox, starts_like_mbox
from listkeeper.sources import pipermail, publicinbox
from listkeeper.sources.pipermail import (
    archive_files,
    is_archive_name,
    looks_like_pipermail,
    read_pipermail,
)
from listkeeper.sources.publicinbox import is_public_inbox, read_public_inbox
from listkeeper.sources.raw import RawMail, SourceError

HEAD_SIZE = 512  # one tar header block; far more than a first line needs
SINGLE_MESSAGE_SUFFIX = ".eml"
TAR_MAGIC = b"ustar"
TAR_MAGIC_OFFSET = 257
MAILDIR_TMP = "tmp"
MH_SEQUENCES = ".mh_sequences"
SHOWN_LINE_SIZE = 40  # of a rejected file's first line, in its error message
# A header field name (printable ASCII but ":") and its colon; some writers put
# blanks before the colon.
_HEADER_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")

OnSkip = Callable[[Path, str], None]
"""Called with a file found in a directory that is not mail, and why."""


class SourceKind(StrEnum):
    MBOX = "mbox"
    PIPERMAIL = "pipermail"  # a Mailman 2 archive file: an mbox with repairs to make
    MESSAGE = "message"  # one RFC 822 message (.eml)
    TAR = "tar"  # an archive of one-message files
    MAILDIR = "maildir"
    MH = "mh"
    PIPERMAIL_ARCHIVE = "pipermail-archive"  # Mailman's folder of a list's archive files
    PUBLIC_INBOX = "public-inbox"  # a v2 inbox or a bare git repository (v1, one epoch)
    DIRECTORY = "directory"  # of any of the above


def open_source(path: Path, on_skip: OnSkip | None = None) -> Iterator[RawMail]:
    """The messages at ``path``, whatever kind of mailbox it is.

    What the path is, is decided now, so a missing or unknown input raises
    SourceError before any message is read. A file inside a directory that is not
    mail is passed to ``on_skip``; without it, it raises SourceError: nothing is
    left out silently. (Loose files in a Maildir or MH folder are the mail program's
    bookkeeping and are passed over unless they are mail.)"""
    return _read(path, kind_of(path), on_skip)


def kind_of(path: Path) -> SourceKind:
    """What ``path`` holds; SourceError when it is missing or not mail."""
    if path.is_dir():
        return _directory_kind(path)
    kind, reason = _file_kind(path)
    if kind is None:
        raise SourceError(f"{path}: not a mailbox: {reason}")
    return kind


def default_list_name(path: Path) -> str:
    """The list a source's mail belongs to when neither --list nor List-Id says:
    a pipermail file's folder, a public-inbox's name, else the file's name up
    to its first dot (``xen-devel.mbox.gz`` -> ``xen-devel``)."""
    kind = kind_of(path)
    if kind is SourceKind.PIPERMAIL:
        return pipermail.list_name_of(path)
    if kind is SourceKind.PUBLIC_INBOX:
        return publicinbox.list_name_of(path)
    return path.name.split(".", 1)[0] or path.name


def _read(path: Path, kind: SourceKind, on_skip: OnSkip | None) -> Iterator[RawMail]:
    if kind is SourceKind.MBOX:
        return read_mbox(path)
    if kind is SourceKind.PIPERMAIL:
        return read_pipermail(path)
    if kind is SourceKind.PUBLIC_INBOX:
        return read_public_inbox(path)
    if kind is SourceKind.MESSAGE:
        return read_message_file(path)
    if kind is SourceKind.TAR:
        return read_tar(path)
    return _read_directory(path, kind, on_skip)


def _read_directory(path: Path, kind: SourceKind, on_skip: OnSkip | None) -> Iterator[RawMail]:
    entries = folder_entries(path)
    if kind is SourceKind.MAILDIR:
        yield from read_maildir(path)
        # Maildir++ sub-folders are dot-directories (.Sent, .lists.xen-devel).
        rest = [
            e
            for e in entries
            if e.name not in (*MAILDIR_FOLDERS, MAILDIR_TMP)
            and (e.is_dir() or not e.name.startswith("."))
        ]
        yield from _read_entries(rest, on_not_mail=_pass_over, on_skip=on_skip)
    elif kind is SourceKind.PIPERMAIL_ARCHIVE:
        for archive in archive_files(path):
            yield from read_pipermail(archive)
        # The rest is Mailman's: each period's HTML and attachments/ (folders), index.html,
        # pipermail.pck. A file of mail among them is still read.
        rest = [
            e
            for e in entries
            if e.is_file() and not e.name.startswith(".") and not is_archive_name(e.name)
        ]
        yield from _read_entries(rest, on_not_mail=_pass_over, on_skip=on_skip)
    elif kind is SourceKind.MH:
        yield from read_mh(path)
        rest = [e for e in entries if e.is_dir() and not e.name.startswith(".")]
        yield from _read_entries(rest, on_not_mail=_pass_over, on_skip=on_skip)
    else:
        rest = [e for e in entries if not e.name.startswith(".")]
        yield from _read_entries(rest, on_not_mail=on_skip or _refuse, on_skip=on_skip)


def _read_entries(
    entries: list[os.DirEntry[str]], on_not_mail: OnSkip, on_skip: OnSkip | None
) -> Iterator[RawMail]:
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir():
            yield from _read(path, _directory_kind(path), on_skip)
            continue
        kind, reason = _file_kind(path)
        if kind is None:
            on_not_mail(path, reason)
        else:
            yield from _read(path, kind, on_skip)


def _directory_kind(path: Path) -> SourceKind:
    if is_public_inbox(path):
        return SourceKind.PUBLIC_INBOX
    entries = folder_entries(path)
    if any(e.name in MAILDIR_FOLDERS and e.is_dir() for e in entries):
        return SourceKind.MAILDIR
    if any(is_archive_name(e.name) and e.is_file() for e in entries):
        return SourceKind.PIPERMAIL_ARCHIVE
    files = [e.name for e in entries if e.is_file() and not e.name.startswith(".")]
    if any(e.name == MH_SEQUENCES for e in entries) or (
        files and all(name.isdigit() for name in files)
    ):
        return SourceKind.MH
    return SourceKind.DIRECTORY


def _file_kind(path: Path) -> tuple[SourceKind | None, str]:
    """The kind of a file from its first (decompressed) bytes, or None and why not."""
    with open_binary(path) as stream, reading(str(path)):
        head = stream.read(HEAD_SIZE)
    if head[TAR_MAGIC_OFFSET : TAR_MAGIC_OFFSET + len(TAR_MAGIC)] == TAR_MAGIC:
        return SourceKind.TAR, ""
    text = head.removeprefix(UTF8_BOM).lstrip(b" \t\r\n")  # blank lines are tolerated
    if starts_like_mbox(text):
        if SINGLE_MESSAGE_SUFFIX in (suffix.lower() for suffix in path.suffixes):
            return SourceKind.MESSAGE, ""
        if looks_like_pipermail(path, text):
            return SourceKind.PIPERMAIL, ""
        return SourceKind.MBOX, ""
    if _HEADER_FIELD.match(text):
        return SourceKind.MESSAGE, ""
    if not text:
        return None, "empty" if not head else "blank"
    line = text.split(b"\n", 1)[0].rstrip(b"\r")[:SHOWN_LINE_SIZE]
    shown = line.decode("ascii", "backslashreplace")
    return None, f"starts with {shown!r}, neither an mbox From_ line nor a mail header"


def _pass_over(path: Path, reason: str) -> None:
    """Bookkeeping files of a mail program (dovecot-uidlist, maildirfolder...)."""


def _refuse(path: Path, reason: str) -> None:
    raise SourceError(f"{path}: not a mailbox: {reason}")
