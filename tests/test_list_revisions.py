"""A list's revision changes whenever its messages change, and only then.

Cache validators of list pages, feeds and search pages are made of it
(``reader.list_stamp``), so a missed bump would serve a stale page and an
extra one would only cost a render.
"""

from __future__ import annotations

from pathlib import Path

from conftest import SEED_MBOX, SEED_ROOT, downgrade, run_cli

from listkeeper.store import reader
from listkeeper.store.access import ANONYMOUS, OPERATOR
from listkeeper.store.db import open_engine

SEED_LIST = "xen-devel"
OTHER_LIST = "xen-users"


def _stamps(db: str) -> dict[str | None, reader.Stamp]:
    engine = open_engine(db)
    with engine.connect() as conn:
        stamps = {
            name: reader.list_stamp(conn, ANONYMOUS, name) for name in (SEED_LIST, OTHER_LIST, None)
        }
    engine.dispose()
    return stamps


def _cli(db: str, *args: str) -> None:
    result = run_cli(*args, db=db)
    assert result.returncode == 0, result.stderr.decode()


def test_revisions_follow_imports_cross_posts_and_removals(db_url: str, tmp_path: Path) -> None:
    _cli(db_url, "import", str(SEED_MBOX), "--list", SEED_LIST)
    _cli(db_url, "list", "create", OTHER_LIST)
    first = _stamps(db_url)
    assert first[SEED_LIST].changed_at is not None and first[OTHER_LIST].changed_at is None

    _cli(db_url, "import", str(SEED_MBOX), "--list", SEED_LIST)  # nothing new
    assert _stamps(db_url) == first

    # The same messages into a second list: new memberships, no new message rows.
    _cli(db_url, "import", str(SEED_MBOX), "--list", OTHER_LIST)
    crossed = _stamps(db_url)
    assert crossed[SEED_LIST] == first[SEED_LIST]
    assert crossed[OTHER_LIST].revision != first[OTHER_LIST].revision
    assert crossed[None].revision != first[None].revision

    _cli(db_url, "remove", SEED_ROOT, "--reason", "test")
    removed = _stamps(db_url)
    assert removed[SEED_LIST].revision != crossed[SEED_LIST].revision
    assert removed[OTHER_LIST].revision != crossed[OTHER_LIST].revision
    assert removed[SEED_LIST].changed_at >= crossed[SEED_LIST].changed_at  # type: ignore[operator]


def test_upgrade_starts_each_list_at_its_message_count(db_url: str) -> None:
    _cli(db_url, "import", str(SEED_MBOX), "--list", SEED_LIST)
    engine = open_engine(db_url)
    downgrade(engine, "0005")
    engine.dispose()
    engine = open_engine(db_url)  # upgrades again
    with engine.connect() as conn:
        stamp = reader.list_stamp(conn, OPERATOR, SEED_LIST)
        newest = reader.latest_messages(conn, OPERATOR, SEED_LIST, 1000)
    engine.dispose()
    assert stamp.revision == len(newest) == 22
    assert stamp.changed_at == max(entry.received_at for entry in newest)
