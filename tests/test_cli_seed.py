"""The seed thread end to end through the real command: import, thread, show."""

from __future__ import annotations

import json

from conftest import SEED_EXPECTED, SEED_MBOX, SEED_ROOT, run_cli

HEADER_THREADED = [m for m in SEED_EXPECTED["messages"] if m["threading_headers"] != "none"]


def test_import_twice_counts_duplicates(db_url: str) -> None:
    first = run_cli("import", str(SEED_MBOX), db=db_url)
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout.decode().strip().splitlines()[-1] == "imported 22, duplicates 0, quarantined 0"
    second = run_cli("import", str(SEED_MBOX), db=db_url)
    assert second.stdout.decode().strip().splitlines()[-1] == "imported 0, duplicates 22, quarantined 0"


def _thread(db: str, message_id: str) -> dict:
    result = run_cli("thread", message_id, "--json", db=db)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_thread_lists_all_messages_with_header_parents(seeded_db: str) -> None:
    thread = _thread(seeded_db, SEED_ROOT)
    assert thread["root"] == SEED_ROOT
    assert thread["subject"] == "[Xen-devel] CONFIG_XEN_COMPAT_030002 broken?"
    by_id = {m["message_id"]: m for m in thread["messages"]}
    assert set(by_id) == {m["message_id"] for m in SEED_EXPECTED["messages"]}
    assert len(HEADER_THREADED) == 17
    for expected in HEADER_THREADED:
        got = by_id[expected["message_id"]]
        assert got["parent"] == expected["parent"], expected["n"]
        if expected["parent"]:
            assert got["parent_found_by"] == expected["threading_headers"], expected["n"]


def test_thread_is_in_reply_order(seeded_db: str) -> None:
    messages = _thread(seeded_db, f"<{SEED_ROOT}>")["messages"]
    position = {m["message_id"]: i for i, m in enumerate(messages)}
    depth = {m["message_id"]: m["depth"] for m in messages}
    assert messages[0]["message_id"] == SEED_ROOT and messages[0]["depth"] == 0
    for m in messages[1:]:
        if m["parent"] in position:
            assert position[m["parent"]] < position[m["message_id"]]
            assert depth[m["message_id"]] == depth[m["parent"]] + 1
    first = messages[0]
    assert first["from"] == {"name": "Gerd Hoffmann", "addr": "kraxel@suse.de"}
    assert first["date"] == "2006-11-13T15:41:00Z"


def test_any_member_names_the_thread(seeded_db: str) -> None:
    last = SEED_EXPECTED["messages"][-1]["message_id"]
    assert _thread(seeded_db, last)["root"] == SEED_ROOT


def test_show_json_has_blocks_lists_and_attachments(seeded_db: str) -> None:
    result = run_cli("show", "4559DD44.5000003@suse.de", "--json", db=seeded_db)
    assert result.returncode == 0, result.stderr.decode()
    shown = json.loads(result.stdout)
    assert shown["lists"] == ["xen-devel"]
    assert shown["parent"] == "4559C8F9.76E4.0078.0@novell.com"
    assert shown["attachments"] == [
        {
            "filename": "xen-compat-page-user.diff",
            "content_type": "text/x-patch",
            "size": shown["attachments"][0]["size"],
            "is_patch": True,
        }
    ]
    assert shown["attachments"][0]["size"] > 900
    kinds = {block["kind"] for block in shown["blocks"]}
    assert {"attribution", "quote", "text", "signature", "footer", "patch"} <= kinds


def test_unknown_message_is_one_line_and_exit_1(seeded_db: str) -> None:
    result = run_cli("show", "<no-such@example.org>", db=seeded_db)
    assert result.returncode == 1
    assert result.stderr.decode() == "listkeeper: no message no-such@example.org\n"
    result = run_cli("thread", "no-such@example.org", "--json", db=seeded_db)
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr


def test_unreadable_source_is_one_line_and_exit_2(tmp_path) -> None:
    db = str(tmp_path / "a.sqlite3")
    missing = run_cli("import", str(tmp_path / "missing.mbox"), db=db)
    assert missing.returncode == 2
    assert missing.stderr.decode().count("\n") == 1 and b"not found" in missing.stderr
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01\x02 this is not mail\n" * 10)
    bad = run_cli("import", str(garbage), db=db)
    assert bad.returncode == 2, bad.stderr.decode()
    assert bad.stderr.decode().count("\n") == 1 and b"Traceback" not in bad.stderr


def test_bad_database_url_is_one_line(tmp_path) -> None:
    result = run_cli("show", "x@y", db=str(tmp_path / "no" / "such" / "dir.sqlite3"))
    assert result.returncode == 3
    assert result.stderr.decode().count("\n") == 1


def test_rethread_rebuilds_the_same_threads(db_url: str) -> None:
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    before = _thread(db_url, SEED_ROOT)
    result = run_cli("rethread", db=db_url)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "rethreaded 22 messages"
    assert _thread(db_url, SEED_ROOT) == before
    assert run_cli("rethread", "--list", "nope", db=db_url).returncode == 1
