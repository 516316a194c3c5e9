"""The import pipeline: sources -> parse -> store, in batched transactions.

Every input message ends archived, counted as a duplicate, or quarantined
with its reason; nothing escapes as an exception except a database failure.
Importing the same source again changes nothing (identity is the sha256).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine

from listkeeper.mail.parse import MailParseError, ParsedMessage, parse_message
from listkeeper.sources.detect import default_list_name, open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store.repair_pass import repair_lists
from listkeeper.store.writer import ArchiveWriter, Incoming, Outcome

BATCH_SIZE = 500  # messages per transaction: few commits, bounded loss on a kill


@dataclass(slots=True)
class Tally:
    imported: int = 0
    duplicates: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    lists_touched: set[str] = field(default_factory=set)  # lists that got new messages

    def count(self, outcome: Outcome) -> None:
        if outcome is Outcome.IMPORTED:
            self.imported += 1
        elif outcome is Outcome.DUPLICATE:
            self.duplicates += 1
        else:
            self.quarantined += 1

    @property
    def total(self) -> int:
        return self.imported + self.duplicates + self.quarantined

    def summary(self) -> str:
        return (
            f"imported {self.imported}, duplicates {self.duplicates}, "
            f"quarantined {self.quarantined}"
        )


def import_paths(
    engine: Engine,
    paths: Iterable[Path],
    list_name: str | None = None,
    on_message: Callable[[Tally], None] | None = None,
) -> Tally:
    """Import every message of every path (opened lazily, in order)."""
    tally = Tally()
    started = time.monotonic()
    for path in paths:
        fallback = list_name or default_list_name(path)
        import_mails(engine, open_source(path), list_name, fallback, tally, on_message)
    repair_threads(engine, tally.lists_touched)
    tally.seconds = time.monotonic() - started
    return tally


def import_mails(
    engine: Engine,
    mails: Iterator[RawMail],
    list_name: str | None,
    fallback_list: str,
    tally: Tally,
    on_message: Callable[[Tally], None] | None = None,
) -> None:
    """Import a stream of raw mails in batches of BATCH_SIZE per transaction."""
    batch: list[RawMail] = []
    for mail in mails:
        batch.append(mail)
        if len(batch) >= BATCH_SIZE:
            _write_batch(engine, batch, list_name, fallback_list, tally, on_message)
            batch = []
    if batch:
        _write_batch(engine, batch, list_name, fallback_list, tally, on_message)


def _write_batch(
    engine: Engine,
    batch: list[RawMail],
    list_name: str | None,
    fallback_list: str,
    tally: Tally,
    on_message: Callable[[Tally], None] | None,
) -> None:
    received_at = datetime.now(timezone.utc)
    parsed = [_parse(mail, received_at) for mail in batch]
    incoming = [
        Incoming(result, list_name or result.list_name or fallback_list, mail.envelope)
        for mail, result in zip(batch, parsed)
        if not isinstance(result, str)
    ]
    with engine.begin() as conn:
        writer = ArchiveWriter(conn)
        for mail, result in zip(batch, parsed):
            if isinstance(result, str):
                origin_list = list_name or fallback_list
                tally.count(writer.quarantine(mail.data, result, mail.origin, origin_list, received_at))
        for item, outcome in zip(incoming, writer.store_batch(incoming, received_at)):
            tally.count(outcome)
            if outcome is Outcome.IMPORTED:
                tally.lists_touched.add(item.list_name)
    if on_message:
        on_message(tally)


def repair_threads(engine: Engine, list_names: set[str]) -> int:
    """Find parents for header-less messages of these lists (see repair.py)."""
    if not list_names:
        return 0
    with engine.begin() as conn:
        return repair_lists(conn, list_names)


def _parse(mail: RawMail, received_at: datetime) -> ParsedMessage | str:
    """The parsed message, or the reason it cannot be archived."""
    try:
        return parse_message(mail.data, mail.envelope, received_at)
    except MailParseError as exc:
        return str(exc)
    except (RecursionError, MemoryError) as exc:
        return f"message too complex to parse: {type(exc).__name__}"
    except Exception as exc:  # noqa: BLE001 — any parser bug must quarantine, not abort
        return f"parser error: {type(exc).__name__}: {exc}"
