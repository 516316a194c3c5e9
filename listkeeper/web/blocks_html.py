"""Turn stored body blocks into what the templates show: folded quotes,
patch lines with their colour class and file list, dimmed attributions and footers.

A patch's lines are built into markup here rather than looped over in the
template: a long thread holds tens of thousands of them, and a template
loop costs several times more per line. Addresses are obfuscated here, as
the template's finalize would have done."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from listkeeper.web.obfuscate import obfuscate
from listkeeper.web.patches import FileStat, touched_files

QUOTE_VISIBLE_LINES = 4  # a longer quote shows this many lines, the rest folded


@dataclass(frozen=True, slots=True)
class ShownBlock:
    kind: str
    depth: int
    head: str  # always shown
    rest: str  # folded away behind <details>; empty when the block is short
    lines_html: Markup | None = None  # a patch's lines, each in a span of its colour class
    files: list[FileStat] = field(default_factory=list)  # for patches


def shown_blocks(blocks: list[dict[str, Any]]) -> list[ShownBlock]:
    return [_shown(block) for block in blocks]


def _shown(block: dict[str, Any]) -> ShownBlock:
    kind, depth, text = block["kind"], block["depth"], block["text"]
    if kind == "patch":
        return ShownBlock(kind, depth, text, "", _patch_lines_html(text), touched_files(text))
    if kind == "quote":
        lines = text.splitlines(keepends=True)
        if len(lines) > QUOTE_VISIBLE_LINES + 1:
            head = "".join(lines[:QUOTE_VISIBLE_LINES])
            return ShownBlock(kind, depth, head, "".join(lines[QUOTE_VISIBLE_LINES:]))
    return ShownBlock(kind, depth, text, "")


def _patch_lines_html(text: str) -> Markup:
    """``<span class="…">line</span>`` and a newline for each line of a patch."""
    spans = (
        f'<span class="{_patch_class(line)}">{escape(line)}</span>\n'
        for line in obfuscate(text).splitlines()
    )
    return Markup("".join(spans))


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
