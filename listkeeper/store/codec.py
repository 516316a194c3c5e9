"""Compression of stored bytes and the JSON of a message's anatomy.

Both run once per message on import and on every page view, so they reuse
one zstd context per thread (making one costs more than compressing a
mail) and use orjson, falling back to the stdlib for what orjson refuses
(lone surrogates from undecodable headers).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import orjson
import zstandard

from listkeeper.mail.parse import ParsedMessage

ZSTD_LEVEL = 3  # fast to write, about 4x on mail text


class _Contexts(threading.local):
    """zstd contexts are not thread-safe: web workers decode in threads."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()


_contexts = _Contexts()


def compress(data: bytes) -> bytes:
    return _contexts.compressor.compress(data)


def decompress(data: bytes) -> bytes:
    return _contexts.decompressor.decompress(data)


def anatomy_of(parsed: ParsedMessage) -> dict[str, Any]:
    """What a page needs beyond the indexed columns, as plain JSON data."""
    return {
        "to": [{"name": n, "addr": a} for n, a in parsed.to],
        "cc": [{"name": n, "addr": a} for n, a in parsed.cc],
        "blocks": [{"kind": b.kind.value, "depth": b.depth, "text": b.text} for b in parsed.blocks],
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "is_patch": a.is_patch,
                "part_index": a.part_index,
            }
            for a in parsed.attachments
        ],
        "attributions": [
            {
                "line": a.line,
                "name": a.name,
                "addr": a.addr,
                "date": a.date.isoformat() if a.date else None,
                "style": a.style,
            }
            for a in parsed.attributions
        ],
        "top_posted": parsed.top_posted,
        "html": parsed.html,
        "list_id": parsed.list_id,
        "message_id_synthetic": parsed.message_id_synthetic,
    }


def encode_anatomy(anatomy: dict[str, Any]) -> bytes:
    try:
        encoded = orjson.dumps(anatomy)
    except orjson.JSONEncodeError:  # a str that is not valid Unicode
        encoded = json.dumps(anatomy).encode("ascii")
    return compress(encoded)


def decode_anatomy(data: bytes) -> dict[str, Any]:
    text = decompress(data)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # escaped lone surrogates, written by the fallback
        return json.loads(text)
