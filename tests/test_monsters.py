"""Monsters: each huge or pathological message is stored or quarantined within a
stated time and memory.

Each monster is built and imported (``import_mails``, in-process, no worker pool)
in a child process of its own, on SQLite (a few on PostgreSQL too), so its wall time and its RSS growth
(peak RSS during the import minus RSS before it, the message itself included) are
its own. A child that runs over its time bound is killed: the test fails instead
of hanging.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, throwaway_pg

MB = 1024 * 1024
# (wall seconds, RSS growth in MB) each monster must stay within.
BOUNDS = {
    "message_50mb": (30.0, 500),
    "mime_nesting_10000_deep": (10.0, 200),
    "references_100000": (15.0, 300),
    "subject_1mb": (10.0, 200),
    "nul_bytes_in_headers_and_body": (5.0, 100),
    "body_100000_lines": (15.0, 300),
    "attachments_10000": (20.0, 400),
    "from_header_100kb": (10.0, 200),
}
# Also run on PostgreSQL (which refuses NUL in text and long index rows); the
# others are about parsing, the same on both backends.
ON_POSTGRESQL = ["mime_nesting_10000_deep", "references_100000", "subject_1mb", "nul_bytes_in_headers_and_body"]
KILL_MARGIN_SECONDS = 5  # the child is killed this long after its time bound

# ------------------------------------------------------------- the monsters
HEAD = "From: Monster <monster@example.org>\nDate: Mon, 13 Nov 2006 15:41:00 +0000\n"


def message_50mb() -> bytes:
    line = b"[ 1234.567890] xen: event channel 42 bound to cpu 3, irq 17, domid 0x7ff0 ok\n"
    body = line * (50 * MB // len(line) + 1)
    return (HEAD + "Message-ID: <big@monster>\nSubject: 50 MB\n\n").encode() + body


def mime_nesting_10000_deep() -> bytes:
    depth = 10_000
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth))
    closing = "".join(f"\n--b{i}--\n" for i in reversed(range(depth)))
    return (HEAD + "Message-ID: <deep@monster>\nSubject: deep\n" + opening
            + "Content-Type: text/plain\n\ninnermost\n" + closing).encode()


def references_100000() -> bytes:
    refs = " ".join(f"<ref-{i}@monster>" for i in range(100_000))
    return (HEAD + f"Message-ID: <refs@monster>\nSubject: refs\nReferences: {refs}\n"
            f"In-Reply-To: <ref-99999@monster>\n\nbody\n").encode()


def subject_1mb() -> bytes:
    words = "<script>alert(1)</script> =?utf-8?q?caf=C3=A9?= lorem ipsum "
    subject = (words * (MB // len(words) + 1))[:MB]
    return (HEAD + f"Message-ID: <subject@monster>\nSubject: {subject}\n\nbody\n").encode()


def nul_bytes_in_headers_and_body() -> bytes:
    return (b"From: Nul\x00Name <nul\x00@example.org>\nMessage-ID: <nul\x00@monster>\n"
            b"Subject: a\x00b\x00\x00c\nReferences: <r\x00@x>\nList-Id: <n\x00l.example.org>\n"
            b"Content-Type: text/plain; charset=\"utf\x00-8\"\n\n" + b"body\x00with\x00nuls\n" * 10_000)


def body_100000_lines() -> bytes:
    lines = "".join(f"> line {i} of a quote, {'>' * (i % 7)} nested\n" for i in range(100_000))
    return (HEAD + "Message-ID: <lines@monster>\nSubject: lines\n\n" + lines).encode()


def attachments_10000() -> bytes:
    parts = "".join(
        f'--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; '
        f'filename="file-{i}.bin"\nContent-Transfer-Encoding: base64\n\nAAECAwQFBgcICQ==\n'
        for i in range(10_000)
    )
    return (HEAD + 'Message-ID: <attachments@monster>\nSubject: attachments\nMIME-Version: 1.0\n'
            'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
            "ten thousand attachments\n" + parts + "--b--\n").encode()


def from_header_100kb() -> bytes:
    """A From header of 100 KB without @ or <: one long display name."""
    return (f"From: {'x' * 100_000}\nMessage-ID: <from@monster>\nSubject: from\n\nbody\n").encode()


# ------------------------------------------------------------- the child
CHILD = """
import json, sys, time
sys.path.insert(0, {tests!r})
import test_monsters
from listkeeper.ingest import Tally, import_mails
from listkeeper.sources.raw import RawMail
from listkeeper.store.db import open_engine

def status_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024

engine = open_engine({db!r})
with engine.begin():
    pass
before = status_mb("VmRSS")
# Reset the peak (VmHWM) to now: what imports and set-up used before is not the monster's.
with open("/proc/self/clear_refs", "w") as clear_refs:
    clear_refs.write("5")
started = time.monotonic()
data = getattr(test_monsters, {name!r})()
tally = Tally()
import_mails(engine, iter([RawMail(data, None, {name!r})]), "monsters", "monsters", tally)
seconds = time.monotonic() - started
peak = status_mb("VmHWM")
print(json.dumps({{"seconds": seconds, "rss_growth_mb": peak - before, "size": len(data),
                  "imported": tally.imported, "quarantined": tally.quarantined,
                  "duplicates": tally.duplicates}}))
"""


@pytest.mark.parametrize("name", list(BOUNDS))
def test_monster_is_kept_in_bounded_time_and_memory(name: str, tmp_path: Path) -> None:
    _check(name, str(tmp_path / "monsters.sqlite3"))


@pytest.mark.parametrize("name", ON_POSTGRESQL)
def test_monster_is_kept_on_postgresql(name: str) -> None:
    for url in throwaway_pg():
        _check(name, url)


def _check(name: str, db: str) -> None:
    max_seconds, max_mb = BOUNDS[name]
    script = CHILD.format(tests=str(ROOT / "tests"), db=db, name=name)
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT,
                              timeout=max_seconds + KILL_MARGIN_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: not stored or quarantined within {max_seconds + KILL_MARGIN_SECONDS} s")
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    measured = json.loads(done.stdout)
    print(name, json.dumps(measured))
    assert measured["imported"] + measured["quarantined"] == 1, measured
    assert measured["seconds"] <= max_seconds, measured
    assert measured["rss_growth_mb"] <= max_mb, measured
