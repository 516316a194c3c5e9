"""Live mail: one message from a mail server, by pipe (`deliver`) or LMTP.

A message is acknowledged only after its transaction committed, so a mail
server that got "250" may forget it; any database failure answers "try
again later" (exit 75 / LMTP 451) and the mail server keeps the message.
"""

from __future__ import annotations

import asyncio
import io

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from listkeeper.ingest import Tally, import_mails, repair_threads
from listkeeper.sources.maildir import read_message_stream

EX_TEMPFAIL = 75  # sysexits.h: the MTA queues the message and retries
LMTP_OK = "250 2.0.0 Message archived"
LMTP_TEMPFAIL = "451 4.3.0 Archive database unavailable, try again later"


def deliver(engine: Engine, data: bytes, list_names: list[str], origin: str) -> Tally:
    """Store one message into each of the lists; raises SQLAlchemyError on DB failure."""
    mails = list(read_message_stream(io.BytesIO(data), origin))
    tally = Tally()
    for name in list_names:
        import_mails(engine, iter(mails), name, name, tally)
    repair_threads(engine, tally.lists_touched)
    return tally


def list_of_recipient(address: str) -> str:
    """xen-devel@lists.example.org -> xen-devel (the list is the local part)."""
    return address.split("@", 1)[0].split("+", 1)[0].lower()


class ArchiveHandler:
    """aiosmtpd handler: archive the message, answer once per recipient."""

    def __init__(self, engine: Engine, list_name: str | None) -> None:
        self.engine = engine
        self.list_name = list_name

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        names = [self.list_name] if self.list_name else sorted(
            {list_of_recipient(r) for r in envelope.rcpt_tos}
        )
        # CRLF is SMTP's wire form, not the message's: store it as a mailbox would,
        # so the same mail from an mbox and from LMTP is one message.
        data = (envelope.original_content or b"").replace(b"\r\n", b"\n")
        peer = session.peer[0] if isinstance(session.peer, tuple) else "lmtp"
        try:
            await asyncio.to_thread(deliver, self.engine, data, names, f"lmtp:{peer}")
            status = LMTP_OK
        except SQLAlchemyError:
            status = LMTP_TEMPFAIL
        # LMTP answers DATA once per accepted recipient; aiosmtpd sends the last.
        for _ in envelope.rcpt_tos[1:]:
            await server.push(status)
        return status


class LmtpController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)
