"""Author pages find their sender by the handle in the URL (store.senders),
and list the sender's mail down its own index, on both databases."""

from __future__ import annotations

from pathlib import Path

from conftest import SEED_MBOX, downgrade, query_plan, run_cli, selects_of
from sqlalchemy import Connection, delete, func, select, update

from listkeeper.ingest import Tally, import_mails
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store import reader
from listkeeper.store.access import ANONYMOUS, OPERATOR
from listkeeper.store.db import open_engine
from listkeeper.store.prepare import bounded_address
from listkeeper.store.reindex import reindex
from listkeeper.store.schema import messages, senders
from listkeeper.store.senders import addresses_of, author_token
from listkeeper.store.takedown import remove

LIST = "xen-devel"


def _senders(conn: Connection) -> set[tuple[str, str]]:
    return {(row.token, row.addr) for row in conn.execute(select(senders))}


def _expected(conn: Connection) -> set[tuple[str, str]]:
    addrs = conn.execute(select(messages.c.from_addr).distinct()).scalars()
    return {(author_token(addr), addr) for addr in addrs}


def test_senders_follow_imports_reindex_and_upgrades(db_url: str) -> None:
    assert run_cli("import", str(SEED_MBOX), "--list", LIST, db=db_url).returncode == 0
    engine = open_engine(db_url)
    with engine.begin() as conn:
        stored = _senders(conn)
        assert stored == _expected(conn) and len(stored) >= 3
        assert addresses_of(conn, author_token("kraxel@suse.de")) == ["kraxel@suse.de"]
        assert addresses_of(conn, "0000000000000000") == []
        conn.execute(delete(senders))
        reindex(conn)
        assert _senders(conn) == stored
    downgrade(engine, "0009")
    engine.dispose()
    engine = open_engine(db_url)  # 0010 fills the table from the stored mail
    with engine.connect() as conn:
        assert _senders(conn) == stored
    engine.dispose()


def test_a_takedown_forgets_a_sender_with_no_mail_left(db_url: str) -> None:
    seed = list(open_source(SEED_MBOX))
    lone = seed[0].data.replace(b"From: ", b"From: Lone Sender <lone@example.org>\nX-Was-From: ", 1)
    lone = lone.replace(b"Message-ID: <", b"Message-ID: <lone.", 1)
    engine = open_engine(db_url)
    import_mails(engine, [*seed, RawMail(lone, None, "lone")], LIST, LIST, Tally())
    with engine.begin() as conn:
        assert addresses_of(conn, author_token("lone@example.org")) == ["lone@example.org"]
        by_lone = select(messages.c.message_id).where(messages.c.from_addr == "lone@example.org")
        remove(conn, conn.execute(by_lone).scalar_one(), "a test takedown", "tester")
        assert addresses_of(conn, author_token("lone@example.org")) == []
        by_gerd = select(messages.c.message_id).where(messages.c.from_addr == "kraxel@suse.de")
        remove(conn, conn.execute(by_gerd.limit(1)).scalar_one(), "a test takedown", "tester")
        assert addresses_of(conn, author_token("kraxel@suse.de")) == ["kraxel@suse.de"]
        assert _senders(conn) == _expected(conn)
    engine.dispose()


def test_upgrading_bounds_addresses_too_long_to_index(db_url: str) -> None:
    """PostgreSQL refuses b-tree entries over 2.7 KB: 0010 stores such an
    address as a hash of itself before indexing, as the importer now does."""
    assert run_cli("import", str(SEED_MBOX), "--list", LIST, db=db_url).returncode == 0
    hostile = "x" * 3000 + "@example.org"
    engine = open_engine(db_url)
    downgrade(engine, "0009")
    with engine.begin() as conn:
        first = conn.execute(select(func.min(messages.c.id))).scalar_one()
        conn.execute(update(messages).where(messages.c.id == first).values(from_addr=hostile))
    engine.dispose()
    engine = open_engine(db_url)
    with engine.connect() as conn:
        stored = conn.execute(
            select(messages.c.from_addr).where(messages.c.id == first)
        ).scalar_one()
        assert stored == bounded_address(hostile) != hostile
        assert addresses_of(conn, author_token(stored)) == [stored]
    engine.dispose()


def test_an_authors_mail_is_read_down_their_own_index(tmp_path: Path) -> None:
    path = str(tmp_path / "archive.sqlite3")
    assert run_cli("import", str(SEED_MBOX), "--list", LIST, db=path).returncode == 0
    engine = open_engine(path)
    with engine.connect() as conn:

        def gerds() -> list[reader.FeedEntry]:
            return reader.latest_messages(conn, ANONYMOUS, LIST, 50, from_addr="kraxel@suse.de")

        ((sql, params),) = selects_of(engine, gerds)
        entries = gerds()
        everything = reader.latest_messages(conn, OPERATOR, LIST, 50)
    plan = query_plan(engine, sql, params)
    engine.dispose()
    gerd = [e.summary for e in everything if e.summary.from_addr == "kraxel@suse.de"]
    assert [e.summary for e in entries] == gerd and len(gerd) >= 3
    assert "ix_messages_from_addr (from_addr=?)" in plan[0], plan
