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
from listkeeper.patches.tags import PatchTag, patch_tag, patch_title
from listkeeper.store.codec import decode_anatomy
from listkeeper.store.linker import IN_CHUNK
from listkeeper.store.reader import as_utc, in_list
from listkeeper.store.repair_pass import Span
from listkeeper.store.schema import lists, messages, patch_trailers, patches, thread_nodes

MAX_ANCESTORS = 64  # replies look this far up the thread for their patch


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
    mails: list[_Mail] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The cover letter's title, else the first patch's."""
        first = min(self.mails, key=lambda m: m.tag.index if m.tag else 1)
        return first.title

    @property
    def titles(self) -> set[str]:
        """Titles another version may share: the cover letter's and the first patch's
        (a v2 may add a cover letter the v1 did not have)."""
        patches = [m for m in self.mails if m.carries_diff]
        first = min(patches, key=lambda m: m.tag.index if m.tag else 1) if patches else None
        return {t.lower() for t in (self.title, first.title if first else None) if t}

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
    scope, authors = _affected(conn, list_pk, list_name, span) if span else (None, set())
    mails = _load(conn, list_name, scope)
    links = _thread_links(conn, list(mails))
    candidates = {
        mid: m
        for mid, m in mails.items()
        if m.carries_diff or (m.tag is not None and m.tag.index == 0)
    }
    postings = _postings(candidates.values(), links)
    posting_of = {m.message_id: p for p in postings for m in p.mails}
    applied = _applied(mails, links, candidates, posting_of)
    rows = []
    for key, versions in _series(list_pk, postings).items():
        newest = max(number for number, _ in versions)
        for number, posting in versions:
            latest = number == newest
            for mail in posting.mails:
                state, by, ref = _state(mail, posting, applied, latest)
                rows.append(
                    {
                        "message_pk": mail.pk,
                        "list_id": list_pk,
                        "series_key": key,
                        "version": number,
                        "position": mail.tag.index if mail.tag else 1,
                        "total": mail.tag.total if mail.tag else 1,
                        "title": posting.title,
                        "author": mail.author,
                        "state": state,
                        "state_by": by,
                        "state_ref": ref,
                    }
                )
    given = _trailers(mails, links, candidates, posting_of)
    if scope is None:
        _store(conn, list_pk, rows, given, None)
        return len(rows)
    # Only these authors' series were loaded whole; other rows stay as they are.
    mine = [r for r in rows if r["author"] in authors]
    _store(conn, list_pk, mine, given, [m.pk for m in mails.values() if m.author in authors])
    return len(mine)


def _affected(
    conn: Connection, list_pk: int, list_name: str, span: Span
) -> tuple[list[str], set[str]]:
    """Message-IDs to load and the authors whose patches are recomputed: the
    threads with mail in the span, their authors, and every thread where one
    of those authors posted a patch before (so each series is loaded whole)."""
    in_span = (
        select(thread_nodes.c.thread_id)
        .select_from(
            in_list(list_name).join(
                thread_nodes, thread_nodes.c.message_id == messages.c.message_id
            )
        )
        .where(lists.c.name == list_name, messages.c.date >= span[0], messages.c.date <= span[1])
        .distinct()
    )
    threads = set(conn.execute(in_span).scalars())
    ids = _thread_members(conn, threads)
    authors = _authors(conn, ids)
    earlier = set()
    author_list = sorted(authors)
    for start in range(0, len(author_list), IN_CHUNK):
        query = (
            select(thread_nodes.c.thread_id)
            .select_from(
                patches.join(messages, messages.c.id == patches.c.message_pk).join(
                    thread_nodes, thread_nodes.c.message_id == messages.c.message_id
                )
            )
            .where(
                patches.c.list_id == list_pk,
                patches.c.author.in_(author_list[start : start + IN_CHUNK]),
            )
            .distinct()
        )
        earlier.update(conn.execute(query).scalars())
    return sorted(set(ids) | set(_thread_members(conn, earlier - threads))), authors


def _thread_members(conn: Connection, threads: set[int]) -> list[str]:
    found: list[str] = []
    ordered = sorted(threads)
    for start in range(0, len(ordered), IN_CHUNK):
        query = select(thread_nodes.c.message_id).where(
            thread_nodes.c.thread_id.in_(ordered[start : start + IN_CHUNK]), thread_nodes.c.archived
        )
        found.extend(conn.execute(query).scalars())
    return found


def _authors(conn: Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), IN_CHUNK):
        query = select(messages.c.from_addr).where(
            messages.c.message_id.in_(ids[start : start + IN_CHUNK])
        )
        found.update(addr.lower() for addr in conn.execute(query).scalars())
    return found


def _load(conn: Connection, list_name: str, scope: list[str] | None) -> dict[str, _Mail]:
    """The list's messages (or those of scope), read down to what patches need."""
    base = (
        select(
            messages.c.id,
            messages.c.message_id,
            messages.c.from_addr,
            messages.c.subject,
            messages.c.date,
            messages.c.anatomy,
        )
        .select_from(in_list(list_name))
        .where(lists.c.name == list_name, messages.c.canonical)
    )
    queries = (
        [base]
        if scope is None
        else [
            base.where(messages.c.message_id.in_(scope[i : i + IN_CHUNK]))
            for i in range(0, len(scope), IN_CHUNK)
        ]
    )
    mails = {}
    for query in queries:
        for row in conn.execute(query):
            blocks = decode_anatomy(row.anatomy)["blocks"]
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
    return mails


def _thread_links(conn: Connection, ids: list[str]) -> dict[str, tuple[str | None, int]]:
    """message_id -> (parent, thread id)."""
    found = {}
    for start in range(0, len(ids), IN_CHUNK):
        query = select(thread_nodes.c.message_id, thread_nodes.c.parent, thread_nodes.c.thread_id)
        query = query.where(thread_nodes.c.message_id.in_(ids[start : start + IN_CHUNK]))
        found.update({r.message_id: (r.parent, r.thread_id) for r in conn.execute(query)})
    return found


def _postings(
    candidates: Iterable[_Mail], links: dict[str, tuple[str | None, int]]
) -> list[_Posting]:
    """Tagged mails of one thread, author, version and size go together; others alone."""
    grouped: dict[tuple, _Posting] = {}
    alone = []
    for mail in sorted(candidates, key=lambda m: (m.date, m.message_id)):
        thread = links.get(mail.message_id, (None, None))[1]
        if mail.tag is None or mail.tag.total == 1 and mail.tag.index == 1:
            alone.append(_Posting(mail.author, mail.tag.version if mail.tag else None, [mail]))
            continue
        key = (thread, mail.author, mail.tag.version, mail.tag.total)
        grouped.setdefault(key, _Posting(mail.author, mail.tag.version)).mails.append(mail)
    return alone + list(grouped.values())


def _series(list_pk: int, postings: list[_Posting]) -> dict[str, list[tuple[int, _Posting]]]:
    """Postings by series key, each with its version number, oldest first.

    Postings of one author sharing a title (cover letter or first patch)
    are one series. A subject's "vN" is the version. Without one, a posting
    is the next version, except a diff in a reply where the series has
    tagged postings: that is a fix-up inside the version it answers.
    """
    numbered = {}
    for group in _linked(postings):
        group.sort(key=lambda p: (p.date, p.mails[0].message_id))
        first = group[0]
        raw = f"{list_pk}\n{first.author}\n{first.title.lower()}".encode("utf-8", "surrogatepass")
        tagged = any(p.mails[0].tag is not None for p in group)
        versions, previous = [], 0
        for posting in group:
            if posting.version is not None:
                previous = posting.version
            elif not (tagged and posting.mails[0].tag is None) or previous == 0:
                previous += 1
            versions.append((previous, posting))
        numbered[hashlib.sha256(raw).hexdigest()] = versions
    return numbered


def _linked(postings: list[_Posting]) -> list[list[_Posting]]:
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
    groups: dict[int, list[_Posting]] = defaultdict(list)
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


def _state(
    mail: _Mail, posting: _Posting, applied: dict[str, tuple[_Mail, str | None]], latest: bool
) -> tuple[str, str | None, str | None]:
    if mail.message_id in applied:
        reply, ref = applied[mail.message_id]
        return State.APPLIED.value, reply.message_id, ref
    patches_in = [m for m in posting.mails if m.carries_diff]
    if (
        mail.tag is not None
        and mail.tag.index == 0
        and patches_in
        and all(m.message_id in applied for m in patches_in)
    ):
        reply, ref = applied[patches_in[-1].message_id]
        return State.APPLIED.value, reply.message_id, ref
    return (State.OPEN if latest else State.SUPERSEDED).value, None, None


def _trailers(
    mails: dict[str, _Mail],
    links: dict[str, tuple[str | None, int]],
    candidates: dict[str, _Mail],
    posting_of: dict[str, _Posting],
) -> list[dict]:
    rows = []
    for reply in mails.values():
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


def _store(
    conn: Connection, list_pk: int, rows: list[dict], given: list[dict], scope: list[int] | None
) -> None:
    """Replace the list's rows (or those of the messages in scope); a patch
    cross-posted to another list keeps that list's row."""
    query = select(patches.c.message_pk).where(patches.c.list_id == list_pk)
    old = list(conn.execute(query).scalars()) if scope is None else scope
    for start in range(0, len(old), IN_CHUNK):
        ours = select(patches.c.message_pk).where(
            patches.c.message_pk.in_(old[start : start + IN_CHUNK]), patches.c.list_id == list_pk
        )
        conn.execute(delete(patch_trailers).where(patch_trailers.c.message_pk.in_(ours)))
        conn.execute(delete(patches).where(patches.c.message_pk.in_(ours)))
    pks = [r["message_pk"] for r in rows]
    taken: set[int] = set()
    for start in range(0, len(pks), IN_CHUNK):
        query = select(patches.c.message_pk).where(
            patches.c.message_pk.in_(pks[start : start + IN_CHUNK])
        )
        taken.update(conn.execute(query).scalars())
    mine = [r for r in rows if r["message_pk"] not in taken]
    if mine:
        conn.execute(insert(patches), mine)
    kept = {r["message_pk"] for r in mine}
    given = [g for g in given if g["message_pk"] in kept]
    if given:
        conn.execute(insert(patch_trailers), given)
