"""public-inbox archives (as cloned from lore.kernel.org), read with git.

An inbox is one or more *epochs*, each a bare git repository with one commit per
message:

* v2: ``<inbox>/git/0.git``, ``git/1.git``... (``all.git`` only lends its objects to
  them and is not read). Each commit's tree holds one file, ``m``, the raw message. A
  commit that removed a message (``public-inbox-learn rm``, ``-purge``) holds ``d``
  instead and is skipped: it brings nothing new, and what to do about a removal is not
  a source's decision.
* v1: one bare repository whose commits add a file named after a hash of the
  Message-ID (``xx/yyyy...``); a removal deletes the file and adds nothing.
* One epoch given on its own (``git clone --mirror https://lore.kernel.org/list/0``)
  is read as a repository of its own, as v1 is.

So a message is a blob that a commit adds or changes, at any path but ``d``, byte for
byte; its origin is ``"<epoch-path>:<commit>"`` and it has no envelope. (A commit
whose tree did not change, the same bytes committed twice, gives nothing new.) Epochs
are read in number order, commits oldest first. Per epoch three git processes run,
however many messages there are: ``rev-list --reverse`` feeds ``diff-tree --stdin``
(what each commit added) and one ``cat-file --batch`` hands over the blobs, a few
hundred asked ahead; memory holds one message.

Incremental import: ``heads(path)`` gives each epoch's newest commit, keyed by the
epoch's path relative to the inbox (``"git/0.git"``; ``"."`` for a lone repository).
A caller that keeps those marks once an import is done and passes them back as
``since`` reads only the commits made after them::

    marks = heads(path)  # before reading: what is fetched meanwhile comes again next time
    for mail in read_public_inbox(path, since=saved_marks): ...
    save(marks)  # once every message is stored

A mark the repository does not have (a fresh clone) makes that epoch be read whole
again; after a purge rewrote history, the rewritten commits are read again. Reading
again what was imported is harmless (the store knows a message by its sha256), so
marks only save time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from listkeeper.sources.raw import RawMail, SourceError

V2_EPOCHS = "git"  # the folder of a v2 inbox that holds its epochs, 0.git, 1.git...
EPOCH_SUFFIX = ".git"
LONE_REPOSITORY = "."  # the epoch name of a repository read on its own
BARE_REPOSITORY_ENTRIES = ("HEAD", "objects", "refs")
DELETION = b"d"  # the file a v2 removal commit holds instead of "m"
ADDED_OR_CHANGED = (b"A", b"M")  # diff-tree statuses that bring a blob in
REGULAR_FILE_MODES = (b"100644", b"100755")
# What each commit (read from stdin) added: recursing into v1's xx/ folders, the root
# commit against nothing, renames as a removal and an addition.
DIFF_TREE = ("diff-tree", "--stdin", "-r", "--root", "--no-renames")
# Blobs asked of cat-file before the first is read, so that git unpacks while we work.
# Their names (41-65 bytes each) stay far below a pipe's 64 KiB: asking never blocks,
# whatever cat-file is doing, so the two processes cannot wait on each other.
ASKED_AHEAD = 256
SHOWN_ERROR_SIZE = 200  # of git's error output, in a SourceError


def is_public_inbox(path: Path) -> bool:
    """Whether the directory ``path`` is a public-inbox v2 inbox or a bare git repository."""
    return bool(_v2_epochs(path)) or _is_bare_repository(path)


def read_public_inbox(path: Path, since: Mapping[str, str] | None = None) -> Iterator[RawMail]:
    """The messages of the inbox or repository at ``path`` in commit order; with
    ``since`` (epoch name -> commit, as ``heads`` gives), only those committed after."""
    _require_git(path)
    for name, epoch in _epochs(path):
        yield from _read_epoch(epoch, (since or {}).get(name))


def heads(path: Path) -> dict[str, str]:
    """The newest commit of each epoch of the inbox at ``path`` (epochs without commits
    are left out), keyed by the epoch's path relative to ``path``."""
    _require_git(path)
    marks: dict[str, str] = {}
    for name, epoch in _epochs(path):
        head = _head(epoch)
        if head is not None:
            marks[name] = head
    return marks


def list_name_of(path: Path) -> str:
    """The list an inbox is of: its directory's name (``lkml`` for ``lkml/git/0.git``)."""
    path = path.resolve()
    if path.parent.name == V2_EPOCHS and path.name.endswith(EPOCH_SUFFIX):
        return path.parent.parent.name
    return path.name.removesuffix(EPOCH_SUFFIX)


def _epochs(path: Path) -> list[tuple[str, Path]]:
    v2 = _v2_epochs(path)
    if v2:
        return [(f"{V2_EPOCHS}/{epoch.name}", epoch) for epoch in v2]
    if _is_bare_repository(path):
        return [(LONE_REPOSITORY, path)]
    raise SourceError(
        f"{path}: not a public-inbox archive: no {V2_EPOCHS}/N.git, not a bare git repository"
    )


def _v2_epochs(path: Path) -> list[Path]:
    """The epochs of a v2 inbox in number order (0.git, 1.git, ... 10.git)."""
    folder = path / V2_EPOCHS
    if not folder.is_dir():
        return []
    epochs = [
        entry
        for entry in folder.iterdir()
        if entry.name.removesuffix(EPOCH_SUFFIX).isdigit()
        and entry.name.endswith(EPOCH_SUFFIX)
        and _is_bare_repository(entry)
    ]
    return sorted(epochs, key=lambda entry: int(entry.name.removesuffix(EPOCH_SUFFIX)))


def _is_bare_repository(path: Path) -> bool:
    return all((path / entry).exists() for entry in BARE_REPOSITORY_ENTRIES)


def _read_epoch(epoch: Path, since: str | None) -> Iterator[RawMail]:
    head = _head(epoch)
    if head is None:
        return
    revisions = [head]
    last = _commit(epoch, since) if since is not None else None
    if last is not None:
        revisions.append(f"^{last}")
    with ExitStack() as stack:
        errors = stack.enter_context(tempfile.TemporaryFile())
        rev_list = _start(stack, epoch, errors, "rev-list", "--reverse", *revisions)
        diff_tree = _start(stack, epoch, errors, *DIFF_TREE, stdin=rev_list.stdout)
        assert rev_list.stdout is not None
        rev_list.stdout.close()  # diff-tree holds it now; rev-list sees it if that one dies
        cat_file = _start(stack, epoch, errors, "cat-file", "--batch", stdin=subprocess.PIPE)
        commit = ""
        asked: deque[tuple[bytes, str]] = deque()  # blobs asked for, not read yet; origins
        assert diff_tree.stdout is not None
        for line in diff_tree.stdout:
            if not line.startswith(b":"):  # the commit whose changes follow
                commit = line.split()[0].decode("ascii")
                continue
            blob = _message_blob(line)
            if blob is None:
                continue
            _ask(cat_file, blob, epoch)
            asked.append((blob, f"{epoch}:{commit}"))
            if len(asked) >= ASKED_AHEAD:
                yield _answer(cat_file, *asked.popleft(), epoch)
        while asked:
            yield _answer(cat_file, *asked.popleft(), epoch)
        for command, process in (("rev-list", rev_list), ("diff-tree", diff_tree)):
            if process.wait() != 0:
                raise _git_failed(epoch, command, errors)


def _message_blob(raw_line: bytes) -> bytes | None:
    """The blob a diff-tree line (``:old-mode new-mode old new status<TAB>path``) brings
    in, or None when it removes a file or brings in the removal marker ``d``."""
    info, _, path = raw_line.rstrip(b"\n").partition(b"\t")
    _, mode, _, blob, status = info.split(b" ")
    if status in ADDED_OR_CHANGED and mode in REGULAR_FILE_MODES and path != DELETION:
        return blob
    return None


def _ask(cat_file: subprocess.Popen[bytes], blob: bytes, epoch: Path) -> None:
    """Ask the running ``git cat-file --batch`` for ``blob`` (sent by ``_answer``)."""
    assert cat_file.stdin is not None
    try:
        cat_file.stdin.write(blob + b"\n")
    except BrokenPipeError:
        raise SourceError(f"{epoch}: git cat-file stopped") from None


def _answer(cat_file: subprocess.Popen[bytes], blob: bytes, origin: str, epoch: Path) -> RawMail:
    """The message in ``blob``, the oldest blob asked for and not read yet."""
    assert cat_file.stdin is not None and cat_file.stdout is not None
    try:
        cat_file.stdin.flush()
    except BrokenPipeError:
        raise SourceError(f"{epoch}: git cat-file stopped") from None
    header = cat_file.stdout.readline().split()
    if len(header) != 3 or header[1] != b"blob":
        shown = b" ".join(header).decode("ascii", "backslashreplace")
        raise SourceError(f"{epoch}: blob {blob.decode()}: git cat-file answered {shown!r}")
    size = int(header[2])
    data = cat_file.stdout.read(size)
    if len(data) != size or cat_file.stdout.read(1) != b"\n":
        raise SourceError(f"{epoch}: blob {blob.decode()}: git cat-file output cut short")
    return RawMail(data, None, origin)


def _start(
    stack: ExitStack,
    epoch: Path,
    errors: IO[bytes],
    *args: str,
    stdin: IO[bytes] | int | None = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """Start ``git args`` in ``epoch`` with its output piped to us; it is killed when
    ``stack`` closes early (the reader was abandoned) and waited for in any case."""
    process = subprocess.Popen(
        ["git", "--git-dir", str(epoch), *args], stdin=stdin, stdout=subprocess.PIPE, stderr=errors
    )
    stack.callback(_stop, process)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()
    if process.poll() is None:
        process.kill()
    process.wait()


def _head(epoch: Path) -> str | None:
    """The commit HEAD names, or None in a repository that has no commit yet (a new
    epoch); a HEAD that names nothing while refs exist is a broken repository."""
    head = _commit(epoch, "HEAD")
    if head is None and _git_output(epoch, "for-each-ref", "--count=1"):
        raise SourceError(f"{epoch}: HEAD names no commit (a broken or incomplete clone?)")
    return head


def _commit(epoch: Path, revision: str) -> str | None:
    """The commit ``revision`` names in ``epoch``, or None when there is none."""
    result = _git(epoch, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if result.returncode != 0:
        if result.stderr.strip():
            raise SourceError(f"{epoch}: git rev-parse failed: {_shown(result.stderr)}")
        return None
    return result.stdout.decode("ascii").strip()


def _git_output(epoch: Path, *args: str) -> bytes:
    result = _git(epoch, *args)
    if result.returncode != 0:
        raise SourceError(f"{epoch}: git {args[0]} failed: {_shown(result.stderr)}")
    return result.stdout


def _git(epoch: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "--git-dir", str(epoch), *args], capture_output=True)


def _git_failed(epoch: Path, command: str, errors: IO[bytes]) -> SourceError:
    errors.seek(0)
    return SourceError(f"{epoch}: git {command} failed: {_shown(errors.read())}")


def _shown(stderr: bytes) -> str:
    return stderr.decode("utf-8", "replace").strip().replace("\n", " / ")[:SHOWN_ERROR_SIZE]


def _require_git(path: Path) -> None:
    if shutil.which("git") is None:
        raise SourceError(f"{path}: reading a public-inbox archive needs git, not found")
