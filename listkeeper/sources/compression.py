"""Open a file for binary reading whatever it was compressed with.

Archives arrive as ``.gz``, ``.xz``, ``.bz2`` or ``.zst`` and often under the wrong
name (``2006-November.txt.gz`` that is plain text, ``.mbox`` that is gzip), so the
format is told by its magic bytes, never by the file name.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import zstandard

from listkeeper.sources.raw import SourceError

GZIP_MAGIC = b"\x1f\x8b"
XZ_MAGIC = b"\xfd7zXZ\x00"
BZIP2_MAGIC = b"BZh"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MAGIC_SIZE = max(len(GZIP_MAGIC), len(XZ_MAGIC), len(BZIP2_MAGIC), len(ZSTD_MAGIC))
ZSTD_BUFFER_SIZE = 1 << 17  # one zstd block; the reader itself has no readline

# What reading a damaged file raises: I/O errors, truncated or corrupt compressed data.
READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zstandard.ZstdError)


def compression_of(path: Path) -> str | None:
    """The compression format of the file at ``path`` ("gzip", "xz", "bzip2", "zstd"),
    or None for an uncompressed file."""
    with _open_plain(path) as stream, reading(str(path)):
        magic = stream.read(MAGIC_SIZE)
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    if magic.startswith(XZ_MAGIC):
        return "xz"
    if magic.startswith(BZIP2_MAGIC) and magic[3:4].isdigit():
        return "bzip2"
    if magic.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


def open_binary(path: Path) -> io.BufferedIOBase:
    """Open ``path`` for reading its (decompressed) bytes as a buffered stream
    (``read``, ``readline``). Closing the stream closes the file."""
    kind = compression_of(path)
    with reading(str(path)):
        if kind == "gzip":
            return gzip.open(path)
        if kind == "xz":
            return lzma.open(path)
        if kind == "bzip2":
            return bz2.open(path)
        if kind == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(
                _open_plain(path), read_across_frames=True, closefd=True
            )
            return io.BufferedReader(reader, ZSTD_BUFFER_SIZE)  # type: ignore[arg-type]
        return _open_plain(path)


@contextmanager
def reading(name: str) -> Iterator[None]:
    """Turn a failed read (I/O error, truncated or corrupt compressed data) into a
    one-line SourceError naming the file."""
    try:
        yield
    except READ_ERRORS as exc:
        raise SourceError(f"{name}: unreadable: {_reason(exc)}") from exc


def _open_plain(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise SourceError(f"{path}: not found") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
