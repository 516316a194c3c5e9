"""The import pipeline: sources -> parse (all cores) -> store (one writer).

Every input message ends archived, counted as a duplicate, quarantined
with its reason, or refused as taken down (a tombstone); nothing escapes
as an exception except a database failure.
Importing the same source again changes nothing (identity is the sha256), so
an import killed at any point is finished by running it again.

Parsing runs in worker processes a batch ahead of the writer; at most two
batches are in flight, so memory stays flat whatever the input size.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain, islice
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Self

from sqlalchemy import Engine

from listkeeper.mail.parse import MailParseError, parse_message
from listkeeper.patches.compute import compute_patches
from listkeeper.search.segments import finish_import, start_import
from listkeeper.sources import publicinbox
from listkeeper.sources.detect import SourceKind, default_list_name, kind_of, open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store.codec import NO_DICTIONARIES, Compression
from listkeeper.store.compact import release_free_pages
from listkeeper.store.db import refresh_statistics
from listkeeper.store.dictionaries import TRAINING_SAMPLES, database_compression
from listkeeper.store.marks import load_marks, save_marks
from listkeeper.store.prepare import PreparedMessage, prepare
from listkeeper.store.repair_pass import Span, repair_lists
from listkeeper.store.writer import ArchiveWriter, Incoming, Outcome, storable_list_name

BATCH_SIZE = 500  # messages per transaction: few commits, bounded loss on a kill
PARSE_CHUNK = 25  # messages handed to a worker at a time


@dataclass(slots=True)
class Tally:
    imported: int = 0
    duplicates: int = 0
    quarantined: int = 0
    removed: int = 0  # refused: taken down before (a tombstone)
    seconds: float = 0.0
    # Lists that got messages (new or again), with the dates those messages span.
    lists_touched: dict[str, Span] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        if outcome is Outcome.IMPORTED:
            self.imported += 1
        elif outcome is Outcome.DUPLICATE:
            self.duplicates += 1
        elif outcome is Outcome.REMOVED:
            self.removed += 1
        else:
            self.quarantined += 1

    def touch(self, list_name: str, date: datetime) -> None:
        first, last = self.lists_touched.get(list_name, (date, date))
        self.lists_touched[list_name] = (min(first, date), max(last, date))

    @property
    def total(self) -> int:
        return self.imported + self.duplicates + self.quarantined + self.removed

    def summary(self) -> str:
        removed = f", removed {self.removed}" if self.removed else ""
        return (
            f"imported {self.imported}, duplicates {self.duplicates}, "
            f"quarantined {self.quarantined}{removed}"
        )

    def as_json(self) -> dict[str, float | int]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[Tally], None]


def import_paths(
    engine: Engine,
    paths: Iterable[Path],
    list_name: str | None = None,
    on_batch: Progress | None = None,
    workers: int | None = None,
) -> Tally:
    """Import every message of every path (opened lazily, in order)."""
    tally = Tally()
    started = time.monotonic()
    finished: list[Callable[[], None]] = []
    with engine.begin() as conn:
        start_import(conn)
    with Parsers(workers) as parsers:
        for path in paths:
            fallback = list_name or default_list_name(path)
            mails, done = _open_incrementally(engine, path)
            import_mails(engine, mails, list_name, fallback, tally, on_batch, parsers)
            finished.append(done)
    repair_threads(engine, tally.lists_touched)
    for done in finished:
        done()
    with engine.begin() as conn:
        merged = finish_import(conn, tally.imported)
    if merged:
        release_free_pages(engine)
    if tally.imported:
        refresh_statistics(engine)
    tally.seconds = time.monotonic() - started
    return tally


def _open_incrementally(engine: Engine, path: Path) -> tuple[Iterator[RawMail], Callable[[], None]]:
    """The source's messages, and what to call once they are stored and repaired.

    A public-inbox is read from the commits its last complete import stopped
    at; its heads are taken before reading, so what is fetched meanwhile
    comes again next time.
    """
    if kind_of(path) is not SourceKind.PUBLIC_INBOX:
        return open_source(path), lambda: None
    source = str(path.resolve())
    reached = publicinbox.heads(path)
    with engine.connect() as conn:
        since = load_marks(conn, source)

    def done() -> None:
        with engine.begin() as conn:
            save_marks(conn, source, reached)

    return publicinbox.read_public_inbox(path, since=since), done


class Parsers:
    """The parser processes of an import, started (again) whenever the
    dictionaries they compress with change: a database trains its own from
    the first import that brings enough mail."""

    def __init__(self, workers: int | None) -> None:
        self._count = workers or os.cpu_count() or 1
        self._pool: Pool | None = None
        self._started_with: tuple[Compression, bool] | None = None

    def pool(self, compression: Compression, tsvectors: bool) -> Pool:
        """Processes that prepare rows as prepare(..., compression, tsvectors) does."""
        if self._pool is None or (compression, tsvectors) != self._started_with:
            self.close()
            context = multiprocessing.get_context("forkserver")
            self._pool = context.Pool(self._count, _start_parser, (compression, tsvectors))
            self._started_with = (compression, tsvectors)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def import_mails(
    engine: Engine,
    mails: Iterable[RawMail],
    list_name: str | None,
    fallback_list: str,
    tally: Tally,
    on_batch: Progress | None = None,
    parsers: Parsers | None = None,
) -> None:
    """Import a stream of raw mails, a batch per transaction.

    With parsers, the next batch is parsed while the current one is written.
    """
    mails = iter(mails)
    first = list(islice(mails, TRAINING_SAMPLES))
    compression = database_compression(engine, [mail.data for mail in first])
    tsvectors = engine.dialect.name == "postgresql"
    pool = parsers.pool(compression, tsvectors) if parsers is not None else None
    everything = chain(first, mails)
    batches = iter(lambda: list(islice(everything, BATCH_SIZE)), [])
    pending: tuple[list[RawMail], AsyncResult | list, datetime] | None = None
    for batch in batches:
        received_at = datetime.now(timezone.utc)
        parsing = (
            pool.map_async(_parse_in_parser, _chunks(batch, received_at))
            if pool is not None
            else [_parse(mail, received_at, compression, tsvectors) for mail in batch]
        )
        if pending is not None:
            _write_batch(engine, *pending, list_name, fallback_list, tally, on_batch)
        pending = (batch, parsing, received_at)
    if pending is not None:
        _write_batch(engine, *pending, list_name, fallback_list, tally, on_batch)


def _chunks(batch: list[RawMail], received_at: datetime) -> list[tuple[list[RawMail], datetime]]:
    return [(batch[i : i + PARSE_CHUNK], received_at) for i in range(0, len(batch), PARSE_CHUNK)]


# How a parser process prepares rows, set once as it starts.
_parser_compression = NO_DICTIONARIES
_parser_tsvectors = False


def _start_parser(compression: Compression, tsvectors: bool) -> None:
    global _parser_compression, _parser_tsvectors
    _parser_compression, _parser_tsvectors = compression, tsvectors


def _parse_in_parser(work: tuple[list[RawMail], datetime]) -> list[PreparedMessage | str]:
    mails, received_at = work
    return [_parse(mail, received_at, _parser_compression, _parser_tsvectors) for mail in mails]


def _write_batch(
    engine: Engine,
    batch: list[RawMail],
    parsing: AsyncResult | list,
    received_at: datetime,
    list_name: str | None,
    fallback_list: str,
    tally: Tally,
    on_batch: Progress | None,
) -> None:
    if isinstance(parsing, AsyncResult):
        parsed = [result for chunk in parsing.get() for result in chunk]
    else:
        parsed = parsing
    incoming = [
        Incoming(
            result, storable_list_name(list_name or result.list_name or fallback_list), mail.envelope
        )
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
            # Duplicates too: a run killed before repair is repaired by the re-run.
            if outcome is not Outcome.REMOVED:
                tally.touch(item.list_name, item.message.date)
    if on_batch:
        on_batch(tally)


def repair_threads(engine: Engine, spans: dict[str, Span]) -> int:
    """Find parents for header-less messages near these new ones (see repair.py),
    then the patches, versions and states the new messages change."""
    if not spans:
        return 0
    with engine.begin() as conn:
        changed = repair_lists(conn, dict(spans))
        compute_patches(conn, spans)
        return changed


def _parse(
    mail: RawMail, received_at: datetime, compression: Compression, tsvectors: bool
) -> PreparedMessage | str:
    """The message parsed and prepared for storing, or why it cannot be archived."""
    try:
        return prepare(parse_message(mail.data, mail.envelope, received_at), compression, tsvectors)
    except MailParseError as exc:
        return str(exc)
    except (RecursionError, MemoryError) as exc:
        return f"message too complex to parse: {type(exc).__name__}"
    except Exception as exc:  # noqa: BLE001 — any parser bug must quarantine, not abort
        return f"parser error: {type(exc).__name__}: {exc}"
