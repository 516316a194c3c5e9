"""Compression of stored bytes and the JSON of a message's anatomy."""

from __future__ import annotations

import json
from typing import Any

import zstandard

from listkeeper.mail.parse import ParsedMessage

ZSTD_LEVEL = 3  # fast to write, about 4x on mail text


def compress(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(data)


def decompress(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(data)


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
    return compress(json.dumps(anatomy, ensure_ascii=False).encode("utf-8"))


def decode_anatomy(data: bytes) -> dict[str, Any]:
    return json.loads(decompress(data))
