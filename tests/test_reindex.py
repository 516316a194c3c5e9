"""Raw bytes are the truth: `reindex` rebuilds everything else identically."""

from __future__ import annotations

from sqlalchemy import text

from conftest import SEED_EXPECTED, SEED_MBOX, SEED_ROOT, run_cli
from listkeeper.search.run import search
from listkeeper.shapes import message_json, search_json, thread_json
from listkeeper.store import reader
from listkeeper.store.access import OPERATOR
from listkeeper.store.db import open_engine

QUERIES = [
    "xen_pt_switch", "dfn:pgtable.h", "f:jbeulich", 'q:"stop setting _PAGE_USER"',
    "sym:pda_init", "state:applied", "state:superseded",
]


def _snapshot(db: str) -> dict:
    """What `show --json`, `thread --json` and `search --json` print, read in-process."""
    engine = open_engine(db)
    with engine.connect() as conn:
        shows = {
            m["message_id"]: message_json(reader.message_view(conn, OPERATOR, m["message_id"]))
            for m in SEED_EXPECTED["messages"]
        }
        thread = thread_json(reader.thread_view(conn, OPERATOR, SEED_ROOT))
        searches = {q: search_json(search(conn, OPERATOR, q)) for q in QUERIES}
    engine.dispose()
    return {"shows": shows, "thread": thread, "searches": searches}


def test_reindex_rebuilds_identical_derived_data(db_url: str) -> None:
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    before = _snapshot(db_url)
    engine = open_engine(db_url)
    with engine.begin() as conn:  # damage everything derived
        conn.execute(text("UPDATE messages SET subject = 'damaged', from_name = 'x', refs = ''"))
        conn.execute(text("DELETE FROM thread_nodes"))
        conn.execute(text("DELETE FROM patches"))
    engine.dispose()
    result = run_cli("reindex", db=db_url)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "reindexed 22 messages"
    assert _snapshot(db_url) == before
