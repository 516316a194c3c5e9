"""Importing a later fetch of a public-inbox imports only what is new."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SEED_MBOX, run_cli
from gitinbox import bare, commit_files
from listkeeper.sources import read_mbox


def _import(db: str, inbox: Path) -> dict[str, int]:
    result = run_cli("import", "--json", str(inbox), db=db)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_later_fetch_reads_only_new_commits(db_url: str, tmp_path: Path) -> None:
    seed = [mail.data for mail in read_mbox(SEED_MBOX)]
    inbox = tmp_path / "xen-devel"
    bare(inbox / "all.git")
    zero = bare(inbox / "git" / "0.git")
    commit_files(zero, [("m", data) for data in seed[:10]])

    assert _import(db_url, inbox)["imported"] == 10
    # Nothing fetched: nothing read (a full re-read would count 10 duplicates).
    assert _import(db_url, inbox) | {"seconds": 0} == {
        "imported": 0, "duplicates": 0, "quarantined": 0, "removed": 0, "seconds": 0
    }

    # A fetch brings new commits to the epoch and a new epoch.
    commit_files(zero, [("m", data) for data in seed[10:16]])
    one = bare(inbox / "git" / "1.git")
    commit_files(one, [("m", data) for data in seed[16:]])
    again = _import(db_url, inbox)
    assert (again["imported"], again["duplicates"]) == (12, 0)

    thread = run_cli("thread", "--json", "4558911E.2030904@suse.de", db=db_url)
    assert thread.returncode == 0, thread.stderr
    assert len(json.loads(thread.stdout)["messages"]) == 22


def test_the_same_messages_from_a_mbox_still_count_as_duplicates(db_url: str, tmp_path: Path) -> None:
    """Marks belong to the inbox they were taken from, not to the messages."""
    seed = [mail.data for mail in read_mbox(SEED_MBOX)]
    inbox = tmp_path / "xen-devel"
    commit_files(bare(inbox / "git" / "0.git"), [("m", data) for data in seed])
    assert _import(db_url, inbox)["imported"] == 22
    result = run_cli("import", "--json", str(SEED_MBOX), db=db_url)
    assert json.loads(result.stdout)["duplicates"] == 22
