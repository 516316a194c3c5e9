"""Takedown (`listkeeper remove`), on both backends, against a live server:
the message's URLs answer 410 with the reason, it leaves search, feeds and
thread exports, its bytes leave the database, its replies still thread under
a placeholder, a tombstone refuses it on re-import, and the audit log says so.

The server is started before the removal so its page cache and the browser's
validators are warm: after the removal neither may serve the old page."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from conftest import BACKENDS, SEED_EXPECTED, SEED_MBOX, SEED_ROOT, run_cli, throwaway_pg
from listkeeper.store.access import OPERATOR
from listkeeper.ingest import Tally, import_mails
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store import reader
from listkeeper.store.db import open_engine
from listkeeper.store.schema import audit_log, list_messages, messages, quarantine, tombstones
from listkeeper.store.takedown import remove
from listkeeper.store.writer import ArchiveWriter, Outcome
from listkeeper.web.feeds import mid_uri
from listkeeper.web.links import attachment_url, mbox_url, message_url, raw_url, thread_url
from webserver import serving

REMOVED = "4559DD44.5000003@suse.de"  # two replies, a patch attached
ATTACHMENT = (1, "xen-compat-page-user.diff")
ONLY_IN_REMOVED = "ttylinux"  # a word no other seed message has
REASON = "personal data, takedown request #42"
ACTOR = "archivist"
LIST = "xen-devel"


@dataclass
class Archive:
    db: str
    url: str
    removed_pk: int
    before: dict[str, httpx.Response]  # pages fetched before the removal


# Pages whose cached copies (server page cache, browser ETag) must not outlive the removal.
CACHED_PAGES = {
    "index": "/",
    "list": f"/{LIST}/",
    "month": f"/{LIST}/2006/11/",
    "thread": str(thread_url(LIST, SEED_ROOT)),
    "flat": str(thread_url(LIST, SEED_ROOT)) + "?flat=1",
    "feed": f"/{LIST}/new.atom",
    "thread feed": str(thread_url(LIST, SEED_ROOT)) + "atom",
    "search": f"/{LIST}/?q={ONLY_IN_REMOVED}",
    "mbox": str(mbox_url(SEED_ROOT)),
}


def _database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp_path / "takedown.sqlite3")
    else:
        yield from throwaway_pg()


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Archive]:
    for db in _database(request.param, tmp_path_factory.mktemp("takedown")):
        assert run_cli("import", str(SEED_MBOX), db=db).returncode == 0
        with open_engine(db).connect() as conn:
            pk = conn.execute(select(messages.c.id).where(messages.c.message_id == REMOVED)).scalar()
        with serving(db) as url, httpx.Client(base_url=url) as http:
            before = {name: http.get(path) for name, path in CACHED_PAGES.items()}
            assert all(r.status_code == 200 for r in before.values())
            result = run_cli("remove", REMOVED, "--reason", REASON, "--actor", ACTOR, db=db)
            assert result.returncode == 0, result.stderr.decode()
            assert REMOVED in result.stdout.decode()
            yield Archive(db, url, pk, before)


def _removed_urls() -> list[str]:
    return [
        str(message_url(REMOVED)),
        str(raw_url(REMOVED)),
        str(attachment_url(REMOVED, *ATTACHMENT)),
        str(mbox_url(REMOVED)),
        str(thread_url(LIST, REMOVED)),
        str(thread_url(LIST, REMOVED)) + "atom",
    ]


def test_every_url_of_the_message_answers_410_with_the_reason(archive: Archive) -> None:
    for path in _removed_urls():
        response = httpx.get(archive.url + path)
        assert response.status_code == 410, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert f"removed: {REASON}" in response.text, path
        assert "Gerd" not in response.text and "ttylinux" not in response.text, path
    for path in (f"/api/messages/{REMOVED}", f"/api/threads/{REMOVED}"):
        response = httpx.get(archive.url + path)
        assert response.status_code == 410
        assert response.json() == {"error": {"status": 410, "reason": f"removed: {REASON}"}}
    # A message that never was is still a 404.
    assert httpx.get(archive.url + str(message_url("never@example.org"))).status_code == 404


def test_it_leaves_search_feeds_and_thread_exports(archive: Archive) -> None:
    assert archive.before["search"].text.count(REMOVED) > 0
    found = run_cli("search", ONLY_IN_REMOVED, "--json", db=archive.db)
    assert json.loads(found.stdout)["total"] == 0
    page = httpx.get(archive.url + CACHED_PAGES["search"])
    assert page.status_code == 200 and REMOVED not in page.text
    api = httpx.get(archive.url + "/api/search", params={"q": ONLY_IN_REMOVED}).json()
    assert api["total"] == 0
    for feed in ("feed", "thread feed"):
        assert mid_uri(REMOVED) in archive.before[feed].text
        assert mid_uri(REMOVED) not in httpx.get(archive.url + CACHED_PAGES[feed]).text
    before = gzip.decompress(archive.before["mbox"].content)
    after = gzip.decompress(httpx.get(archive.url + CACHED_PAGES["mbox"]).content)
    header = f"Message-ID: <{REMOVED}>".encode()
    assert header in before and header not in after
    assert after.count(b"\nFrom ") + 1 == before.count(b"\nFrom ")


def test_its_bytes_and_index_rows_leave_the_database(archive: Archive) -> None:
    with open_engine(archive.db).connect() as conn:
        count = select(func.count())
        assert conn.execute(count.where(messages.c.message_id == REMOVED)).scalar() == 0
        assert conn.execute(count.where(list_messages.c.message_pk == archive.removed_pk)).scalar() == 0
        assert conn.execute(count.select_from(messages)).scalar() == 21
        assert conn.execute(count.where(tombstones.c.message_id == REMOVED)).scalar() == 1
        if conn.dialect.name == "sqlite":
            hits = conn.execute(
                text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q"), {"q": ONLY_IN_REMOVED}
            ).scalars().all()
            assert hits and archive.removed_pk not in hits  # replies still quote the word
            # The contentless index took the 'delete' with the very values it indexed.
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
        else:
            rows = conn.execute(
                text("SELECT count(*) FROM search_docs WHERE message_pk = :pk"),
                {"pk": archive.removed_pk},
            ).scalar()
            assert rows == 0


def test_caches_do_not_serve_the_old_pages(archive: Archive) -> None:
    with httpx.Client(base_url=archive.url) as http:
        for name, path in CACHED_PAGES.items():
            old = archive.before[name]
            again = http.get(path, headers={"If-None-Match": old.headers["etag"]})
            assert again.status_code == 200, name
            assert again.headers["etag"] != old.headers["etag"], name
            assert again.content != old.content, name
            since = http.get(path, headers={"If-Modified-Since": old.headers["last-modified"]})
            assert since.status_code == 200, name


def test_replies_still_thread_under_a_placeholder(archive: Archive) -> None:
    with open_engine(archive.db).connect() as conn:
        view = reader.thread_view(conn, OPERATOR, SEED_ROOT)
    assert view is not None and len(view.messages) == 21
    entries = {e.message_id: e for e in view.entries}
    placeholder = entries[REMOVED]
    assert placeholder.summary is None
    replies = [e for e in view.entries if e.parent == REMOVED]
    assert len(replies) == 2
    assert all(e.summary is not None and e.depth == placeholder.depth + 1 for e in replies)
    page = httpx.get(archive.url + CACHED_PAGES["thread"]).text
    placeholders = re.findall(r'<article class="msg ghost removed[^>]*>(.*?)</article>', page, re.S)
    # Only the reason: no subject, author, date, body or attachment (replies may quote it).
    assert [p.strip() for p in placeholders] == [f'<p class="dim">removed: {REASON}</p>']
    assert ATTACHMENT[1] not in page
    assert page.count("a removed message") == 2
    printed = run_cli("thread", SEED_ROOT, db=archive.db).stdout.decode()
    assert f"[removed: {REASON}]" in printed


def test_cli_show_and_thread_say_removed(archive: Archive) -> None:
    for command in ("show", "thread"):
        result = run_cli(command, REMOVED, db=archive.db)
        assert result.returncode == 1
        assert result.stderr.decode() == f"listkeeper: removed: {REASON}\n"


def test_tombstone_refuses_the_message_on_reimport(archive: Archive) -> None:
    result = run_cli("import", str(SEED_MBOX), db=archive.db)
    assert result.stdout.decode().strip() == "imported 0, duplicates 21, quarantined 0, removed 1"
    tally = json.loads(run_cli("import", "--json", str(SEED_MBOX), db=archive.db).stdout)
    assert (tally["imported"], tally["duplicates"], tally["removed"]) == (0, 21, 1)
    original = next(
        m.data for m in open_source(SEED_MBOX) if f"Message-ID: <{REMOVED}>".encode() in m.data
    )
    delivered = run_cli("deliver", "--list", LIST, db=archive.db, input=original)
    assert delivered.returncode == 0  # the mail server must not retry it
    assert "removed 1" in delivered.stdout.decode()
    with open_engine(archive.db).connect() as conn:
        assert conn.execute(select(func.count()).where(messages.c.message_id == REMOVED)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar() == 0
    assert httpx.get(archive.url + str(message_url(REMOVED))).status_code == 410


def test_audit_lists_the_removal_once(archive: Archive) -> None:
    again = run_cli("remove", f"<{REMOVED}>", "--reason", "twice", db=archive.db)
    assert again.returncode == 0
    assert again.stdout.decode().startswith(f"already removed <{REMOVED}>")
    assert REASON in again.stdout.decode()
    entries = json.loads(run_cli("audit", "--json", db=archive.db).stdout)
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["action"], entry["target"], entry["reason"], entry["actor"]) == (
        "remove", REMOVED, REASON, ACTOR
    )
    at = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
    assert abs((datetime.now(timezone.utc) - at).total_seconds()) < 3600
    lines = run_cli("audit", db=archive.db).stdout.decode().splitlines()
    assert len(lines) == 1 and lines[0].split("\t")[1:] == ["remove", f"<{REMOVED}>", REASON, ACTOR]


def test_bad_removals_are_one_line_errors(archive: Archive) -> None:
    unknown = run_cli("remove", "never@example.org", "--reason", "x", db=archive.db)
    assert unknown.returncode == 1
    assert unknown.stderr.decode() == "listkeeper: no message never@example.org\n"
    blank = run_cli("remove", SEED_ROOT, "--reason", "  ", db=archive.db)
    assert blank.returncode == 2
    assert blank.stderr.decode() == "listkeeper: --reason must not be empty\n"
    assert run_cli("remove", SEED_ROOT, db=archive.db).returncode != 0  # --reason is required
    with open_engine(archive.db).connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar() == 1


def test_quarantined_copies_are_removed_and_refused(db_url: str) -> None:
    """A copy that could not be parsed is found by its header block's Message-ID."""
    engine = open_engine(db_url)
    raw = b"Message-ID: <held@example.org>\nSubject: x\n\nbody\n"
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        ArchiveWriter(conn).quarantine(raw, "parser error: test", "test:0", LIST, now)
    with engine.begin() as conn:
        done = remove(conn, "<held@example.org>", REASON, ACTOR)
    assert (done.copies, done.quarantined, done.already) == (0, 1, False)
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar() == 0
        outcome = ArchiveWriter(conn).quarantine(raw, "parser error: test", "test:0", LIST, now)
        assert outcome is Outcome.REMOVED
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar() == 0
    # Parsed copies of the same id, in one batch with others, are refused one by one.
    tally = Tally()
    other = b"Message-ID: <kept@example.org>\nSubject: y\n\nbody\n"
    import_mails(engine, iter([RawMail(raw, None, "a"), RawMail(other, None, "b")]), LIST, LIST, tally)
    assert (tally.imported, tally.removed, tally.quarantined) == (1, 1, 0)


def test_a_thread_whose_root_was_removed_keeps_working_links(db_url: str) -> None:
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    assert run_cli("remove", SEED_ROOT, "--reason", REASON, db=db_url).returncode == 0
    with serving(db_url) as url, httpx.Client(base_url=url) as http:
        listing = http.get(f"/{LIST}/").text
        thread_href = re.search(r'<li><a href="(/xen-devel/t/[^"]+)"', listing)
        assert thread_href is not None and SEED_ROOT not in thread_href.group(1)
        page = http.get(thread_href.group(1))
        assert page.status_code == 200 and f"removed: {REASON}" in page.text
        bar = re.search(r'<p class="dim thread-links">(.*?)</p>', page.text, re.S)
        assert bar is not None
        hrefs = re.findall(r'href="([^"]+)"', bar.group(1))
        assert len(hrefs) == 3  # by date, mbox, Atom
        for href in hrefs:
            assert http.get(href.replace("&amp;", "&")).status_code == 200, href
        assert http.get(str(thread_url(LIST, SEED_ROOT))).status_code == 410
        reply = http.get(str(message_url(SEED_EXPECTED["messages"][1]["message_id"]))).text
        mbox = re.search(r'<a href="([^"]+)">thread as mbox</a>', reply)
        assert mbox is not None and http.get(mbox.group(1)).status_code == 200
