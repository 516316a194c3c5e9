"""What is indexed for a message: one text per searchable field.

Readers search what people wrote (decoded text, split into the author's own
words and quoted text), not base64 or headers twice; that keeps the index
small and the importer fast.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from listkeeper.mail.patch import message_diff_text
from listkeeper.mail.regions import BlockDict, own_text, quoted_text
from listkeeper.mail.symbols import block_symbols

# A field longer than this is cut (a 50 MB log is not searched past 1 MB);
# PostgreSQL also refuses a tsvector over 1 MB.
MAX_FIELD_CHARS = 1_000_000
_PATCH_PATH = re.compile(r"^(?:diff --git a/(\S+) b/(\S+)|\+\+\+ (?:b/)?(\S+)|--- (?:a/)?(\S+))", re.M)
WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class SearchDocument:
    subject: str
    sender: str
    tos: str
    ccs: str
    own: str
    quoted: str
    dfn: str  # file names touched by patches in the message
    sym: str  # function symbols named by the message's logs and traces
    dfhh: str  # hunk-header function text ("@@ … @@ func")
    dfa: str  # lines the patches remove
    dfb: str  # lines the patches add

    def values(self) -> tuple[str, ...]:
        return tuple(getattr(self, name)[:MAX_FIELD_CHARS] for name in FIELD_NAMES)


FIELD_NAMES = tuple(field.name for field in fields(SearchDocument))


def patch_files(blocks: list[BlockDict]) -> list[str]:
    """Paths named by the diffs of a message, each once, in order."""
    paths: dict[str, None] = {}
    for block in blocks:
        if block["kind"] != "patch":
            continue
        for match in _PATCH_PATH.finditer(block["text"]):
            for path in match.groups():
                if path and path != "/dev/null":
                    paths.setdefault(path, None)
    return list(paths)


def _people(people: list[Mapping[str, Any]]) -> str:
    return "\n".join(f"{p['name']} {p['addr']}" for p in people)


def search_document(
    subject: str, from_name: str, from_addr: str, anatomy: Mapping[str, Any]
) -> SearchDocument:
    """The document for one message, from its columns and stored anatomy."""
    blocks = anatomy["blocks"]
    diff = message_diff_text(blocks)
    return SearchDocument(
        subject=subject,
        sender=f"{from_name} {from_addr}",
        tos=_people(anatomy["to"]),
        ccs=_people(anatomy["cc"]),
        own=own_text(blocks),
        quoted=quoted_text(blocks),
        dfn="\n".join(patch_files(blocks)),
        sym="\n".join(block_symbols(blocks)),
        dfhh="\n".join(diff.functions),
        dfa="\n".join(diff.removed),
        dfb="\n".join(diff.added),
    )


def words(text: str) -> list[str]:
    """The words both backends index: runs of letters, digits and _, lowercased."""
    return WORD.findall(text.lower())
