"""Derive the patches and trailers tables of a list from its stored messages.

A posting is what one `git send-email` run sends: a cover letter and its
patches in one thread, by one author, at one version. Postings of one author
sharing a title (cover letter or first patch) are versions of one series
(v1 → v2 → v3, across threads). An untagged patch attached to a reply is a
posting of its own: in a series that was never tagged, the next version
(seed 14 → 19); in a tagged one, a fix-up inside the version it answers.
Replies give trailers and "applied" to the nearest patch above them; said of
a cover letter, they hold for the whole posting (as b4 reads them).

Everything is recomputed from the stored rows, so the result does not
depend on import order and a re-run changes nothing. After an import only
the threads that got mail are recomputed, with every thread holding a patch
by one of their authors (the only postings a new one can be a version of).

Memory does not grow with the list: all but version numbering stays inside
one thread (a posting never leaves its thread, a reply's patch is up its own
thread), so threads are read THREADS_PER_BATCH at a time and their postings
staged in temporary tables (staging.py); a series is one author's, so
versions are then numbered a batch of authors at a time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, delete, insert, select

from listkeeper.mail.patch import has_patch
from listkeeper.patches.replies import Applied, Trailer, applied_in, trailers_in, written_text
from listkeeper.patches.scope import scope_of
from listkeeper.patches.staging import (
    StagedMail,
    StagedPosting,
    batches_of_authors,
    create_staging,
    drop_staging,
    mails_of,
    microseconds,
    postings_of,
    stage,
    stage_trailers,
    write_trailers,
)
from listkeeper.patches.tags import PatchTag, patch_tag, patch_title
from listkeeper.store.codec import decode_anatomy
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.reader import as_utc, member_of
from listkeeper.store.repair_pass import Span
from listkeeper.store.schema import lists, messages, patch_trailers, patches, thread_nodes

MAX_ANCESTORS = 64  # replies look this far up the thread for their patch
THREADS_PER_BATCH = 200  # threads read and decoded at once


class State(StrEnum):
    OPEN = "open"
    APPLIED = "applied"
    SUPERSEDED = "superseded"


@dataclass(slots=True)
class _Mail:
    pk: int
    message_id: str
    author: str
    date: datetime
    tag: PatchTag | None
    title: str
    carries_diff: bool
    trailers: list[Trailer]
    applied: Applied | None


@dataclass(slots=True)
class _Posting:
    author: str
    version: int | None  # as the subject says
    grouped: bool  # tagged mails of a thread gathered, not a mail alone
    mails: list[_Mail] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The cover letter's title, else the first patch's."""
        first = min(self.mails, key=lambda m: m.tag.index if m.tag else 1)
        return first.title

    @property
    def patch_title(self) -> str | None:
        """The first patch's title: a v2 may add a cover letter the v1 did not have."""
        patches = [m for m in self.mails if m.carries_diff]
        first = min(patches, key=lambda m: m.tag.index if m.tag else 1) if patches else None
        return first.title if first else None

    @property
    def date(self) -> datetime:
        return min(m.date for m in self.mails)


def compute_patches(conn: Connection, spans: Mapping[str, Span | None] | None) -> int:
    """Recompute the patch model where mail arrived: per list, the threads
    with messages dated in the span (None: the whole list; spans None:
    every list). Returns the patch rows written."""
    query = select(lists.c.id, lists.c.name).order_by(lists.c.id)
    if spans is not None:
        query = query.where(lists.c.name.in_(sorted(spans)))
    return sum(
        _compute_list(conn, row.id, row.name, spans.get(row.name) if spans else None)
        for row in conn.execute(query).all()
    )


def _compute_list(conn: Connection, list_pk: int, list_name: str, span: Span | None) -> int:
    """Stage the postings of the scope's threads a batch at a time, then number
    their series a batch of authors at a time; memory holds one batch."""
    scope = scope_of(conn, list_pk, list_name, span)
    if scope.authors is None:
        _clear_list(conn, list_pk)
    create_staging(conn)
    for start in range(0, len(scope.threads), THREADS_PER_BATCH):
        threads = scope.threads[start : start + THREADS_PER_BATCH]
        _stage_threads(conn, list_pk, list_name, threads, scope.authors)
    written = sum(_write_series(conn, list_pk, batch) for batch in batches_of_authors(conn))
    write_trailers(conn, list_pk)
    drop_staging(conn)
    return written


def _stage_threads(
    conn: Connection,
    list_pk: int,
    list_name: str,
    threads: list[int],
    authors: frozenset[str] | None,
) -> None:
    """Find the postings, applied notes and trailers of these threads, all of
    which stay inside a thread, and stage those of the authors rewritten
    (None: all); the old rows of those authors' mails go first."""
    mails, links = _load(conn, list_name, threads)
    candidates = {
        mid: m
        for mid, m in mails.items()
        if m.carries_diff or (m.tag is not None and m.tag.index == 0)
    }
    postings = _postings(candidates.values(), links)
    posting_of = {m.message_id: p for p in postings for m in p.mails}
    applied = _applied(mails, links, candidates, posting_of)
    ours = [p for p in postings if authors is None or p.author in authors]
    if authors is not None:
        _delete_rows(conn, list_pk, [m.pk for m in mails.values() if m.author in authors])
    our_pks = [m.pk for p in ours for m in p.mails]
    taken = _taken_elsewhere(conn, our_pks)
    stage(
        conn,
        [_staged(p) for p in ours],
        [_staged_mail(m, p, applied, taken) for p in ours for m in p.mails],
    )
    given = _trailers(mails, links, candidates, posting_of)
    ours_set = set(our_pks)  # a trailer is staged with the patch it is for
    stage_trailers(conn, [g for g in given if g["message_pk"] in ours_set])


def _load(
    conn: Connection, list_name: str, threads: list[int]
) -> tuple[dict[str, _Mail], dict[str, tuple[str | None, int]]]:
    """The list's messages in these threads, read down to what patches need,
    and message_id -> (parent, thread id)."""
    query = (
        select(
            messages.c.id,
            messages.c.message_id,
            messages.c.from_addr,
            messages.c.subject,
            messages.c.date,
            messages.c.anatomy,
            thread_nodes.c.parent,
            thread_nodes.c.thread_id,
        )
        .select_from(thread_nodes.join(messages, messages.c.message_id == thread_nodes.c.message_id))
        .where(member_of(list_name), messages.c.canonical, thread_nodes.c.archived)
        .where(thread_nodes.c.thread_id.in_(threads))
    )
    lookup = dictionary_lookup(conn)
    mails, links = {}, {}
    for row in conn.execute(query):
        blocks = decode_anatomy(row.anatomy, lookup)["blocks"]
        text = written_text(blocks)
        mails[row.message_id] = _Mail(
            pk=row.id,
            message_id=row.message_id,
            author=row.from_addr.lower(),
            date=as_utc(row.date),
            tag=(tag := patch_tag(row.subject)),
            title=tag.title if tag else patch_title(row.subject),
            carries_diff=has_patch(blocks),
            trailers=trailers_in(text),
            applied=applied_in(text),
        )
        links[row.message_id] = (row.parent, row.thread_id)
    return mails, links


def _postings(
    candidates: Iterable[_Mail], links: dict[str, tuple[str | None, int]]
) -> list[_Posting]:
    """Tagged mails of one thread, author, version and size go together; others alone."""
    grouped: dict[tuple, _Posting] = {}
    alone = []
    for mail in sorted(candidates, key=lambda m: (m.date, m.message_id)):
        thread = links.get(mail.message_id, (None, None))[1]
        if mail.tag is None or mail.tag.total == 1 and mail.tag.index == 1:
            version = mail.tag.version if mail.tag else None
            alone.append(_Posting(mail.author, version, False, [mail]))
            continue
        key = (thread, mail.author, mail.tag.version, mail.tag.total)
        grouped.setdefault(key, _Posting(mail.author, mail.tag.version, True)).mails.append(mail)
    return alone + list(grouped.values())


def _staged(posting: _Posting) -> StagedPosting:
    first = posting.mails[0]  # the earliest: mails are added in date order
    return StagedPosting(
        id=first.pk,
        author=posting.author,
        version=posting.version,
        grouped=posting.grouped,
        first_at=microseconds(posting.date),
        first_id=first.message_id,
        first_tagged=first.tag is not None,
        title=posting.title,
        patch_title=posting.patch_title,
    )


def _staged_mail(
    mail: _Mail,
    posting: _Posting,
    applied: dict[str, tuple[_Mail, str | None]],
    taken: set[int],
) -> dict:
    """A staged_mails row: all of the mail's patch row but what the series decides."""
    by, ref = _applied_note(mail, posting, applied)
    return {
        "message_pk": mail.pk,
        "posting_id": posting.mails[0].pk,
        "position": mail.tag.index if mail.tag else 1,
        "total": mail.tag.total if mail.tag else 1,
        "applied_by": by,
        "applied_ref": ref,
        "taken": mail.pk in taken,
    }


def _write_series(conn: Connection, list_pk: int, authors: list[str]) -> int:
    """Number these authors' staged series and write their rows, reading the
    mails of IN_CHUNK postings at a time; returns the rows of the series
    (those of mails another list holds are not written)."""
    numbered = _versions(list_pk, postings_of(conn, authors))
    written = 0
    for start in range(0, len(numbered), IN_CHUNK):
        chunk = numbered[start : start + IN_CHUNK]
        mails = mails_of(conn, [posting.id for *_, posting in chunk])
        rows = []
        for key, number, latest, posting in chunk:
            for mail in mails[posting.id]:
                written += 1
                if not mail.taken:
                    rows.append(_row(list_pk, key, number, latest, posting, mail))
        if rows:
            conn.execute(insert(patches), rows)
    return written


def _versions(
    list_pk: int, postings: list[StagedPosting]
) -> list[tuple[str, int, bool, StagedPosting]]:
    """(series key, version number, whether the newest version, posting) of
    each posting kept in a series."""
    found = []
    for key, versions in _series(list_pk, postings).items():
        newest = max(number for number, _ in versions)
        found.extend((key, number, number == newest, posting) for number, posting in versions)
    return found


def _row(
    list_pk: int, key: str, number: int, latest: bool, posting: StagedPosting, mail: StagedMail
) -> dict:
    if mail.applied_by is not None:
        state, by, ref = State.APPLIED, mail.applied_by, mail.applied_ref
    else:
        state, by, ref = (State.OPEN if latest else State.SUPERSEDED), None, None
    return {
        "message_pk": mail.message_pk,
        "list_id": list_pk,
        "series_key": key,
        "version": number,
        "position": mail.position,
        "total": mail.total,
        "title": posting.title,
        "author": posting.author,
        "state": state.value,
        "state_by": by,
        "state_ref": ref,
    }


def _series(
    list_pk: int, postings: list[StagedPosting]
) -> dict[str, list[tuple[int, StagedPosting]]]:
    """Postings by series key, each with its version number, oldest first.

    Postings of one author sharing a title (cover letter or first patch)
    are one series. A subject's "vN" is the version. Without one, a posting
    is the next version, except a diff in a reply where the series has
    tagged postings: that is a fix-up inside the version it answers.
    """
    numbered = {}
    for group in _linked(postings):
        group.sort(key=lambda p: (p.first_at, p.first_id))
        first = group[0]
        raw = f"{list_pk}\n{first.author}\n{first.title.lower()}".encode("utf-8", "surrogatepass")
        tagged = any(p.first_tagged for p in group)
        versions, previous = [], 0
        for posting in group:
            if posting.version is not None:
                previous = posting.version
            elif not (tagged and not posting.first_tagged) or previous == 0:
                previous += 1
            versions.append((previous, posting))
        numbered[hashlib.sha256(raw).hexdigest()] = versions
    return numbered


def _linked(postings: list[StagedPosting]) -> list[list[StagedPosting]]:
    """Postings joined when they share an (author, title): union-find."""
    parent = list(range(len(postings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str], int] = {}
    for i, posting in enumerate(postings):
        for title in sorted(posting.titles):
            j = owner.setdefault((posting.author, title), i)
            parent[root(i)] = root(j)
    groups: dict[int, list[StagedPosting]] = defaultdict(list)
    for i, posting in enumerate(postings):
        groups[root(i)].append(posting)
    return list(groups.values())


def _patch_above(
    message_id: str, links: dict[str, tuple[str | None, int]], candidates: dict[str, _Mail]
) -> _Mail | None:
    """The nearest patch or cover letter a reply answers, up its thread."""
    current = links.get(message_id, (None, 0))[0]
    for _ in range(MAX_ANCESTORS):
        if current is None:
            return None
        if current in candidates:
            return candidates[current]
        current = links.get(current, (None, 0))[0]
    return None


def _targets(patch: _Mail, posting_of: dict[str, _Posting]) -> list[_Mail]:
    """What a reply to this mail speaks for: a cover letter speaks for its posting."""
    if patch.tag is not None and patch.tag.index == 0:
        return posting_of[patch.message_id].mails
    return [patch]


def _applied(
    mails: dict[str, _Mail],
    links: dict[str, tuple[str | None, int]],
    candidates: dict[str, _Mail],
    posting_of: dict[str, _Posting],
) -> dict[str, tuple[_Mail, str | None]]:
    """patch message_id -> the first reply, by someone else, saying it was
    applied, and the changeset or commit it names for that patch."""
    found: dict[str, tuple[_Mail, str | None]] = {}
    for reply in sorted(mails.values(), key=lambda m: (m.date, m.message_id)):
        if reply.applied is None or reply.message_id in candidates:
            continue
        above = _patch_above(reply.message_id, links, candidates)
        if above is None or above.author == reply.author:
            continue
        for target, ref in _taken(_targets(above, posting_of), reply.applied):
            found.setdefault(target.message_id, (reply, ref))
    return found


def _taken(targets: list[_Mail], said: Applied) -> list[tuple[_Mail, str | None]]:
    """The patches a reply says were applied: those its "[i/n] title" lines
    name (a "(subset)" thank-you takes only some), else all of them. Lines
    are matched by title, or by position when no title matches (reworded)."""
    if not said.items:
        return [(t, said.ref) for t in targets]
    patches_only = [t for t in targets if t.carries_diff]
    titles = {patch_title(i.title).lower(): i for i in said.items}
    by_title = any(t.title.lower() in titles for t in patches_only)
    taken = []
    for target in patches_only:
        index = target.tag.index if target.tag else 1
        item = (
            titles.get(target.title.lower())
            if by_title
            else next((i for i in said.items if i.index == index), None)
        )
        if item is not None:
            taken.append((target, item.ref or said.ref))
    return taken


def _applied_note(
    mail: _Mail, posting: _Posting, applied: dict[str, tuple[_Mail, str | None]]
) -> tuple[str | None, str | None]:
    """The reply saying the mail was applied and the ref it names: its own,
    or for a cover letter the last patch's once all its patches are."""
    if mail.message_id in applied:
        reply, ref = applied[mail.message_id]
        return reply.message_id, ref
    patches_in = [m for m in posting.mails if m.carries_diff]
    if (
        mail.tag is not None
        and mail.tag.index == 0
        and patches_in
        and all(m.message_id in applied for m in patches_in)
    ):
        reply, ref = applied[patches_in[-1].message_id]
        return reply.message_id, ref
    return None, None


def _trailers(
    mails: dict[str, _Mail],
    links: dict[str, tuple[str | None, int]],
    candidates: dict[str, _Mail],
    posting_of: dict[str, _Posting],
) -> list[dict]:
    """Trailer rows, replies taken in the order they were stored (as shown)."""
    rows = []
    for reply in sorted(mails.values(), key=lambda m: m.pk):
        if not reply.trailers or reply.message_id in candidates:
            continue
        above = _patch_above(reply.message_id, links, candidates)
        if above is None:
            continue
        for target in _targets(above, posting_of):
            for trailer in reply.trailers:
                rows.append(
                    {
                        "message_pk": target.pk,
                        "name": trailer.name,
                        "value": trailer.value,
                        "given_in": reply.message_id,
                    }
                )
    return rows


def _clear_list(conn: Connection, list_pk: int) -> None:
    """Drop every row of the list before a whole-list pass."""
    ours = select(patches.c.message_pk).where(patches.c.list_id == list_pk)
    conn.execute(delete(patch_trailers).where(patch_trailers.c.message_pk.in_(ours)))
    conn.execute(delete(patches).where(patches.c.list_id == list_pk))


def _delete_rows(conn: Connection, list_pk: int, pks: list[int]) -> None:
    """Drop the list's rows of these messages; a patch cross-posted to another
    list keeps that list's row."""
    for start in range(0, len(pks), IN_CHUNK):
        ours = select(patches.c.message_pk).where(
            patches.c.message_pk.in_(pks[start : start + IN_CHUNK]), patches.c.list_id == list_pk
        )
        conn.execute(delete(patch_trailers).where(patch_trailers.c.message_pk.in_(ours)))
        conn.execute(delete(patches).where(patches.c.message_pk.in_(ours)))


def _taken_elsewhere(conn: Connection, pks: list[int]) -> set[int]:
    """Those of these messages that already have a row: another list's."""
    taken: set[int] = set()
    for start in range(0, len(pks), IN_CHUNK):
        query = select(patches.c.message_pk).where(
            patches.c.message_pk.in_(pks[start : start + IN_CHUNK])
        )
        taken.update(conn.execute(query).scalars())
    return taken
