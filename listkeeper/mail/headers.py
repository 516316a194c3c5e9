"""Header values as people meant them: RFC 2047 words, 8-bit bytes, Message-IDs,
address lists.

Values come raw, as compat32 stores them: 8-bit bytes as surrogate escapes,
encoded words still encoded, folds still in. Real mail carries raw UTF-8 or a
legacy charset in headers, encoded words with unknown charsets and ids with stray
spaces; each helper here returns text that can be stored and shown instead of
raising.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header
from email.utils import getaddresses
from functools import lru_cache

from listkeeper.mail.text import decode_header_bytes, without_nul

# email.utils.getaddresses recurses once per ":" (an RFC 5322 group) and per "("
# (a comment, nested); a field with thousands (encoded words full of times) would
# exhaust the stack. It gets no field with more than this many.
MAX_ADDRESS_NESTING = 100
# Display names decoded and kept: a list's Cc lines name the same people again and again.
NAME_CACHE_SIZE = 8192
# Whole To and Cc lists decoded and kept: a thread's replies carry the same ones.
ADDRESS_LIST_CACHE_SIZE = 1024

_MSGID_TOKEN = re.compile(r"<([^<>]*)>")
_WHITESPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\udc80-\udcff]")  # an 8-bit byte, escaped
# An encoded word split by a folding line, which decode_header does not join.
_ADJACENT_ENCODED_WORDS = re.compile(r"(\?=)\s+(=\?)")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
# The shapes nearly every address list entry has: "Quoted Name" <addr>,
# Name <addr>, <addr> or a bare addr, where addr is a plain local@domain; then a
# comma or the end. Anything else (comments, groups, escapes, domain literals)
# goes to getaddresses. The whole entry is captured too: entries whose lengths add
# up to the length of the list cover all of it, as findall's matches never overlap.
_ADDR_SPEC = r'[^\s<>()\[\]\\,;:@"]+@[^\s<>()\[\]\\,;:@"]+'
# An entry starts only at the start or after a comma, and its leading blanks are
# never given back, so a list that does not fit fails in linear time.
_SIMPLE_ENTRY = re.compile(
    rf'(?:\A|(?<=,))([ \t]*+(?:"([^"\\\r\n]*)"[ \t]*<({_ADDR_SPEC})>'
    rf'|([^"<>()\[\]\\,;:@\r\n]*)<({_ADDR_SPEC})>'
    rf"|({_ADDR_SPEC}))?[ \t]*(,|\Z))"
)


def header_text(value: str | None, charset: str | None = None) -> str:
    """One raw header value as text: 8-bit bytes decoded (``charset`` is what the
    message declares elsewhere), then RFC 2047 words, whitespace unfolded."""
    if not value:
        return ""
    if value.isascii() and "=?" not in value:
        return without_nul(" ".join(value.split()))
    text = decode_8bit(value, charset)
    if "=?" in text:
        text = _decode_encoded_words(text)
    return without_nul(_WHITESPACE.sub(" ", text).strip())


_name_text = lru_cache(maxsize=NAME_CACHE_SIZE)(header_text)


def decode_8bit(value: str, charset: str | None = None) -> str:
    """Raw bytes carried in a header (surrogate escapes) as the text they spell.

    UTF-8 first: bytes in another charset are seldom valid UTF-8 by chance, and
    headers are often UTF-8 when the body declares a legacy charset.
    """
    if value.isascii() or not _SURROGATE.search(value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_header_bytes(data, charset)


def _decode_encoded_words(text: str) -> str:
    try:
        pieces = decode_header(_ADJACENT_ENCODED_WORDS.sub(r"\1\2", text))
    except (HeaderParseError, ValueError, AssertionError, LookupError):
        # One bad word fails them all: decode the others one by one.
        return _ENCODED_WORD.sub(lambda word: _decode_one_word(word.group()), text)
    out = []
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_header_bytes(chunk, charset))
    # decode_header drops the space between an encoded word and plain text.
    return _join_decoded(out, pieces)


def _decode_one_word(word: str) -> str:
    """An encoded word decoded, or as written when it cannot be."""
    try:
        ((chunk, charset),) = decode_header(word)
    except (HeaderParseError, ValueError, AssertionError, LookupError):
        return word
    return chunk if isinstance(chunk, str) else decode_header_bytes(chunk, charset)


def _join_decoded(decoded: list[str], pieces: list[tuple[bytes | str, str | None]]) -> str:
    if all(charset is None for _, charset in pieces):
        return "".join(decoded)
    return " ".join(part.strip() for part in decoded if part.strip())


def normalize_message_id(value: str | None) -> str | None:
    """The id inside the first <...>, or the bare value; None when there is none.

    Whitespace inside an id (a folding accident) is removed; case is kept.
    """
    if not value:
        return None
    match = _MSGID_TOKEN.search(value)
    token = match.group(1) if match else value
    token = _WHITESPACE.sub("", token)
    if not token or (match is None and "@" not in token):
        return None
    return _id_text(token)


def message_id_list(value: str | None) -> list[str]:
    """Every <id> in a References-like header, in order, without duplicates."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for raw in _MSGID_TOKEN.findall(value):
        token = _WHITESPACE.sub("", raw)
        if token:
            seen.setdefault(_id_text(token), None)
    return list(seen)


def _id_text(token: str) -> str:
    """An id's own bytes decoded alone, so the same id reads the same in any header."""
    return without_nul(decode_8bit(token))


def address(value: str | None, charset: str | None = None) -> tuple[str, str]:
    """(display name, address) of a From-like header, decoded."""
    pairs = _parse_addresses(value or "")
    name, addr = pairs[0] if pairs else ("", "")
    return _name_text(name, charset), _address_text(addr, charset)


def addresses(values: list[str], charset: str | None = None) -> list[tuple[str, str]]:
    """All (name, address) pairs of To/Cc headers, decoded; empty ones dropped."""
    return list(_address_list(", ".join(values), charset))


@lru_cache(maxsize=ADDRESS_LIST_CACHE_SIZE)
def _address_list(value: str, charset: str | None) -> tuple[tuple[str, str], ...]:
    """The decoded pairs of one raw list: replies in a thread repeat their Cc
    lines, so a list read once is not parsed again."""
    return tuple(
        (_name_text(name, charset), _address_text(addr, charset))
        for name, addr in _parse_addresses(value)
        if name or addr
    )


def _address_text(addr: str, charset: str | None) -> str:
    return without_nul(decode_8bit(addr.strip(), charset))


def _parse_addresses(value: str) -> list[tuple[str, str]]:
    """(raw name, address) pairs as email.utils.getaddresses gives them, empty
    entries included; the common shapes without its slow character-level parser."""
    value = _unfold(value)
    simple = _simple_addresses(value)
    if simple is not None:
        return simple
    if _nesting(value) <= MAX_ADDRESS_NESTING:
        return getaddresses([value])
    # Too deep to nest: take the entries one by one, and keep an entry that is
    # still too deep as a name without an address rather than drop it.
    pairs: list[tuple[str, str]] = []
    for entry in value.split(","):
        if _nesting(entry) <= MAX_ADDRESS_NESTING:
            pairs.extend(_simple_addresses(entry) or getaddresses([entry]))
        else:
            pairs.append((entry, ""))
    return pairs


def _nesting(value: str) -> int:
    """How deep getaddresses could recurse on the value, at most."""
    return value.count(":") + value.count("(")


def _unfold(value: str) -> str:
    """RFC 5322 unfolding: a line break before a blank is removed.

    Some mailers fold inside an address ("linux@weisssc\n huh.net"); getaddresses
    would read two addresses there, and a quoted name folded after a CR ends early.
    """
    return value.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", "\t")


def _simple_addresses(value: str) -> list[tuple[str, str]] | None:
    """The pairs of a list made only of the common entry shapes, or None."""
    entries = _SIMPLE_ENTRY.findall(value)
    if sum(len(entry[0]) for entry in entries) != len(value):
        return None
    pairs: list[tuple[str, str]] = []
    for _, quoted, quoted_addr, phrase, phrase_addr, bare, comma in entries:
        if quoted_addr:
            pairs.append((quoted, quoted_addr))
        elif phrase_addr:
            pairs.append((" ".join(phrase.split()), phrase_addr))
        elif bare:
            pairs.append(("", bare))
        elif comma:
            pairs.append(("", ""))  # getaddresses keeps an empty entry
    return pairs
