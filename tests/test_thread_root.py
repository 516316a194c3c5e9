"""A message page names its thread by the thread page's own URL id.

``message_view`` finds the root with one query when the thread has a single
readable root and falls back to the whole thread view otherwise; both paths
must agree with ``thread_view(...).url_id`` for every reader, including
threads whose root was never archived and threads whose root is private.
"""

from __future__ import annotations

from pathlib import Path

from conftest import SEED_MBOX, run_cli
from listkeeper.store import reader
from listkeeper.store.access import ANONYMOUS, OPERATOR, Viewer
from listkeeper.store.db import open_engine

PUBLIC, PRIVATE = "openlist", "closedlist"
GHOST = "never-archived.0@example.org"  # referenced, never stored
GHOST_REPLY = "ghost-reply.1@example.org"
GHOST_SECOND = "ghost-reply.2@example.org"
SECRET_ROOT = "secret-root.1@example.org"
OPEN_REPLY = "open-reply.2@example.org"


def _mail(message_id: str, date: str, subject: str, parent: str | None = None) -> str:
    threading = f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n" if parent else ""
    return (
        f"From a@example.org {date}\nFrom: A <a@example.org>\nDate: {date}\n"
        f"Subject: {subject}\nMessage-ID: <{message_id}>\n{threading}\nBody of {message_id}.\n\n"
    )


def _cli(db: str, *args: str) -> None:
    result = run_cli(*args, db=db)
    assert result.returncode == 0, result.stderr.decode()


def _build(db: str, folder: Path) -> None:
    public = folder / "open.mbox"
    public.write_text(
        _mail(GHOST_REPLY, "Mon, 01 Jan 2024 10:00:00 +0000", "Re: lost", GHOST)
        + _mail(GHOST_SECOND, "Tue, 02 Jan 2024 10:00:00 +0000", "Re: lost", GHOST)
        + _mail(OPEN_REPLY, "Thu, 04 Jan 2024 10:00:00 +0000", "Re: hidden", SECRET_ROOT)
    )
    private = folder / "closed.mbox"
    private.write_text(_mail(SECRET_ROOT, "Wed, 03 Jan 2024 10:00:00 +0000", "hidden"))
    _cli(db, "list", "create", PRIVATE, "--private")
    _cli(db, "import", str(public), "--list", PUBLIC)
    _cli(db, "import", str(private), "--list", PRIVATE)
    _cli(db, "import", str(SEED_MBOX), "--list", PUBLIC)


def _roots(db: str, viewer: Viewer) -> dict[str, tuple[str | None, str | None]]:
    """For each message the viewer may read: (the message page's root, the thread page's)."""
    found = {}
    with open_engine(db).connect() as conn:
        for summary in reader.latest_messages(conn, OPERATOR, PUBLIC, 1000):
            mid = summary.summary.message_id
            message = reader.message_view(conn, viewer, mid)
            thread = reader.thread_view(conn, viewer, mid)
            if message is not None and thread is not None:
                found[mid] = (message.thread_root, thread.url_id)
    return found


def test_message_pages_name_their_thread_as_thread_pages_do(db_url: str, tmp_path: Path) -> None:
    _build(db_url, tmp_path)
    for viewer in (OPERATOR, ANONYMOUS):
        roots = _roots(db_url, viewer)
        assert len(roots) >= 25  # the seed's 22 and the threads above
        assert {mid: pair[0] for mid, pair in roots.items()} == {
            mid: pair[1] for mid, pair in roots.items()
        }
        # A placeholder root names the thread by its first archived message.
        assert roots[GHOST_SECOND][0] == GHOST_REPLY
    # The private root names the thread only for a reader who may see it.
    assert _roots(db_url, OPERATOR)[OPEN_REPLY][0] == SECRET_ROOT
    assert _roots(db_url, ANONYMOUS)[OPEN_REPLY][0] == OPEN_REPLY
