"""Bytes to text without ever dropping a message: declared charset, then a
guess by charset-normalizer, then Latin-1 (which decodes any byte)."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

FALLBACK_CHARSET = "latin-1"
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
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset; if it is wrong or unknown, guess."""
    codec = known_codec(charset)
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    if guess is not None:
        return str(guess)
    return data.decode(FALLBACK_CHARSET)


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
