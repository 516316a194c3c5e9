"""A real series made by `git format-patch` (v1, then v2 in a new thread),
reviewed and applied on the list, imported, served, and the served
/p/<id>.mbox applied with real `git am`, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx

from conftest import run_cli
from webserver import serving

AUTHOR = "Ann Author <ann@example.org>"
REVIEWER = "Rita Reviewer <rita@example.org>"
MAINTAINER = "Max Maintainer <max@example.org>"
TITLE = "lib: add a() and b()"
COMMITS = ("8c4f1e2d9b7a6c5d", "0b1c2d3e4f5a6b7c")
_MESSAGE_ID = re.compile(r"^Message-I[dD]: <([^>]+)>", re.M)


def _git(repo: Path, *args: str, date: str = "2026-01-01T10:00:00Z") -> str:
    env = {
        **os.environ, "GIT_AUTHOR_NAME": "Ann Author", "GIT_AUTHOR_EMAIL": "ann@example.org",
        "GIT_COMMITTER_NAME": "Ann Author", "GIT_COMMITTER_EMAIL": "ann@example.org",
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "HOME": str(repo.parent),
    }
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _commit(repo: Path, name: str, text: str, message: str, date: str) -> None:
    (repo / name).write_text(text)
    _git(repo, "add", name)
    _git(repo, "commit", "-q", "-m", message, "-m", f"Signed-off-by: {AUTHOR}", date=date)


def _posting(repo: Path, version: int) -> list[str]:
    """format-patch's mails of this version, the cover letter given a title."""
    out = repo.parent / f"v{version}"
    _git(repo, "format-patch", "-q", "--cover-letter", "--thread", f"-v{version}", "-o", str(out), "base")
    # Message-IDs hold the commit and the second: make each version's its own.
    mails = [p.read_text().replace(".git.ann@", f".v{version}.git.ann@") for p in sorted(out.iterdir())]
    mails[0] = mails[0].replace("*** SUBJECT HERE ***", TITLE).replace("*** BLURB HERE ***", "Two helpers.")
    return mails


def _reply(to: str, sender: str, date: str, subject: str, text: str, number: int) -> str:
    return (
        f"From {sender.split('<')[1][:-1]} Thu Jan  1 00:00:00 2026\nFrom: {sender}\n"
        f"Date: {date}\nSubject: Re: {subject}\nMessage-ID: <reply{number}@example.org>\n"
        f"In-Reply-To: <{to}>\nReferences: <{to}>\n\n{text}"
    )


def _series_mbox(tmp: Path) -> tuple[Path, Path, dict[str, str]]:
    """The list's mbox, the repo at v2, and the Message-IDs by role."""
    repo = tmp / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, "README", "base\n", "base", "2026-01-01T10:00:00Z")
    _git(repo, "tag", "base")
    _commit(repo, "a.c", "int a(void) { return 1; }\n", "lib: add a()\n\nA helper.", "2026-01-02T10:00:00Z")
    _commit(repo, "b.c", "int b(void) { return 2; }\n", "lib: add b()", "2026-01-02T10:01:00Z")
    v1 = _posting(repo, 1)
    _git(repo, "reset", "-q", "--hard", "HEAD~1")
    _commit(repo, "b.c", "int b(void) { return 3; }\n", "lib: add b()", "2026-01-05T10:00:00Z")
    v2 = _posting(repo, 2)
    ids = {
        "v1_cover": _MESSAGE_ID.search(v1[0])[1], "v1_2": _MESSAGE_ID.search(v1[2])[1],
        "v2_cover": _MESSAGE_ID.search(v2[0])[1], "v2_1": _MESSAGE_ID.search(v2[1])[1],
        "v2_2": _MESSAGE_ID.search(v2[2])[1],
    }
    replies = [
        _reply(ids["v1_2"], REVIEWER, "Sat, 3 Jan 2026 09:00:00 +0000", "[PATCH v1 2/2] lib: add b()", "> int b\n\nShould return 3.\n", 1),
        _reply(ids["v2_1"], REVIEWER, "Tue, 6 Jan 2026 09:00:00 +0000", "[PATCH v2 1/2] lib: add a()", f"Reviewed-by: {REVIEWER}\n", 2),
        _reply(ids["v2_cover"], "Tim Tester <tim@example.org>", "Tue, 6 Jan 2026 10:00:00 +0000", TITLE, "Works here.\n\nTested-by: Tim Tester <tim@example.org>\n", 3),
        _reply(ids["v2_cover"], MAINTAINER, "Wed, 7 Jan 2026 09:00:00 +0000", TITLE, "Applied to lib-next, thanks!\n\n"
               f"[1/2] lib: add a()\n      commit: {COMMITS[0]}\n[2/2] lib: add b()\n      commit: {COMMITS[1]}\n", 4),
    ]
    mbox = tmp / "lib.mbox"
    mbox.write_text("\n".join(v1 + v2 + replies))
    return mbox, repo, ids


def test_series_versions_trailers_and_git_am(db_url: str, tmp_path: Path) -> None:
    mbox, repo, ids = _series_mbox(tmp_path)
    imported = run_cli("import", "--list", "lib", str(mbox), db=db_url)
    assert imported.returncode == 0, imported.stderr.decode()
    with serving(db_url) as url, httpx.Client(base_url=url) as http:
        series = http.get(f"/api/patches/{ids['v1_2']}").json()
        assert [(v["version"], v["state"]) for v in series["versions"]] == [(1, "superseded"), (2, "applied")]
        assert series["title"] == TITLE and series["versions"][1]["applied_in"] == "reply4@example.org"
        cover, first, second = series["versions"][1]["patches"]
        assert (first["ref"], second["ref"]) == COMMITS  # each patch its own commit
        assert cover["position"] == 0 and cover["state"] == "applied"
        assert first["message_id"] == ids["v2_1"]
        assert sorted(t["name"] for t in first["trailers"]) == ["Reviewed-by", "Tested-by"]
        page = http.get(f"/lib/s/{ids['v2_2']}/")
        assert page.status_code == 200
        assert "Changes from version 1 to version 2" in page.text and "return 3" in page.text
        applied = http.get("/lib/patches/?state=applied").text
        assert applied.count('class="state applied"') == 3  # cover letter and both patches
        am = http.get(f"/p/{ids['v1_cover']}.mbox")  # any version's id gives the latest
        assert am.status_code == 200 and am.headers["content-type"].startswith("application/mbox")
    (tmp_path / "series.mbox").write_bytes(am.content)
    _git(repo, "checkout", "-q", "-b", "applied", "base")
    _git(repo, "am", "-q", str(tmp_path / "series.mbox"))
    assert _git(repo, "diff", "master", "applied") == ""  # the same tree as v2
    log = _git(repo, "log", "--format=%s%n%b%n--", "base..applied")
    assert log.count("Tested-by: Tim Tester <tim@example.org>") == 2
    assert log.count(f"Reviewed-by: {REVIEWER}") == 1
    assert log.count(f"Signed-off-by: {AUTHOR}") == 2
    assert "lib: add a()" in log and "A helper." in log
