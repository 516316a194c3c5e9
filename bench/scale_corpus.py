"""Build a large mbox from the real corpora, for the 1,000,000-message benchmarks.

    .venv/bin/python bench/scale_corpus.py OUT.mbox.zst [--messages N] [CORPUS...]

Each pass over the real corpora (by default the virtualization and kbuild
lists, 9,169 messages) is one "copy": copy k rewrites every Message-ID the
headers name (Message-ID, In-Reply-To, References) to a k-specific one, so
threads stay threads and never join another copy's, and moves every Date
back by k quarters, so that the archive grows into decades of mail about
four times as dense as either list. Copies a quarter apart are further
apart than threading repair's 60-day candidate window, so repair cannot
link one copy to another either. Bodies are untouched: what is searched
and threaded is real developer mail. Written as zstd-compressed mboxrd,
streaming: memory stays flat whatever N is.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from itertools import islice
from pathlib import Path

import zstandard

from common import BIG_CORPORA
from listkeeper.sources.detect import open_source
from listkeeper.sources.mbox import write_mboxrd
from listkeeper.sources.raw import RawMail

COPY_SHIFT = timedelta(days=91)
ZSTD_LEVEL = 3
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# A header field with its folded continuation lines.
_ID_FIELDS = re.compile(rb"^(?:message-id|in-reply-to|references):(?:.*(?:\r?\n[ \t].*)*)", re.I | re.M)
_DATE_FIELD = re.compile(rb"^date:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
_ID = re.compile(rb"<([^<>@\s]+)@")


def scaled(mail: RawMail, copy: int) -> RawMail:
    """The mail as it would be in copy ``copy``; copy 0 is the original."""
    if copy == 0:
        return mail
    found = _HEADER_END.search(mail.data)
    cut = found.start() if found else len(mail.data)
    head, body = mail.data[:cut], mail.data[cut:]
    suffix = f".scale{copy}@".encode()
    head = _ID_FIELDS.sub(lambda field: _ID.sub(rb"<\1" + suffix, field.group(0)), head)
    head = _DATE_FIELD.sub(lambda field: _shifted_date(field, copy), head, count=1)
    return RawMail(data=head + body, origin=f"{mail.origin}#copy{copy}", envelope=mail.envelope)


def _shifted_date(field: re.Match[bytes], copy: int) -> bytes:
    try:
        date = parsedate_to_datetime(field.group(1).decode("ascii", "replace"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return field.group(0)  # a date nobody can read stays as it was
    return b"Date: " + format_datetime(date - copy * COPY_SHIFT).encode("ascii")


def scaled_corpus(corpora: list[Path], count: int) -> Iterator[RawMail]:
    copy = 0
    while True:
        for corpus in corpora:
            for mail in open_source(corpus):
                yield scaled(mail, copy)
        copy += 1
        if copy > count:  # an empty corpus list must not loop forever
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the .mbox.zst to write")
    parser.add_argument("corpora", nargs="*", type=Path, default=BIG_CORPORA)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.monotonic()
    written = 0
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=-1)
    with args.out.open("wb") as raw, compressor.stream_writer(raw) as out:
        for mail in islice(scaled_corpus(args.corpora, args.messages), args.messages):
            write_mboxrd([mail], out)
            written += 1
            if written % 100_000 == 0:
                print(f"{written:,} messages, {time.monotonic() - started:.0f} s", file=sys.stderr)
    size = args.out.stat().st_size
    print(
        f"{args.out}: {written:,} messages, {size / 1e9:.2f} GB compressed, "
        f"{time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
