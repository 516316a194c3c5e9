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
from email.header import decode_header
from email.utils import getaddresses

from listkeeper.mail.text import decode_header_bytes, without_nul

# email.utils.getaddresses recurses once per ":" (an RFC 5322 group); a header with
# thousands of them (encoded words full of times) would exhaust the stack.
MAX_ADDRESS_GROUPS = 100

_MSGID_TOKEN = re.compile(r"<([^<>]*)>")
_WHITESPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\udc80-\udcff]")
# An encoded word split by a folding line, which decode_header does not join.
_ADJACENT_ENCODED_WORDS = re.compile(r"(\?=)\s+(=\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
# The shapes nearly every address list entry has: "Quoted Name" <addr>,
# Name <addr>, <addr> or a bare addr, where addr is a plain local@domain.
# Anything else (comments, groups, escapes, domain literals) goes to getaddresses.
_ADDR_SPEC = r'[^\s<>()\[\]\\,;:@"]+@[^\s<>()\[\]\\,;:@"]+'
_ADDRESS_ENTRY = re.compile(
    r'[ \t]*(?:"(?P<quoted>[^"\\\r\n]*)"[ \t]*<(?P<quoted_addr>' + _ADDR_SPEC + r")>"
    r'|(?P<phrase>[^"<>()\[\]\\,;:@\r\n]*)<(?P<phrase_addr>' + _ADDR_SPEC + r")>"
    r"|(?P<bare>" + _ADDR_SPEC + r"))?[ \t]*(?:,|\Z)"
)


def header_text(value: str | None, charset: str | None = None) -> str:
    """One raw header value as text: 8-bit bytes decoded (``charset`` is what the
    message declares elsewhere), then RFC 2047 words, whitespace unfolded."""
    if not value:
        return ""
    text = decode_8bit(value, charset)
    if "=?" in text:
        text = _decode_encoded_words(text)
    return without_nul(_WHITESPACE.sub(" ", text).strip())


def decode_8bit(value: str, charset: str | None = None) -> str:
    """Raw bytes carried in a header (surrogate escapes) as the text they spell.

    UTF-8 first: bytes in another charset are seldom valid UTF-8 by chance, and
    headers are often UTF-8 when the body declares a legacy charset.
    """
    if not _SURROGATE.search(value):
        return value
    data = value.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_header_bytes(data, charset)


def _decode_encoded_words(text: str) -> str:
    try:
        pieces = decode_header(_ADJACENT_ENCODED_WORDS.sub(r"\1\2", text))
    except (ValueError, AssertionError, LookupError):
        return text
    out = []
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_header_bytes(chunk, charset))
    # decode_header drops the space between an encoded word and plain text.
    return _join_decoded(out, pieces)


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
    return header_text(name, charset), _address_text(addr, charset)


def addresses(values: list[str], charset: str | None = None) -> list[tuple[str, str]]:
    """All (name, address) pairs of To/Cc headers, decoded; empty ones dropped."""
    pairs = _parse_addresses(", ".join(values))
    return [
        (header_text(name, charset), _address_text(addr, charset))
        for name, addr in pairs
        if name or addr
    ]


def _address_text(addr: str, charset: str | None) -> str:
    return without_nul(decode_8bit(addr.strip(), charset))


def _parse_addresses(value: str) -> list[tuple[str, str]]:
    """(raw name, address) pairs as email.utils.getaddresses gives them, empty
    entries included; the common shapes without its slow character-level parser."""
    value = _FOLD.sub("", value)
    simple = _simple_addresses(value)
    if simple is not None:
        return simple
    if value.count(":") <= MAX_ADDRESS_GROUPS:
        return getaddresses([value])
    # Too many groups to nest: take the entries one by one, and keep an entry
    # that still has too many as a name without an address rather than drop it.
    pairs: list[tuple[str, str]] = []
    for entry in value.split(","):
        if entry.count(":") <= MAX_ADDRESS_GROUPS:
            pairs.extend(_simple_addresses(entry) or getaddresses([entry]))
        else:
            pairs.append((entry, ""))
    return pairs


def _simple_addresses(value: str) -> list[tuple[str, str]] | None:
    """The pairs of a list made only of the common entry shapes, or None."""
    pairs: list[tuple[str, str]] = []
    position = 0
    for entry in _ADDRESS_ENTRY.finditer(value):
        if entry.start() != position:
            return None
        position = entry.end()
        quoted, quoted_addr, phrase, phrase_addr, bare = entry.groups()
        if quoted_addr:
            pairs.append((quoted, quoted_addr))
        elif phrase_addr:
            pairs.append((" ".join(phrase.split()), phrase_addr))
        elif bare:
            pairs.append(("", bare))
        elif entry.end() > entry.start() and value[entry.end() - 1] == ",":
            pairs.append(("", ""))  # getaddresses keeps an empty entry
    return pairs if position == len(value) else None
