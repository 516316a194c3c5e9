"""Sources: each reads one kind of input and yields its messages as RawMail, byte for
byte, streaming. ``open_source`` tells the kind of a path and reads it."""

from __future__ import annotations

from listkeeper.sources.compression import open_binary
from listkeeper.sources.detect import OnSkip, SourceKind, kind_of, open_source
from listkeeper.sources.maildir import (
    read_maildir,
    read_message_file,
    read_message_stream,
    read_mh,
    read_tar,
)
from listkeeper.sources.mbox import read_mbox, read_mbox_stream, write_mboxrd
from listkeeper.sources.raw import RawMail, SourceError

__all__ = [
    "OnSkip",
    "RawMail",
    "SourceError",
    "SourceKind",
    "kind_of",
    "open_binary",
    "open_source",
    "read_maildir",
    "read_mbox",
    "read_mbox_stream",
    "read_message_file",
    "read_message_stream",
    "read_mh",
    "read_tar",
    "write_mboxrd",
]
