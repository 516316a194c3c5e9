"""Live delivery: a pipe from the MTA (`deliver`) and LMTP, on both databases."""

from __future__ import annotations

import contextlib
import email
import json
import random
import signal
import smtplib
import subprocess
import sys
import threading

from conftest import ROOT, SEED_MBOX, run_cli
from listkeeper.sources.detect import open_source
from webserver import free_port, wait_for_port

FIRST, SECOND = list(open_source(SEED_MBOX))[:2]
TEMPFAIL = 75


def _show(db: str, message_id: str) -> dict:
    result = run_cli("show", message_id, "--json", db=db)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_deliver_from_stdin_stores_and_threads(db_url: str) -> None:
    for mail in (SECOND, FIRST):  # the reply first: threading must still join them
        result = run_cli("deliver", "--list", "xen-devel", db=db_url, input=mail.data)
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout.decode().strip() == "imported 1, duplicates 0, quarantined 0"
    shown = _show(db_url, "455897A4.8060306@suse.de")
    assert shown["lists"] == ["xen-devel"] and shown["parent"] == "4558911E.2030904@suse.de"
    again = run_cli("deliver", "--list", "xen-devel", db=db_url, input=FIRST.data)
    assert again.stdout.decode().strip() == "imported 0, duplicates 1, quarantined 0"


def test_deliver_with_an_mbox_from_line(tmp_path) -> None:
    db = str(tmp_path / "a.sqlite3")
    data = b"From kraxel@suse.de  Mon Nov 13 15:41:00 2006\n" + FIRST.data
    assert run_cli("deliver", "--list", "xen-devel", db=db, input=data).returncode == 0
    raw = run_cli("show", "4558911E.2030904@suse.de", db=db)
    assert raw.returncode == 0


def test_deliver_asks_to_retry_when_the_database_is_down() -> None:
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    result = run_cli("deliver", "--list", "xen-devel", db=unreachable, input=FIRST.data)
    assert result.returncode == TEMPFAIL
    assert result.stderr.decode().startswith("listkeeper: database unavailable, try again")
    assert result.stderr.decode().count("\n") == 1


def test_lmtp_acknowledges_after_commit(db_url: str) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "listkeeper", "--db", db_url, "lmtp", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, server)
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.ehlo_or_helo_if_needed()
            client.mail("kraxel@suse.de")
            for rcpt in ("xen-devel@lists.example.org", "xen-archive@lists.example.org"):
                assert client.rcpt(rcpt)[0] == 250
            # RFC 2033: one reply per recipient after DATA.
            assert client.data(FIRST.data.replace(b"\n", b"\r\n"))[0] == 250
            assert client.getreply()[0] == 250
        # Acknowledged means committed: readable at once by another process.
        assert _show(db_url, "4558911E.2030904@suse.de")["lists"] == ["xen-archive", "xen-devel"]
        raw = run_cli("import", str(SEED_MBOX), db=db_url)
        # The LMTP copy is byte-identical to the mbox's.
        assert raw.stdout.decode().strip() == "imported 21, duplicates 1, quarantined 0"
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert server.returncode == 0, server.stderr.read().decode()


def test_sigkill_during_lmtp_loses_no_acknowledged_message(db_url: str) -> None:
    """A 250 after DATA is a promise: the server is killed (SIGKILL) while
    mail keeps coming, and every message it acknowledged must be stored."""
    mails = list(open_source(SEED_MBOX))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "listkeeper", "--db", db_url, "lmtp", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    acknowledged: list[str] = []
    try:
        wait_for_port(port, server)
        with contextlib.suppress(smtplib.SMTPException, OSError):
            with smtplib.LMTP("127.0.0.1", port) as client:
                client.ehlo_or_helo_if_needed()
                for number, mail in enumerate(mails):
                    if number == len(mails) // 3:  # mid-stream, while DATA is being handled
                        threading.Timer(random.uniform(0, 0.05), server.kill).start()
                    client.mail("sender@example.org")
                    client.rcpt("xen-devel@lists.example.org")
                    if client.data(mail.data.replace(b"\n", b"\r\n"))[0] == 250:
                        acknowledged.append(_message_id(mail.data))
    finally:
        server.kill()
        server.wait(timeout=10)
    assert server.returncode == -signal.SIGKILL
    assert len(mails) // 3 <= len(acknowledged) < len(mails)  # the kill did land mid-stream
    for message_id in acknowledged:
        assert run_cli("show", message_id, db=db_url).returncode == 0, message_id


def _message_id(data: bytes) -> str:
    return email.message_from_bytes(data)["Message-ID"].strip().strip("<>")
