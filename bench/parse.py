"""How fast is parse_message, and where does its time go?

    .venv/bin/python bench/parse.py [CORPUS ...] [--repeat N]

Each corpus is split into messages first (in memory, not timed); then every
message is parsed with parse_message, and the same messages again stage by stage:

* mime: listkeeper.mail.mime.read_message (header block, wanted fields, MIME tree)
* body segmentation: body.segment and parse_attribution on the texts parse_message
  hands them (recorded during the full run)
* the rest: decoding header fields and parts, sha256, HTML, by difference
* stdlib reference: email.message_from_bytes alone, the parser this replaced

Times are CPU seconds of this process (one core), the best of --repeat runs, so
other work on the machine disturbs them little.
"""

from __future__ import annotations

import argparse
import email
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from listkeeper.mail import parse
from listkeeper.mail.attribution import parse_attribution
from listkeeper.mail.blocks import Block
from listkeeper.mail.body import segment
from listkeeper.mail.mime import read_message
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail

CORPUS_ROOT = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_CORPORA = [
    CORPUS_ROOT / "virtualization-list-2019" / "virtualization-2019.mbox.gz",
    CORPUS_ROOT / "linux-kbuild-list-2026" / "linux-kbuild-2025-2026.mbox.gz",
]
ARRIVAL = datetime(2000, 1, 1, tzinfo=timezone.utc)
MEGABYTE = 1_000_000


@dataclass
class Recorder:
    """Wraps body.segment for one full run to keep what parse_message gave it."""

    texts: list[str] = field(default_factory=list)
    attribution_lines: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> list[Block]:
        self.texts.append(text)
        return segment(text)


def best_time(repeat: int, run: Callable[[], object]) -> float:
    """The least CPU time of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def parse_all(mails: list[RawMail]) -> None:
    for mail in mails:
        try:
            parse.parse_message(mail.data, mail.envelope, ARRIVAL)
        except parse.MailParseError:
            pass


def read_all(mails: list[RawMail]) -> None:
    for mail in mails:
        try:
            read_message(mail.data)
        except parse.MailParseError:
            pass


def segment_all(texts: Iterable[str], lines: Iterable[str]) -> None:
    for text in texts:
        segment(text)
    for line in lines:
        parse_attribution(line)


def stdlib_all(mails: list[RawMail]) -> None:
    for mail in mails:
        email.message_from_bytes(mail.data)


def record_segmenter_input(mails: list[RawMail]) -> Recorder:
    """The texts and attribution lines parse_message passes to the body segmenter."""
    recorder = Recorder()
    parse.segment = recorder
    try:
        for mail in mails:
            try:
                parsed = parse.parse_message(mail.data, mail.envelope, ARRIVAL)
            except parse.MailParseError:
                continue
            recorder.attribution_lines.extend(a.line for a in parsed.attributions)
    finally:
        parse.segment = segment
    return recorder


def report(label: str, seconds: float, count: int, size: int, total: float) -> None:
    print(
        f"  {label:<22} {seconds:7.3f} s  {count / seconds:9,.0f} msg/s"
        f"  {size / seconds / MEGABYTE:7.1f} MB/s  {100 * seconds / total:5.1f} %"
    )


def bench(path: Path, repeat: int) -> None:
    mails = list(open_source(path))
    size = sum(len(mail.data) for mail in mails)
    print(f"{path.name}: {len(mails):,} messages, {size / MEGABYTE:.1f} MB")
    recorder = record_segmenter_input(mails)
    total = best_time(repeat, lambda: parse_all(mails))
    mime = best_time(repeat, lambda: read_all(mails))
    body = best_time(repeat, lambda: segment_all(recorder.texts, recorder.attribution_lines))
    stdlib = best_time(repeat, lambda: stdlib_all(mails))
    report("parse_message", total, len(mails), size, total)
    report("  mime", mime, len(mails), size, total)
    report("  body segmentation", body, len(mails), size, total)
    report("  the rest", max(total - mime - body, 1e-9), len(mails), size, total)
    report("stdlib reference", stdlib, len(mails), size, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure, best kept")
    args = parser.parse_args()
    for path in args.corpora:
        bench(path, args.repeat)


if __name__ == "__main__":
    main()
