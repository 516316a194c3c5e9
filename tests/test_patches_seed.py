"""The patch model on the seed thread, on SQLite and PostgreSQL: messages 14
and 19 are versions 1 and 2 of one patch, and message 20 applied version 2
as changeset 12404:bb76a76985fe."""

from __future__ import annotations

import httpx
from conftest import SEED_MBOX, downgrade, run_cli
from sqlalchemy import text
from webserver import serving

from listkeeper.patches.reader import patch_of, series_versions
from listkeeper.search.run import search
from listkeeper.store.access import OPERATOR
from listkeeper.store.db import open_engine

V1 = "4559DD44.5000003@suse.de"
V2 = "4559E9B1.8000404@suse.de"
APPLIER = "C183A7B3.4E8F%keir@xensource.com"


def test_attached_revisions_are_versions_and_the_reply_applies_v2(seeded_db: str) -> None:
    engine = open_engine(seeded_db)
    with engine.connect() as conn:
        first, second = patch_of(conn, OPERATOR, V1), patch_of(conn, OPERATOR, f"<{V2}>")
        assert first is not None and second is not None
        assert first.series_key == second.series_key
        assert (first.version, first.state) == (1, "superseded")
        assert (second.version, second.state) == (2, "applied")
        assert (second.state_by, second.state_ref) == (APPLIER, "12404:bb76a76985fe")
        assert first.title == "CONFIG_XEN_COMPAT_030002 broken?"
        versions = series_versions(conn, OPERATOR, first.series_key)
        assert [(v.number, [p.message_id for p in v.patches], v.state) for v in versions] == [
            (1, [V1], "superseded"),
            (2, [V2], "applied"),
        ]
        assert patch_of(conn, OPERATOR, APPLIER) is None  # a reply that only talks is no patch
    engine.dispose()


def test_upgrading_an_archive_from_0003_fills_the_new_fields(db_url: str) -> None:
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    engine = open_engine(db_url)
    downgrade(engine, "0003")
    engine.dispose()
    engine = open_engine(db_url)  # migrates to head again: 0004 refills from stored anatomy
    with engine.connect() as conn:
        assert [h.message_id for h in search(conn, OPERATOR, "sym:xen_pt_switch").hits] == ["4558911E.2030904@suse.de"]
        assert {h.message_id for h in search(conn, OPERATOR, "dfa:pmd_bad OR state:superseded").hits} == {V1, V2}
        assert conn.execute(text("SELECT count(*) FROM patches")).scalar() == 2
    engine.dispose()


def test_set_repo_checks_its_input(db_url: str) -> None:
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    good = run_cli("patches", "set-repo", "xen-devel", "--commit-url", "https://xenbits.xen.org/hg/rev/{id}", db=db_url)
    assert good.returncode == 0, good.stderr.decode()
    missing = run_cli("patches", "set-repo", "nope", "--commit-url", "https://x.org/{id}", db=db_url)
    assert (missing.returncode, missing.stderr.decode()) == (1, "listkeeper: no list named 'nope'\n")
    bad = run_cli("patches", "set-repo", "xen-devel", "--commit-url", "https://x.org/rev", db=db_url)
    assert bad.returncode == 2
    assert bad.stderr.decode() == "listkeeper: 'https://x.org/rev' must hold {id} exactly once\n"
    listed = run_cli("patches", "list", "xen-devel", "--state", "applied", db=db_url)
    assert listed.stdout.decode().split()[1:4] == ["v2", "1/1", "applied"]


def test_pages_show_state_versions_and_changeset_link(db_url: str) -> None:
    assert run_cli("import", str(SEED_MBOX), db=db_url).returncode == 0
    template = "https://xenbits.xen.org/hg/xen-unstable.hg/rev/{id}"
    assert run_cli("patches", "set-repo", "xen-devel", "--commit-url", template, db=db_url).returncode == 0
    with serving(db_url) as url, httpx.Client(base_url=url) as http:
        series = http.get(f"/xen-devel/s/{V1}/")
        assert series.status_code == 200
        assert 'href="https://xenbits.xen.org/hg/xen-unstable.hg/rev/12404:bb76a76985fe"' in series.text
        assert series.text.index("Version 2") < series.text.index("Version 1")
        assert "Changes from version 1 to version 2" in series.text and "pmd_bad" in series.text
        message = http.get(f"/m/{V2}/").text
        assert "Patch, version 2" in message and f'href="/p/{V2}.mbox"' in message
        listed = http.get("/xen-devel/patches/", params={"state": "superseded"}).text
        assert f'href="/xen-devel/s/{V1}/"' in listed and f'href="/xen-devel/s/{V2}/"' not in listed
        assert http.get("/xen-devel/patches/", params={"state": "merged"}).status_code == 400
        assert http.get(f"/p/{APPLIER}.mbox").status_code == 404
        missing = http.get(f"/api/patches/{APPLIER}")
        assert missing.status_code == 404 and "posts no patch" in missing.json()["error"]["reason"]
        am = http.get(f"/p/{V1}.mbox").text
        assert am.startswith("From git@z ") and "pmd_bad" in am  # the latest version, v2
        assert "Subject: [PATCH v2 1/1] CONFIG_XEN_COMPAT_030002 broken?" in am


def test_a_later_import_updates_versions_and_state(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """v1 arrives alone (open), then v2 and the reply applying it: the
    incremental pass after the second import supersedes v1."""
    messages = SEED_MBOX.read_bytes().split(b"\nFrom ")
    first, rest = messages[:16], messages[16:]
    (tmp_path / "a.mbox").write_bytes(b"\nFrom ".join(first) + b"\n")
    (tmp_path / "b.mbox").write_bytes(b"From " + b"\nFrom ".join(rest))
    assert run_cli("import", "--list", "xen-devel", str(tmp_path / "a.mbox"), db=db_url).returncode == 0
    engine = open_engine(db_url)
    with engine.connect() as conn:
        assert patch_of(conn, OPERATOR, V1).state == "open" and patch_of(conn, OPERATOR, V2) is None
    assert run_cli("import", "--list", "xen-devel", str(tmp_path / "b.mbox"), db=db_url).returncode == 0
    with engine.connect() as conn:
        assert (patch_of(conn, OPERATOR, V1).version, patch_of(conn, OPERATOR, V1).state) == (1, "superseded")
        assert (patch_of(conn, OPERATOR, V2).version, patch_of(conn, OPERATOR, V2).state, patch_of(conn, OPERATOR, V2).state_ref) == (
            2, "applied", "12404:bb76a76985fe",
        )
    engine.dispose()
