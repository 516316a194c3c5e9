"""What changed between two versions of a series: a unified diff of their
patch texts (difflib), shown on the series page like a patch block."""

from __future__ import annotations

import difflib

CONTEXT_LINES = 3


def versions_diff(older: str, newer: str, older_name: str, newer_name: str) -> str:
    """A unified diff from one version's patches to another's; empty when equal."""
    return "".join(
        difflib.unified_diff(
            older.splitlines(keepends=True),
            newer.splitlines(keepends=True),
            fromfile=older_name,
            tofile=newer_name,
            n=CONTEXT_LINES,
        )
    )
