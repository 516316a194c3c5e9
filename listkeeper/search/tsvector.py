"""Our words in PostgreSQL's tsvector and tsquery input syntax.

PostgreSQL is given the words listkeeper splits (search.document.words) as
literals, rather than running its own text parser (to_tsvector):

- so it indexes the same words as SQLite, with no spelling tricks: its
  parser read the commit id 99982590e32a as a number, 99982590e32, then a
  word, a, and split xen_pt_switch at "_";
- reading a literal costs the server less than parsing text: 3,000 messages
  of the virtualization list took 1.24 s to insert with their GIN indexes
  instead of 2.21 s. An import's parser processes write the literals.

Both sides quote every word, so no text of a message or a query is ever
read as tsquery syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from listkeeper.search.document import SearchDocument, words

MAX_POSITION = 16_383  # PostgreSQL counts word positions up to this one
MAX_POSITIONS = 256  # and keeps this many positions of one word in a field
MAX_WORD_BYTES = 2_047  # and refuses a longer word (its parser skips them)


# Positions as text, made once: a field has hundreds of words.
_POSITION_TEXT = [str(at) for at in range(MAX_POSITION + 1)]


def tsvector_literal(text: str) -> str:
    """The words of ``text`` with their positions, as a tsvector literal:
    past the last position PostgreSQL counts, every word is at that one."""
    positions: dict[str, list[str]] = {}
    for at, word in enumerate(words(text), 1):
        position = _POSITION_TEXT[min(at, MAX_POSITION)]
        kept = positions.get(word)
        if kept is None:
            positions[word] = [position]
        elif len(kept) < MAX_POSITIONS and kept[-1] != position:  # equal only once clamped
            kept.append(position)
    return " ".join([f"'{word}':{','.join(at)}" for word, at in positions.items() if indexable(word)])


@dataclass(frozen=True, slots=True)
class Tsvectors:
    """A message's search fields as tsvector literals, in INDEXED_FIELDS
    order, written by an import's parser process: about 350 µs a message
    that the single writer would otherwise spend. Only PostgreSQL takes them."""

    literals: tuple[str, ...]


def as_tsvectors(document: SearchDocument) -> Tsvectors:
    return Tsvectors(tuple(tsvector_literal(value) for value in document.values()))


def literals_of(document: SearchDocument | Tsvectors) -> tuple[str, ...]:
    if isinstance(document, Tsvectors):
        return document.literals
    return as_tsvectors(document).literals


def tsquery_phrase(text: str, prefix: bool) -> str | None:
    """The words of ``text`` as a tsquery phrase (the last one a prefix if
    ``prefix``); None when no word of it can be in the index."""
    found = words(text)
    if not found or not all(indexable(word) for word in found):
        return None
    return " <-> ".join(f"'{word}'" for word in found) + (":*" if prefix else "")


def indexable(word: str) -> bool:
    return len(word) * 4 <= MAX_WORD_BYTES or len(word.encode()) <= MAX_WORD_BYTES
