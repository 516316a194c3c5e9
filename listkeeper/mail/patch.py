"""What the diffs of a message change: hunk-header functions, removed and
added lines (the `dfhh:`, `dfa:` and `dfb:` search fields).

libgit2 (pygit2) reads most diffs, in C: about nine times faster than unidiff,
it gives the same lines wherever both read a patch (a test checks this on
the real lists). It wants git's own form, so unidiff reads what it refuses
(about 3 % of the patches mailed to the real lists: hunks without file
headers, quilt and hand-made headers); mail also mangles diffs (wrapped lines,
hunk counts that no longer match after hand edits, as in the seed's patches),
so a line-by-line reading takes over where unidiff refuses too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pygit2
from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from listkeeper.mail.regions import BlockDict

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$")
_FILE_HEADER = re.compile(r"^(?:--- |\+\+\+ )")


@dataclass(slots=True)
class DiffText:
    """The searchable parts of one or more diffs."""

    functions: list[str] = field(default_factory=list)  # text after "@@ … @@"
    removed: list[str] = field(default_factory=list)  # "-" lines, without the "-"
    added: list[str] = field(default_factory=list)  # "+" lines, without the "+"

    def extend(self, other: DiffText) -> None:
        self.functions.extend(other.functions)
        self.removed.extend(other.removed)
        self.added.extend(other.added)


def diff_text(text: str) -> DiffText:
    """Read one patch block: strictly if libgit2 or unidiff can, tolerantly if not."""
    try:
        diff = pygit2.Diff.parse_diff(text)
    except (pygit2.GitError, UnicodeError, ValueError):
        return _with_unidiff(text)
    return _lines_of(diff) if len(diff) else _with_unidiff(text)


def _lines_of(diff: pygit2.Diff) -> DiffText:
    found = DiffText()
    for patch in diff:
        for hunk in patch.hunks:
            function = hunk.header.split("@@", 2)[-1].strip()
            if function:
                found.functions.append(function)
            for line in hunk.lines:
                if line.origin == "-":
                    found.removed.append(line.content.rstrip("\n"))
                elif line.origin == "+":
                    found.added.append(line.content.rstrip("\n"))
    return found


def _with_unidiff(text: str) -> DiffText:
    try:
        patch = PatchSet(text)
    except UnidiffParseError:
        return _tolerant(text)
    if not len(patch):
        return _tolerant(text)
    found = DiffText()
    for patched_file in patch:
        for hunk in patched_file:
            if hunk.section_header:
                found.functions.append(hunk.section_header.strip())
            for line in hunk:
                if line.is_removed:
                    found.removed.append(line.value.rstrip("\n"))
                elif line.is_added:
                    found.added.append(line.value.rstrip("\n"))
    return found


def _tolerant(text: str) -> DiffText:
    """Lines read by their first character, inside hunks only."""
    found = DiffText()
    in_hunk = False
    for line in text.splitlines():
        hunk = _HUNK.match(line)
        if hunk:
            in_hunk = True
            if hunk.group(1).strip():
                found.functions.append(hunk.group(1).strip())
        elif line.startswith("diff ") or (_FILE_HEADER.match(line) and not in_hunk):
            in_hunk = False
        elif in_hunk and line.startswith("-") and not line.startswith("--- a/"):
            found.removed.append(line[1:])
        elif in_hunk and line.startswith("+") and not line.startswith("+++ b/"):
            found.added.append(line[1:])
    return found


def message_diff_text(blocks: Iterable[BlockDict]) -> DiffText:
    """Everything the author's own patch blocks change."""
    found = DiffText()
    for block in blocks:
        if block["kind"] == "patch" and block["depth"] == 0:
            found.extend(diff_text(block["text"]))
    return found


def has_patch(blocks: Iterable[BlockDict]) -> bool:
    """True when the author's own text (or an attachment) carries a diff."""
    return any(b["kind"] == "patch" and b["depth"] == 0 for b in blocks)
