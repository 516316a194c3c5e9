"""Downloads on a live server: a real git-send-email patch series comes back
as a thread mbox that `git am` applies, and attachments are never served as
something a browser would render."""

from __future__ import annotations

import gzip
import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import BACKENDS, CORPUS, throwaway_pg, run_cli
from listkeeper.sources.mbox import read_mbox_stream
from listkeeper.web.links import mbox_url, message_url
from webserver import serving

# Stephen Finucane's "[PATCH 0/2] A sample series", as git send-email sent it
# (patchwork's test data): a cover letter, then two patches replying to it.
SERIES = CORPUS / "torture-fixtures/patchwork/patchwork/tests/data/series/base-cover-letter.mbox"
SERIES_ROOT = "1473632524-8585-1-git-send-email-stephenfinucane@gmail.com"
PRE_IMAGE = {"test.txt": "Hello, world.\n"}  # blob f75ba05, the series' starting point
ATTACHED_ID = "attachments.1@listkeeper.test"
ATTACHMENTS_MBOX = f"""From someone@example.org Mon Jan  1 00:00:00 2024
From: Someone <someone@example.org>
To: test@lists.example.org
Subject: files
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <{ATTACHED_ID}>
List-Id: <pw.lists.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain

See the files.
--XX
Content-Type: text/html; name="page.html"
Content-Disposition: attachment; filename="page.html"

<script>alert(1)</script>
--XX
Content-Type: image/png; name="dot.png"
Content-Disposition: attachment; filename="dot.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--XX
Content-Type: text/x-diff; charset=utf-8; name="fix.diff"
Content-Disposition: attachment; filename="fix \\"quoted\\".diff"

--- a/x
+++ b/x
@@ -1 +1 @@
-a
+b
--XX--
""".encode()


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("downloads")
    (folder / "attachments.mbox").write_bytes(ATTACHMENTS_MBOX)
    urls = [str(folder / "archive.sqlite3")] if request.param == "sqlite" else throwaway_pg()
    for db in urls:
        for source, name in ((SERIES, "pw"), (folder / "attachments.mbox", "pw")):
            result = run_cli("import", "--list", name, str(source), db=db)
            assert result.returncode == 0, result.stderr.decode()
        with serving(db) as url:
            yield url


def _git(repo: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    identity = ["-c", "user.name=listkeeper test", "-c", "user.email=test@listkeeper.test"]
    return subprocess.run(
        ["git", *identity, *args],
        cwd=repo,
        input=input,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_git_am_applies_the_thread_mbox(server: str, tmp_path: Path) -> None:
    response = httpx.get(server + mbox_url(SERIES_ROOT))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    mbox = gzip.decompress(response.content)
    # Reply order, and each message's original bytes.
    with SERIES.open("rb") as source:
        originals = sorted(m.data for m in read_mbox_stream(source, "series"))
    served = [m.data for m in read_mbox_stream(io.BytesIO(mbox), "served")]
    subjects = [re.search(rb"^Subject: (.*)$", data, re.M).group(1) for data in served]
    assert subjects == [
        b"[PATCH 0/2] A sample series",
        b"[PATCH 1/2] test: Add some lorem ipsum",
        b"[PATCH 2/2] test: Convert to Markdown",
    ]
    assert sorted(served) == originals

    repo = tmp_path / "repo"
    repo.mkdir()
    assert _git(repo, "init", "-q").returncode == 0
    for name, text in PRE_IMAGE.items():
        (repo / name).write_text(text)
    assert _git(repo, "add", ".").returncode == 0
    assert _git(repo, "commit", "-q", "-m", "pre-image").returncode == 0
    applied = _git(repo, "am", "--empty=drop", input=mbox)  # the cover letter has no patch
    assert applied.returncode == 0, applied.stderr.decode() + applied.stdout.decode()
    log = _git(repo, "log", "--format=%s").stdout.decode().splitlines()
    assert log == ["test: Convert to Markdown", "test: Add some lorem ipsum", "pre-image"]
    assert not (repo / "test.txt").exists()
    assert (repo / "test.md").read_text().startswith("# Hello, world\n")


def _attachment_links(server: str) -> dict[str, str]:
    page = httpx.get(server + message_url(ATTACHED_ID)).text
    return {
        name: href
        for href, name in re.findall(
            r'<a class="attachment" href="([^"]+)" download>([^<]+)</a>', page
        )
    }


def test_html_and_binary_attachments_are_only_downloads(server: str) -> None:
    links = _attachment_links(server)
    for name in ("page.html", "dot.png"):
        response = httpx.get(server + links[name])
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"
        assert (
            response.headers["content-disposition"]
            == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
        )
        assert response.headers["x-content-type-options"] == "nosniff"
    assert (
        httpx.get(server + links["page.html"]).content == b"<script>alert(1)</script>"
    )  # the last line break belongs to the boundary
    assert httpx.get(server + links["dot.png"]).content == b"\x89PNG\r\n\x1a\n"


def test_diff_attachment_is_plain_text_inline(server: str) -> None:
    links = _attachment_links(server)
    (name,) = [n for n in links if n.endswith(".diff")]
    response = httpx.get(server + links[name])
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(
        "inline; filename=\"fix _quoted_.diff\"; filename*=UTF-8''fix%20%22quoted%22.diff"
    )
    assert response.text == "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b"
