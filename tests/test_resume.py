"""An import killed with SIGKILL at any point, then run again, ends in the
same state as one uninterrupted run (real subprocesses, real corpus)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

from sqlalchemy import select

from conftest import ROOT, SEED_MBOX, run_cli
from listkeeper.store.db import open_engine
from listkeeper.store.schema import list_messages, lists, messages, thread_nodes

SLICE = ROOT / "examples" / "virtualization-2019-first300.mbox.gz"
SOURCES = [str(SEED_MBOX), str(SLICE)]
KILLS = 3
QUERIES = ["virtio", "f:jbeulich", "dfn:pgtable.h", "s:vhost -f:mst", "q:PAGE_USER"]


def _state(db: str) -> dict:
    engine = open_engine(db)
    with engine.connect() as conn:
        stored = sorted(conn.execute(select(messages.c.sha256, messages.c.message_id, messages.c.canonical)).all())
        members = sorted(
            conn.execute(
                select(lists.c.name, messages.c.sha256)
                .join(list_messages, list_messages.c.list_id == lists.c.id)
                .join(messages, messages.c.id == list_messages.c.message_pk)
            ).all()
        )
        nodes = conn.execute(select(thread_nodes)).all()
    engine.dispose()
    threads: dict[int, set[str]] = {}
    for node in nodes:
        threads.setdefault(node.thread_id, set()).add(node.message_id)
    searches = {}
    for query in QUERIES:
        found = json.loads(run_cli("search", query, "--json", "--limit", "200", db=db).stdout)
        searches[query] = sorted(hit["message_id"] for hit in found["results"])
    return {
        "messages": [tuple(row) for row in stored],
        "lists": [tuple(row) for row in members],
        "parents": sorted((n.message_id, n.parent, n.parent_found_by, n.archived) for n in nodes),
        "threads": sorted(sorted(t) for t in threads.values()),
        "search": searches,
    }


def test_killed_imports_resume_to_the_same_state(db_url: str, tmp_path) -> None:
    reference = str(tmp_path / "reference.sqlite3")
    assert run_cli("import", *SOURCES, db=reference).returncode == 0
    rng = random.Random(20061113)
    for _ in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-m", "listkeeper", "--db", db_url, "import", *SOURCES],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        time.sleep(rng.uniform(0.5, 4.0))
        subprocess.run(["pkill", "-KILL", "-s", str(process.pid)], check=False)
        process.wait(timeout=30)
    finished = run_cli("import", *SOURCES, db=db_url)
    assert finished.returncode == 0, finished.stderr.decode()
    assert _state(db_url) == _state(reference)
