"""public-inbox repositories made in tests the way public-inbox makes them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "listkeeper tests",
    "GIT_AUTHOR_EMAIL": "tests@listkeeper.invalid",
    "GIT_COMMITTER_NAME": "listkeeper tests",
    "GIT_COMMITTER_EMAIL": "tests@listkeeper.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",  # no user or system configuration
    "GIT_CONFIG_GLOBAL": os.devnull,
}
COMMIT_TIME = 1163432460  # Mon Nov 13 15:41:00 2006; one second more per commit


def git(repo: Path, *args: str, input: bytes | None = None, check: bool = True) -> str:
    result = subprocess.run(
        ["git", "--git-dir", str(repo), *args],
        input=input,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
        check=check,
    )
    return result.stdout.decode().strip()


def bare(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--bare")
    return path


def commit_files(repo: Path, changes: list[tuple[str, bytes | None]]) -> list[str]:
    """One commit per change, as public-inbox makes them (it uses fast-import too):
    (path, content) adds or replaces a file (a v2 commit holds only that file), content
    None deletes it. Returns the new commits, oldest first."""
    stream = []
    head = git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
    committer = "{GIT_COMMITTER_NAME} <{GIT_COMMITTER_EMAIL}>".format(**GIT_ENV).encode()
    for number, (path, content) in enumerate(changes, start=1):
        stream.append(b"commit refs/heads/master\nmark :%d\n" % number)
        stream.append(b"committer %s %d +0000\n" % (committer, COMMIT_TIME + number))
        stream.append(b"data 1\nm\n")
        if number == 1 and head:
            stream.append(b"from %s\n" % head.encode())
        if content is None:
            stream.append(b"D %s\n" % path.encode())
            continue
        if path in ("m", "d"):  # v2: the tree is this one file
            stream.append(b"deleteall\n")
        stream.append(b"M 100644 inline %s\n" % path.encode())
        stream.append(b"data %d\n%s\n" % (len(content), content))
    marks = repo / "marks"
    git(repo, "fast-import", "--quiet", f"--export-marks={marks}", input=b"".join(stream))
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    marks.unlink()
    return [by_mark[f":{n}"] for n in range(1, len(changes) + 1)]
