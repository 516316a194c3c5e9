"""Which text of a body is whose: the author's own words versus quoted text.

Works on blocks as stored (dicts with kind, depth, text), so threading repair
and the search index read the same regions from the same data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

OWN_KINDS = frozenset({"text", "patch", "log"})

BlockDict = Mapping[str, Any]


def own_text(blocks: Iterable[BlockDict]) -> str:
    """What the author wrote: unquoted text, patches and logs."""
    return "".join(b["text"] for b in blocks if b["depth"] == 0 and b["kind"] in OWN_KINDS)


def quoted_text(blocks: Iterable[BlockDict]) -> str:
    """Everything quoted, at any depth."""
    return "".join(b["text"] for b in blocks if b["kind"] == "quote")


def shallowest_quote(blocks: list[BlockDict]) -> str:
    """The shallowest quoted text: what a reply quotes of its parent."""
    depths = [b["depth"] for b in blocks if b["kind"] == "quote"]
    if not depths:
        return ""
    shallowest = min(depths)
    return "".join(b["text"] for b in blocks if b["kind"] == "quote" and b["depth"] == shallowest)
