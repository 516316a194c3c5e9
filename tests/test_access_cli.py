"""The access commands through the real CLI, on both backends: lists and
their privacy, users, grants, tokens, and their one-line errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from conftest import run_cli
from listkeeper.errors import EXIT_INVALID, EXIT_NOT_FOUND
from listkeeper.store.db import open_engine
from listkeeper.store.schema import api_tokens, grants, users
from private_archive import PRIVATE_LIST, PRIVATE_ROOT, PRIVATE_ROOT_MAIL, PUBLIC_MAIL


def _ok(db: str, *args: str, input: bytes | None = None) -> str:
    result = run_cli(*args, db=db, input=input)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def _fails(db: str, code: int, *args: str, input: bytes | None = None) -> str:
    """The command's one stderr line, after checking its exit code."""
    result = run_cli(*args, db=db, input=input)
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("listkeeper: "), lines
    return lines[0]


def test_list_create_sets_and_clears_privacy_and_import_keeps_it(
    db_url: str, tmp_path: Path
) -> None:
    assert (
        _ok(db_url, "list", "create", PRIVATE_LIST, "--private")
        == f"created private list {PRIVATE_LIST}\n"
    )
    mbox = tmp_path / "private.mbox"
    mbox.write_text(PRIVATE_ROOT_MAIL)
    _ok(db_url, "import", str(mbox), "--list", PRIVATE_LIST)
    public = tmp_path / "public.mbox"
    public.write_text(PUBLIC_MAIL)
    _ok(db_url, "import", str(public), "--list", "publist")
    assert _ok(db_url, "list", "ls") == f"{PRIVATE_LIST}\tprivate\t1\npublist\tpublic\t1\n"
    assert _ok(db_url, "list", "create", PRIVATE_LIST) == f"list {PRIVATE_LIST} is now public\n"
    assert _ok(db_url, "list", "ls").startswith(f"{PRIVATE_LIST}\tpublic\t1\n")
    _ok(db_url, "list", "create", PRIVATE_LIST, "--private")
    _ok(db_url, "import", str(mbox), "--list", PRIVATE_LIST)  # a re-import never makes it public
    assert _ok(db_url, "list", "ls").startswith(f"{PRIVATE_LIST}\tprivate\t1\n")
    # the operator's own commands see private mail
    assert "Quarkmelon" in _ok(db_url, "show", PRIVATE_ROOT)
    assert PRIVATE_ROOT in _ok(db_url, "search", "quarkmelon")
    assert "reserved" in _fails(db_url, EXIT_INVALID, "list", "create", "api")
    assert "must not contain" in _fails(db_url, EXIT_INVALID, "list", "create", "a/b")


def test_users_grants_and_tokens(db_url: str) -> None:
    _ok(db_url, "list", "create", PRIVATE_LIST, "--private")
    assert (
        _ok(db_url, "user", "add", "alice", "--password-stdin", input=b"s3cret pass\n")
        == "added user alice\n"
    )
    assert _fails(
        db_url, EXIT_INVALID, "user", "add", "alice", "--password-stdin", input=b"x\n"
    ) == ("listkeeper: user alice exists")
    assert "empty" in _fails(
        db_url, EXIT_INVALID, "user", "add", "bob", "--password-stdin", input=b"\n"
    )
    assert (
        _fails(db_url, EXIT_NOT_FOUND, "grant", "alice", "nolist") == "listkeeper: no list nolist"
    )
    assert _fails(db_url, EXIT_NOT_FOUND, "grant", "zed", PRIVATE_LIST) == "listkeeper: no user zed"
    assert (
        _fails(db_url, EXIT_NOT_FOUND, "revoke", "alice", "nolist") == "listkeeper: no list nolist"
    )
    assert _fails(db_url, EXIT_NOT_FOUND, "token", "create", "zed") == "listkeeper: no user zed"
    _ok(db_url, "grant", "alice", PRIVATE_LIST)
    _ok(db_url, "grant", "alice", PRIVATE_LIST)  # granting twice is one grant
    token = _ok(db_url, "token", "create", "alice", "--label", "ci").strip()
    assert token.startswith("lk_") and len(token) > 40
    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            assert len(conn.execute(select(grants)).all()) == 1
            stored = conn.execute(select(api_tokens.c.token_sha256, api_tokens.c.label)).one()
            assert stored == (hashlib.sha256(token.encode()).hexdigest(), "ci")
            password_hash = conn.execute(select(users.c.password_hash)).scalar_one()
            assert password_hash.startswith("$argon2") and "s3cret" not in password_hash
        _ok(db_url, "revoke", "alice", PRIVATE_LIST)
        with engine.connect() as conn:
            assert conn.execute(select(grants)).all() == []
    finally:
        engine.dispose()
    assert _ok(db_url, "token", "create", "alice").strip() != token
