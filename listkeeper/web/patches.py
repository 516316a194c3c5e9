"""The files a patch touches, with lines added and removed: the list shown
above each diff so a reviewer sees the shape of a change before reading it.

Hunk headers say how many old and new lines follow, so a hunk ends where
its counts run out. Hand-edited patches get the counts wrong, so a ``---``
line followed by a ``+++`` line always starts the next file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIFF_GIT = re.compile(r"^diff --git a/(\S+) b/(\S+)")
_OLD_FILE = re.compile(r"^--- (?:a/)?(\S+)")
_NEW_FILE = re.compile(r"^\+\+\+ (?:b/)?(\S+)")
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
DEV_NULL = "/dev/null"


@dataclass(slots=True)
class FileStat:
    path: str
    added: int = 0
    removed: int = 0


def touched_files(patch: str) -> list[FileStat]:
    """Per file, in order: lines added and removed inside its hunks."""
    files: list[FileStat] = []
    current: FileStat | None = None
    old_left = new_left = 0  # lines still due in the current hunk
    old_path = ""
    lines = patch.splitlines()
    for index, line in enumerate(lines):
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if _DIFF_GIT.match(line) or (_OLD_FILE.match(line) and _NEW_FILE.match(next_line)):
            old_left = new_left = 0
        if current is not None and (old_left > 0 or new_left > 0):
            if line.startswith("+"):
                current.added += 1
                new_left -= 1
            elif line.startswith("-"):
                current.removed += 1
                old_left -= 1
            elif not line.startswith("\\"):  # context; "\ No newline" counts for nothing
                old_left -= 1
                new_left -= 1
        elif match := _DIFF_GIT.match(line):
            current = FileStat(match[2])
            files.append(current)
        elif match := _OLD_FILE.match(line):
            old_path = match[1]
        elif match := _NEW_FILE.match(line):
            path = old_path if match[1] == DEV_NULL else match[1]
            if current is None or current.path != path:
                current = FileStat(path)
                files.append(current)
        elif match := _HUNK.match(line):
            old_left = int(match[1] if match[1] is not None else 1)
            new_left = int(match[2] if match[2] is not None else 1)
    return files
