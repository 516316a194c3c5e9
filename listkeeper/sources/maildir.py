"""Mailboxes that keep one message per file: Maildir, MH, ``.eml`` files, tar archives.

A file may start with an mbox ``From `` line (mutt's "save", the SpamAssassin
corpus): that line is the envelope and the rest is the message, as it is. The file
says where the message ends, so there is nothing to split (a line from an attached
git patch, ``From <sha> Mon Sep 17 00:00:00 2001``, must not) and no mbox escaping
to undo: ``>From `` lines and a final blank line are kept.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from listkeeper.sources.compression import open_binary, reading
from listkeeper.sources.mbox import UTF8_BOM, envelope_of, starts_like_mbox
from listkeeper.sources.raw import RawMail, SourceError

MAILDIR_FOLDERS = ("cur", "new")  # tmp/ holds deliveries still being written


def read_message_file(path: Path) -> Iterator[RawMail]:
    """The message in the file at ``path`` (compressed or not)."""
    with open_binary(path) as stream:
        yield from read_message_stream(stream, str(path))


def read_message_stream(stream: BinaryIO, origin: str) -> Iterator[RawMail]:
    """The one message ``stream`` holds."""
    with reading(origin):
        data = stream.read()
    if not starts_like_mbox(data):
        yield RawMail(data, None, origin)
        return
    body_start = data.find(b"\n") + 1 or len(data)
    envelope = envelope_of(data[:body_start].removeprefix(UTF8_BOM))
    yield RawMail(data[body_start:], envelope, origin)


def read_maildir(path: Path) -> Iterator[RawMail]:
    """A Maildir's messages: ``cur/`` and ``new/`` together, in file-name order (names
    start with the delivery time), whatever their flag suffix (``:2,S``)."""
    names = sorted(
        (entry.name, folder)
        for folder in MAILDIR_FOLDERS
        if (path / folder).is_dir()
        for entry in folder_entries(path / folder)
        if _is_message_entry(entry)
    )
    for name, folder in names:
        yield from read_message_file(path / folder / name)


def read_mh(path: Path) -> Iterator[RawMail]:
    """An MH folder's messages, the files with numeric names in numeric order;
    ``.mh_sequences`` and other files are MH's own bookkeeping."""
    numbers = sorted(
        int(entry.name)
        for entry in folder_entries(path)
        if entry.name.isdigit() and _is_message_entry(entry)
    )
    for number in numbers:
        yield from read_message_file(path / str(number))


def read_tar(path: Path) -> Iterator[RawMail]:
    """The messages of a tar archive (compressed or not) of one-message files, member
    by member in archive order, streamed; origins are "archive:member-name"."""
    with open_binary(path) as stream:
        try:
            with reading(str(path)), tarfile.open(fileobj=stream, mode="r|") as archive:
                for member in archive:
                    member_stream = archive.extractfile(member) if member.isfile() else None
                    if member_stream is not None:
                        yield from read_message_stream(member_stream, f"{path}:{member.name}")
        except tarfile.TarError as exc:
            raise SourceError(f"{path}: broken tar archive: {exc}") from exc


def folder_entries(path: Path) -> list[os.DirEntry[str]]:
    """The entries of the directory at ``path`` in name order."""
    try:
        with os.scandir(path) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except FileNotFoundError:
        raise SourceError(f"{path}: not found") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot list: {exc.strerror}") from None


def _is_message_entry(entry: os.DirEntry[str]) -> bool:
    """A regular file whose name does not start with a dot (dot files are the mail
    program's bookkeeping: .mh_sequences, .DS_Store, ...)."""
    return not entry.name.startswith(".") and entry.is_file()
