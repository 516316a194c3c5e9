"""Turn stored body blocks into what the templates show: folded quotes,
patch lines with their colour class and file list, dimmed attributions and footers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from listkeeper.web.patches import FileStat, touched_files

QUOTE_VISIBLE_LINES = 4  # a longer quote shows this many lines, the rest folded


@dataclass(frozen=True, slots=True)
class ShownBlock:
    kind: str
    depth: int
    head: str  # always shown
    rest: str  # folded away behind <details>; empty when the block is short
    lines: list[tuple[str, str]] | None = None  # (css class, line) for patches
    files: list[FileStat] = field(default_factory=list)  # for patches


def shown_blocks(blocks: list[dict[str, Any]]) -> list[ShownBlock]:
    return [_shown(block) for block in blocks]


def _shown(block: dict[str, Any]) -> ShownBlock:
    kind, depth, text = block["kind"], block["depth"], block["text"]
    if kind == "patch":
        lines = [(_patch_class(line), line) for line in text.splitlines()]
        return ShownBlock(kind, depth, text, "", lines, touched_files(text))
    if kind == "quote":
        lines = text.splitlines(keepends=True)
        if len(lines) > QUOTE_VISIBLE_LINES + 1:
            head = "".join(lines[:QUOTE_VISIBLE_LINES])
            return ShownBlock(kind, depth, head, "".join(lines[QUOTE_VISIBLE_LINES:]))
    return ShownBlock(kind, depth, text, "")


def _patch_class(line: str) -> str:
    if line.startswith(("+++", "---", "diff ", "index ")):
        return "ph"
    if line.startswith("+"):
        return "pa"
    if line.startswith("-"):
        return "pd"
    if line.startswith("@@"):
        return "pk"
    return "pc"
