"""Postings found thread by thread, held in temporary tables until their
series can be numbered.

Numbering versions needs every posting of an author at once, and they are
found a batch of threads at a time; keeping them in the database instead of
in memory lets the pass read them back one batch of authors at a time.
Temporary tables live in the pass's own connection and transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    insert,
    select,
)

from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.schema import patch_trailers, patches

POSTINGS_PER_READ = 5_000  # postings of one batch of authors read back at once

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_temporary = MetaData()

staged_postings = Table(
    "patch_staged_postings",
    _temporary,
    Column("id", Integer, primary_key=True),
    Column("author", Text, nullable=False),
    Column("version", Integer),  # as the subject says
    Column("grouped", Boolean, nullable=False),  # several tagged mails, not one alone
    Column("first_at", BigInteger, nullable=False),  # µs since 1970: exact, ordered
    Column("first_id", Text, nullable=False),
    Column("first_tagged", Boolean, nullable=False),
    Column("title", Text, nullable=False),
    Column("patch_title", Text),  # the first patch's title, when it carries one
    Index("ix_patch_staged_postings_author", "author"),
    prefixes=["TEMPORARY"],
)

staged_mails = Table(
    "patch_staged_mails",
    _temporary,
    Column("message_pk", Integer, primary_key=True),
    Column("posting_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("applied_by", Text),  # set when a reply says it was applied
    Column("applied_ref", Text),
    Column("taken", Boolean, nullable=False),  # another list holds its row
    Index("ix_patch_staged_mails_posting_id", "posting_id"),
    prefixes=["TEMPORARY"],
)

staged_trailers = Table(
    "patch_staged_trailers",
    _temporary,
    Column("id", Integer, primary_key=True),  # the order they were found in
    Column("message_pk", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("given_in", Text, nullable=False),
    prefixes=["TEMPORARY"],
)


@dataclass(slots=True)
class StagedPosting:
    """What numbering a posting among its author's needs, and its mails' rows."""

    id: int
    author: str
    version: int | None
    grouped: bool
    first_at: int
    first_id: str
    first_tagged: bool
    title: str
    patch_title: str | None

    @property
    def titles(self) -> set[str]:
        """Titles another version may share: the cover letter's and the first patch's."""
        return {t.lower() for t in (self.title, self.patch_title) if t}


@dataclass(slots=True)
class StagedMail:
    message_pk: int
    position: int
    total: int
    applied_by: str | None
    applied_ref: str | None
    taken: bool


def microseconds(moment: datetime) -> int:
    """A date as an integer that sorts as the date does, without rounding."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def create_staging(conn: Connection) -> None:
    _temporary.create_all(conn)


def drop_staging(conn: Connection) -> None:
    _temporary.drop_all(conn)


def stage(conn: Connection, postings: list[StagedPosting], mails: list[dict]) -> None:
    """Postings, and their mails as staged_mails rows (with posting_id)."""
    if postings:
        conn.execute(insert(staged_postings), [asdict(p) for p in postings])
    if mails:
        conn.execute(insert(staged_mails), mails)


def stage_trailers(conn: Connection, given: list[dict]) -> None:
    if given:
        conn.execute(insert(staged_trailers), given)


def batches_of_authors(conn: Connection) -> Iterator[list[str]]:
    """Authors in order, grouped so one group's postings are read back at once."""
    query = (
        select(staged_postings.c.author, func.count())
        .group_by(staged_postings.c.author)
        .order_by(staged_postings.c.author)
    )
    batch: list[str] = []
    held = 0
    for author, count in conn.execute(query).all():
        if batch and (held + count > POSTINGS_PER_READ or len(batch) == IN_CHUNK):
            yield batch
            batch, held = [], 0
        batch.append(author)
        held += count
    if batch:
        yield batch


def postings_of(conn: Connection, authors: list[str]) -> list[StagedPosting]:
    """These authors' postings, each author's in the order a whole-list pass
    meets them: single mails first, then grouped ones, each by first mail
    (sorted here, as Python compares Message-IDs, not as a collation would)."""
    query = select(staged_postings).where(staged_postings.c.author.in_(authors))
    found = [StagedPosting(**row._mapping) for row in conn.execute(query)]
    return sorted(found, key=lambda p: (p.grouped, p.first_at, p.first_id))


def mails_of(conn: Connection, posting_ids: list[int]) -> dict[int, list[StagedMail]]:
    """posting id -> the staged mails of these postings."""
    query = select(staged_mails).where(staged_mails.c.posting_id.in_(posting_ids))
    found: dict[int, list[StagedMail]] = defaultdict(list)
    for row in conn.execute(query):
        values = dict(row._mapping)
        found[values.pop("posting_id")].append(StagedMail(**values))
    return found


def write_trailers(conn: Connection, list_pk: int) -> None:
    """The staged trailers of the patches that got a row in this list, in the
    order they were found."""
    found = (
        select(
            staged_trailers.c.message_pk,
            staged_trailers.c.name,
            staged_trailers.c.value,
            staged_trailers.c.given_in,
        )
        .join(patches, patches.c.message_pk == staged_trailers.c.message_pk)
        .where(patches.c.list_id == list_pk)
        .order_by(staged_trailers.c.id)
    )
    conn.execute(
        insert(patch_trailers).from_select(["message_pk", "name", "value", "given_in"], found)
    )
