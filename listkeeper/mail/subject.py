"""What a subject line says beyond its words: reply prefixes, list tags and
patch-series positions ("[PATCH v3 07/19]")."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Re:", "RE:", "Fwd:", "Fw:", German "AW:"/"WG:", Nordic "SV:"/"VS:", "Antw:",
# with optional counters ("Re[2]:", "Re^3:").
_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|sv|vs|antw|réf|ref|tr)\s*(?:\[\d+\]|\^\d+)?\s*:\s*", re.IGNORECASE
)
_REPLY_ONLY = re.compile(r"^\s*(?:re|aw|sv|antw)\s*(?:\[\d+\]|\^\d+)?\s*:", re.IGNORECASE)
_BRACKET_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")
_SPACES = re.compile(r"\s+")
_SERIES = re.compile(
    r"\[(?P<tags>[^\]]*?)\bPATCH\b(?P<rest>[^\]]*)\]", re.IGNORECASE
)
_VERSION = re.compile(r"\bv(\d+)\b", re.IGNORECASE)
_POSITION = re.compile(r"\b(\d+)\s*/\s*(\d+)\b")
MAX_PREFIX_ROUNDS = 20  # "Re: Re: [list] Re: ..." chains; bounded for hostile subjects


def is_reply(subject: str) -> bool:
    """True when the subject starts (after list tags) with a reply prefix."""
    text = subject
    for _ in range(MAX_PREFIX_ROUNDS):
        if _REPLY_ONLY.match(text):
            return True
        stripped = _BRACKET_TAG.sub("", text, count=1)
        if stripped == text:
            return False
        text = stripped
    return False


def subject_key(subject: str) -> str:
    """The subject without reply prefixes, list tags or case: for grouping."""
    text = subject
    for _ in range(MAX_PREFIX_ROUNDS):
        stripped = _REPLY_PREFIX.sub("", text, count=1)
        stripped = _BRACKET_TAG.sub("", stripped, count=1)
        if stripped == text:
            break
        text = stripped
    return _SPACES.sub(" ", text).strip().lower()


@dataclass(frozen=True, slots=True)
class SeriesPosition:
    version: int  # 1 when the subject names none
    index: int  # 0 for a cover letter
    total: int
    title: str  # subject_key of the text after the [PATCH ...] tag


def series_position(subject: str) -> SeriesPosition | None:
    """Where a patch mail sits in its series, from "[PATCH v3 07/19] title"."""
    if is_reply(subject):
        return None
    match = _SERIES.search(subject)
    if not match:
        return None
    tag = match.group("tags") + " " + match.group("rest")
    position = _POSITION.search(match.group("rest"))
    if not position:
        return None
    index, total = int(position.group(1)), int(position.group(2))
    if total == 0 or index > total:
        return None
    version_match = _VERSION.search(tag)
    version = int(version_match.group(1)) if version_match else 1
    title = subject_key(subject[match.end() :])
    return SeriesPosition(version, index, total, title)
