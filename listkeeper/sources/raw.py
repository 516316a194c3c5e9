"""The one value every source yields, and the one error every source raises."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawMail:
    """One message exactly as it was delivered, and where it was found.

    ``data`` is byte for byte what the mailbox held for the message, without the
    mbox ``From `` line, with mboxrd ``>From `` unquoting done and without the blank
    line the mbox format adds after each message.
    """

    data: bytes
    envelope: str | None  # the mbox "From " line without "From " and the newline
    origin: str  # "path:byte-offset" for mbox, the file path for one-message files


class SourceError(Exception):
    """Input that cannot be read as mail. The text is one line that starts with the path,
    so the CLI can print it as it is and exit with code 2."""
