"""Threads must not depend on the order mail arrives in (issue [3/9]).

Real mail: the seed thread (five GroupWise replies without any threading
header) and notmuch's LKML corpus (210 messages in long threads), imported in
file order, reversed, and in random orders.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import CORPUS, SEED_EXPECTED, SEED_MBOX
from listkeeper.mail.parse import parse_message
from listkeeper.ingest import Tally, import_mails, repair_threads
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store.db import open_engine
from listkeeper.store.schema import thread_nodes

LKML = CORPUS / "torture-fixtures" / "notmuch" / "test" / "corpora" / "lkml"
MAILS: list[RawMail] = [*open_source(SEED_MBOX), *open_source(LKML)]
BATCH_ORDERS = 4  # random orders hypothesis tries
_databases = itertools.count()
ARRIVAL = datetime(2020, 1, 1, tzinfo=timezone.utc)


def _structure(db: str, mails: list[RawMail]) -> tuple[dict, frozenset]:
    """Each archived message's parent and how it was found, and the threads as sets."""
    engine = open_engine(db)
    tally = Tally()
    import_mails(engine, iter(mails), "lkml", "lkml", tally)
    repair_threads(engine, tally.lists_touched)
    with engine.connect() as conn:
        rows = conn.execute(select(thread_nodes).where(thread_nodes.c.archived)).all()
    engine.dispose()
    parents = {r.message_id: (r.parent, r.parent_found_by) for r in rows}
    threads: dict[int, set[str]] = {}
    for row in rows:
        threads.setdefault(row.thread_id, set()).add(row.message_id)
    return parents, frozenset(frozenset(members) for members in threads.values())


def _fresh_sqlite(tmp: Path) -> str:
    return str(tmp / f"order-{next(_databases)}.sqlite3")


def test_seed_threads_fully_including_groupwise(tmp_path: Path) -> None:
    parents, threads = _structure(_fresh_sqlite(tmp_path), list(open_source(SEED_MBOX)))
    assert len(threads) == 1
    for message in SEED_EXPECTED["messages"]:
        assert parents[message["message_id"]][0] == message["parent"], message["n"]
    groupwise = [m for m in SEED_EXPECTED["messages"] if m["threading_headers"] == "none"]
    assert {parents[m["message_id"]][1] for m in groupwise} <= {"quote", "attribution"}


def test_reversed_order_and_other_backend_agree(db_url: str, tmp_path: Path) -> None:
    in_order = _structure(_fresh_sqlite(tmp_path), MAILS)
    assert _structure(db_url, list(reversed(MAILS))) == in_order
    distinct = {parse_message(m.data, m.envelope, ARRIVAL).message_id for m in MAILS}
    assert set(in_order[0]) == distinct


@settings(max_examples=BATCH_ORDERS, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_random_orders_agree(tmp_path: Path, order: random.Random) -> None:
    shuffled = list(MAILS)
    order.shuffle(shuffled)
    assert _structure(_fresh_sqlite(tmp_path), shuffled) == _structure(_fresh_sqlite(tmp_path), MAILS)
