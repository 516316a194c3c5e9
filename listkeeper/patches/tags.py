"""Reading "[PATCH v2 3/7]", "[RFC PATCH]", "[PATCH net-next]" from a subject.

mail/subject.series_position needs a "3/7"; a single "[PATCH v2] foo" has
none, and an attached patch in a reply has no tag at all. This reads every
form and says which parts the subject actually stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from listkeeper.mail.subject import is_reply, subject_key

_PATCH_TAG = re.compile(r"\[(?P<tag>[^\]]*\b(?:PATCH|RFC)\b[^\]]*)\]", re.IGNORECASE)
_VERSION = re.compile(r"\bv(\d{1,3})\b", re.IGNORECASE)
_POSITION = re.compile(r"\b(\d{1,4})\s*/\s*(\d{1,4})\b")


@dataclass(frozen=True, slots=True)
class PatchTag:
    version: int | None  # None when the subject names none
    index: int  # 0 for a cover letter
    total: int
    title: str  # the text after the tag, reply prefixes and list tags removed


def patch_tag(subject: str) -> PatchTag | None:
    """The tag of a patch posting, or None for replies and untagged subjects."""
    if is_reply(subject):
        return None
    match = _PATCH_TAG.search(subject)
    if not match:
        return None
    tag = match.group("tag")
    version = _VERSION.search(tag)
    position = _POSITION.search(tag)
    index, total = (int(position.group(1)), int(position.group(2))) if position else (1, 1)
    if total == 0 or index > total:
        index, total = 1, 1
    return PatchTag(
        version=int(version.group(1)) if version else None,
        index=index,
        total=total,
        title=patch_title(subject[match.end() :]),
    )


def patch_title(subject: str) -> str:
    """A subject without reply prefixes and list tags, in its own case."""
    key = subject_key(subject)
    found = subject.lower().rfind(key)
    return subject[found : found + len(key)] if key and found >= 0 else key
