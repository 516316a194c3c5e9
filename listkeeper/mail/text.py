"""Bytes to text without ever dropping a message: declared charset, then a
guess by charset-normalizer, then Latin-1 (which decodes any byte).

The text is meant to be stored and shown: a NUL byte, which a PostgreSQL text
column refuses, becomes U+FFFD (the raw bytes keep it).
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

FALLBACK_CHARSET = "latin-1"
# 8-bit bytes in a header: too few for charset-normalizer to guess from (it reads
# "\xa37,000" as Polish "\u01417,000"), so after UTF-8 and the charset the message
# declares comes the charset most such headers were written in.
HEADER_FALLBACK_CHARSET = "windows-1252"
NUL_REPLACEMENT = "\ufffd"
# Labels that mail clients write but Python's codec registry does not know.
_CHARSET_ALIASES = {
    "x-unknown": None,
    "unknown-8bit": None,
    "x-user-defined": None,
    "ansi_x3.4-1968": "ascii",
    "iso-8859-8-i": "iso-8859-8",
    "ks_c_5601-1987": "cp949",
    "x-mac-roman": "mac_roman",
}


def known_codec(charset: str | None) -> str | None:
    """Python's codec name for a declared charset, or None if unusable."""
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    if label in _CHARSET_ALIASES:
        return _CHARSET_ALIASES[label]
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset; if it is wrong or unknown, guess."""
    return without_nul(_decode(data, charset))


def _decode(data: bytes, charset: str | None) -> str:
    text = _decode_declared(data, charset)
    if text is not None:
        return text
    guess = from_bytes(data).best()
    if guess is not None:
        return str(guess)
    return data.decode(FALLBACK_CHARSET)


def decode_header_bytes(data: bytes, charset: str | None) -> str:
    """Decode the bytes of a header: declared charset, UTF-8, then Windows-1252
    (Latin-1 for the five bytes it leaves undefined)."""
    text = _decode_declared(data, charset)
    if text is None:
        try:
            text = data.decode(HEADER_FALLBACK_CHARSET)
        except UnicodeDecodeError:
            text = data.decode(FALLBACK_CHARSET)
    return without_nul(text)


def _decode_declared(data: bytes, charset: str | None) -> str | None:
    """The text in the declared charset, else in UTF-8; None if neither fits."""
    codec = known_codec(charset)
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError):  # punycode and idna raise plain UnicodeError
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def without_nul(text: str) -> str:
    """The text with each NUL as U+FFFD."""
    return text.replace("\x00", NUL_REPLACEMENT) if "\x00" in text else text


def unflow(text: str, delsp: bool) -> str:
    """Join format=flowed (RFC 3676) soft line breaks for display.

    A line ending in a space continues on the next line of the same quote
    depth; the signature separator "-- " is never joined.
    """
    out: list[str] = []
    pending = ""
    pending_depth = -1
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if pending and depth != pending_depth:
            out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
            pending = ""
        is_soft = content.endswith(" ") and content != "-- "
        if is_soft:
            pending += content[:-1] if delsp else content
            pending_depth = depth
            continue
        joined = pending + content
        pending = ""
        out.append(">" * depth + (" " if depth and joined else "") + joined)
    if pending:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)
