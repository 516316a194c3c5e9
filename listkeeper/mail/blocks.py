"""The vocabulary of body anatomy: what each stretch of a message body is.

A body is cut into consecutive blocks whose texts, joined, give the body back
exactly; pages, threading repair and search all read these blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class BlockKind(StrEnum):
    TEXT = "text"  # the author's own words
    QUOTE = "quote"  # text quoted from an earlier message; depth says how deep
    ATTRIBUTION = "attribution"  # "X wrote:" line (or lines) introducing a quote
    SIGNATURE = "signature"  # after "-- " (and the common broken forms)
    FOOTER = "footer"  # a mailing-list footer appended by the list server
    PATCH = "patch"  # an inline unified diff
    LOG = "log"  # crash dump, oops, stack trace, console log: verbatim


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    depth: int  # quote depth: 0 for the author's own text
    text: str  # exact text, line endings included


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who an attribution line says wrote the quoted text, as far as it says."""

    line: str  # the attribution text as written (may span two lines)
    name: str | None
    addr: str | None
    date: datetime | None  # naive when the line names no zone
    style: str  # "on-date-wrote", "wrote", "groupwise", "outlook", "localized"
