"""Compression of stored bytes and the JSON of a message's anatomy.

Both run once per message on import and on every page view, so they reuse
one zstd context per thread (making one costs more than compressing a
mail) and use orjson, falling back to the stdlib for what orjson refuses
(lone surrogates from undecodable headers).

New rows are compressed with the database's trained dictionaries when it
has them (store/dictionaries.py). A zstd frame names the dictionary it
needs, so reading asks the database only for frames that name one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard

from listkeeper.mail.parse import ParsedMessage

ZSTD_LEVEL = 3  # fast to write, about 4x on mail text (5x with a dictionary)

# The bytes of the dictionary with this id (raising LookupError if unknown).
DictionaryLookup = Callable[[int], bytes]


@dataclass(frozen=True, slots=True)
class Compression:
    """The dictionaries new rows are compressed with (None: none yet).
    Plain bytes, so it travels to parser processes."""

    raw: bytes | None = None
    anatomy: bytes | None = None


NO_DICTIONARIES = Compression()


class _Contexts(threading.local):
    """zstd contexts are not thread-safe: web workers decode in threads."""

    def __init__(self) -> None:
        self.compressors: dict[bytes | None, zstandard.ZstdCompressor] = {}
        self.decompressors: dict[int, zstandard.ZstdDecompressor] = {0: zstandard.ZstdDecompressor()}

    def compressor(self, dictionary: bytes | None) -> zstandard.ZstdCompressor:
        found = self.compressors.get(dictionary)
        if found is None:
            data = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
            found = self.compressors[dictionary] = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=data)
        return found

    def decompressor(self, dict_id: int, lookup: DictionaryLookup | None) -> zstandard.ZstdDecompressor:
        found = self.decompressors.get(dict_id)
        if found is None:
            if lookup is None:
                raise LookupError(f"zstd dictionary {dict_id} is needed but none was given")
            data = zstandard.ZstdCompressionDict(lookup(dict_id))
            found = self.decompressors[dict_id] = zstandard.ZstdDecompressor(dict_data=data)
        return found


_contexts = _Contexts()


def compress(data: bytes, dictionary: bytes | None = None) -> bytes:
    return _contexts.compressor(dictionary).compress(data)


def decompress(data: bytes, lookup: DictionaryLookup | None = None) -> bytes:
    """The bytes of one frame; ``lookup`` gives the dictionary it names, if any.
    Dictionary ids are random 32-bit numbers, unique in practice, so their
    contexts are kept by id alone."""
    return _contexts.decompressor(frame_dictionary_id(data), lookup).decompress(data)


def frame_dictionary_id(frame: bytes) -> int:
    """The id of the dictionary a frame was compressed with; 0 for none."""
    return zstandard.get_frame_parameters(frame).dict_id


def dictionary_id(dictionary: bytes | None) -> int:
    """The id a trained dictionary writes into its frames; 0 for none."""
    return zstandard.ZstdCompressionDict(dictionary).dict_id() if dictionary else 0


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


def anatomy_json(anatomy: dict[str, Any]) -> bytes:
    """The anatomy as the JSON that is stored (and dictionaries are trained on)."""
    try:
        return orjson.dumps(anatomy)
    except orjson.JSONEncodeError:  # a str that is not valid Unicode
        return json.dumps(anatomy).encode("ascii")


def encode_anatomy(anatomy: dict[str, Any], dictionary: bytes | None = None) -> bytes:
    return compress(anatomy_json(anatomy), dictionary)


def decode_anatomy(data: bytes, lookup: DictionaryLookup | None = None) -> dict[str, Any]:
    text = decompress(data, lookup)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # escaped lone surrogates, written by the fallback
        return json.loads(text)
