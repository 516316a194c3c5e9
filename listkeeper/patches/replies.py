"""What a reply to a patch says about it: trailers ("Acked-by: …", as b4
collects them) and whether it was applied ("Applied, thanks", "Changeset
12404:bb76a76985fe", a commit id).

Only the reply's own unquoted text counts: a quoted "Signed-off-by" is the
patch's own, and a quoted "applied" was said by someone else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from listkeeper.mail.regions import BlockDict

TRAILER_NAMES = (
    "Acked-by",
    "Reviewed-by",
    "Tested-by",
    "Signed-off-by",
    "Reported-by",
    "Suggested-by",
    "Co-developed-by",
    "Fixes",
)
_TRAILER = re.compile(
    r"^[ \t]*(" + "|".join(TRAILER_NAMES) + r")[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_CANONICAL_NAME = {name.lower(): name for name in TRAILER_NAMES}
# A line that starts by saying it was taken in; never a question, never "will".
_APPLIED = re.compile(
    r"^[ \t]*(?:(?:thanks|thank you)[,!.]?[ \t]+)?"
    r"(?:(?:I(?:'ve| have)?|we(?:'ve| have)?|now|"
    r"(?:this|the|both|all)(?:[ \t]+\w+)?[ \t]+(?:was|were|has been|have been|is|are)|"
    r"(?:patch|series|patchset|patches)[ \t]+(?:was|were|has been|have been))[ \t]+)?"
    r"(?:applied|pushed|queued|committed|merged)\b(?![^\n]*\?)"
    # "I applied it locally and it fails" is a test report, not a merge.
    r"(?![^\n]*\b(?:locally|on top|cleanly|fails?|failed|and (?:it|tested|test(?:ing)?))\b)",
    re.IGNORECASE | re.MULTILINE,
)
# The verbs _APPLIED needs, to look for before running it: a text without
# any of them (most replies) is passed over in a few microseconds instead of
# the regex trying every line. Case-blind matching also takes the letters
# that are not ASCII but match an ASCII one (see casefold_like_re).
APPLIED_VERBS = ("applied", "pushed", "queued", "committed", "merged")
_FOLDED_LETTERS = "ſıİ"  # str.lower() keeps the first two and makes İ two letters
_ASCII_FOLDS = str.maketrans(_FOLDED_LETTERS, "sii")
_CHANGESET = re.compile(r"\b[Cc]hangeset[ \t:]+(\d+:[0-9a-f]{12,40})\b")
_ITEM = re.compile(r"^[ \t]*\[(\d{1,4})/\d{1,4}\][ \t]+(\S[^\n]*?)[ \t]*\n([^\n]*)", re.MULTILINE)
_SHORT_COMMIT = re.compile(
    r"(?<![0-9a-zA-Z.])((?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40})(?![0-9a-zA-Z])"
)
_COMMIT = re.compile(
    r"(?<![0-9a-zA-Z.])((?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,40})(?![0-9a-zA-Z])"
)


@dataclass(frozen=True, slots=True)
class Trailer:
    name: str  # canonical spelling, "Acked-by"
    value: str


@dataclass(frozen=True, slots=True)
class AppliedItem:
    """One "[2/3] title" line of a thank-you (b4 ty): which patch, which commit."""

    index: int
    title: str
    ref: str | None


@dataclass(frozen=True, slots=True)
class Applied:
    ref: str | None  # "12404:bb76a76985fe" or a commit id, when the reply names one
    items: tuple[AppliedItem, ...] = ()  # the patches listed, when only some were taken


def written_text(blocks: Iterable[BlockDict]) -> str:
    """The author's own prose: unquoted text blocks (no patch, log, signature)."""
    return "".join(b["text"] for b in blocks if b["kind"] == "text" and b["depth"] == 0)


def trailers_in(text: str) -> list[Trailer]:
    """Trailer lines of a text, each once, in order."""
    found: dict[Trailer, None] = {}
    for match in _TRAILER.finditer(text):
        found.setdefault(Trailer(_CANONICAL_NAME[match.group(1).lower()], match.group(2)), None)
    return list(found)


def applied_in(text: str) -> Applied | None:
    """Whether the text says the patch was applied, and under which id."""
    # The regex starts at a word boundary, which keeps Python's regex engine
    # from skipping ahead to its first letters: a plain find does that.
    changeset = _CHANGESET.search(text) if "hangeset" in text else None
    if changeset:
        return Applied(changeset.group(1))
    folded = casefold_like_re(text)
    if not any(verb in folded for verb in APPLIED_VERBS):
        return None
    said = _APPLIED.search(text)
    if not said:
        return None
    commit = _COMMIT.search(text, said.start())
    items = tuple(
        AppliedItem(
            int(m.group(1)),
            m.group(2),
            ref.group(1) if (ref := _SHORT_COMMIT.search(m.group(3))) else None,
        )
        for m in _ITEM.finditer(text, said.start())
    )
    return Applied(commit.group(1) if commit else None, items)


def casefold_like_re(text: str) -> str:
    """The text lowered so that every word re.IGNORECASE finds spelled in
    ASCII letters is in it as written: there "ſ" matches "s", and "ı" and
    "İ" match "i", which str.lower() does not give (it does lower the
    Kelvin sign, the fourth such letter, to "k")."""
    if text.isascii() or not any(letter in text for letter in _FOLDED_LETTERS):
        return text.lower()
    return text.translate(_ASCII_FOLDS).lower()
