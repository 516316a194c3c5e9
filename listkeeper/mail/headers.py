"""Header values as people meant them: RFC 2047 words, 8-bit bytes, Message-IDs.

Real mail carries raw UTF-8 or Latin-1 in headers, encoded words with unknown
charsets and ids with stray spaces; each helper here returns something usable
instead of raising.
"""

from __future__ import annotations

import re
from email.header import decode_header
from email.utils import getaddresses, parseaddr

from listkeeper.mail.text import decode_bytes

_MSGID_TOKEN = re.compile(r"<([^<>]*)>")
_WHITESPACE = re.compile(r"\s+")
# An encoded word split by a folding line, which decode_header does not join.
_ADJACENT_ENCODED_WORDS = re.compile(r"(\?=)\s+(=\?)")


def header_text(value: object) -> str:
    """Decode one header value (str with surrogate escapes, or Header) to text."""
    if value is None:
        return ""
    text = str(value) if not isinstance(value, str) else value
    if _has_surrogates(text):
        text = decode_bytes(text.encode("ascii", "surrogateescape"), None)
    if "=?" not in text:
        return _unfold(text)
    return _unfold(_decode_encoded_words(text))


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _unfold(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


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
            out.append(decode_bytes(chunk, charset))
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
    return token


def message_id_list(value: str | None) -> list[str]:
    """Every <id> in a References-like header, in order, without duplicates."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for raw in _MSGID_TOKEN.findall(value):
        token = _WHITESPACE.sub("", raw)
        if token:
            seen.setdefault(token, None)
    return list(seen)


def address(value: str) -> tuple[str, str]:
    """(display name, address) of a From-like header, decoded."""
    name, addr = parseaddr(value)
    return header_text(name), addr.strip()


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """All (name, address) pairs of To/Cc headers, decoded; empty ones dropped."""
    pairs = getaddresses(values)
    return [(header_text(name), addr.strip()) for name, addr in pairs if name or addr]
