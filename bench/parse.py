"""How fast is parse_message, and where does its time go?

    .venv/bin/python bench/parse.py [CORPUS ...] [--repeat N]

Each corpus is split into messages first (in memory, not timed); then every
message is parsed with parse_message, and the same messages again stage by stage:

* read: mime.read_message, the header block, the fields wanted and the MIME tree
* header fields: the ids, addresses, subject and date decoded from those fields
* body segmentation: body.segment and parse_attribution on the texts parse_message
  hands them (recorded during a first run)
* the rest, by difference: decoding parts (transfer encodings, charsets, flowed
  text), attachments, sha256, HTML
* stdlib reference: email.message_from_bytes alone, the parser this replaced

Times are CPU seconds of this process (one core), the best of --repeat runs, so
other work on the machine disturbs them little. The split corpus is moved out of
the garbage collector's sight (gc.freeze) first: an importer streams messages and
never holds a whole corpus, so scanning one would be a cost of the benchmark only.
Each run starts with the parser's caches empty, as an import does: a later round
must not be timed on what an earlier one kept.
"""

from __future__ import annotations

import argparse
import email
import gc
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from listkeeper.mail import parse
from listkeeper.mail.attribution import parse_attribution
from listkeeper.mail.blocks import Block
from listkeeper.mail.body import segment
from listkeeper.mail.dates import message_date
from listkeeper.mail.headers import (
    address,
    addresses,
    header_text,
    message_id_list,
    normalize_message_id,
)
from listkeeper.mail.mime import MimeMessage, read_message
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail

CORPUS_ROOT = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_CORPORA = [
    CORPUS_ROOT / "virtualization-list-2019" / "virtualization-2019.mbox.gz",
    CORPUS_ROOT / "linux-kbuild-list-2026" / "linux-kbuild-2025-2026.mbox.gz",
]
ARRIVAL = datetime(2000, 1, 1, tzinfo=UTC)
MEGABYTE = 1_000_000


@dataclass
class Recorder:
    """Stands in for body.segment during one run to keep what it is given."""

    texts: list[str] = field(default_factory=list)
    attribution_lines: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> list[Block]:
        self.texts.append(text)
        return segment(text)


def clear_parse_caches() -> None:
    """Empty every LRU cache of listkeeper.mail (address lists, attributions...)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("listkeeper.mail"):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def best_times(repeat: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The least CPU time of each run over ``repeat`` rounds; one round runs each
    once, so that a busy spell on the machine falls on all of them alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            clear_parse_caches()
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    return best


def parse_all(mails: list[RawMail]) -> None:
    for mail in mails:
        with suppress(parse.MailParseError):
            parse.parse_message(mail.data, mail.envelope, ARRIVAL)


def read_all(mails: list[RawMail]) -> list[MimeMessage]:
    read = []
    for mail in mails:
        with suppress(parse.MailParseError):
            read.append(read_message(mail.data))
    return read


def decode_fields(read: list[MimeMessage]) -> None:
    """What parse_message makes of the header fields (without a charset hint)."""
    for message in read:
        fields = message.fields
        normalize_message_id(fields.get("message-id"))
        normalize_message_id(fields.get("in-reply-to"))
        message_id_list(fields.get("references"))
        address(fields.get("from"))
        addresses(fields.get_all("to"))
        addresses(fields.get_all("cc"))
        header_text(fields.get("subject"))
        message_date(fields.get("date"), None, ARRIVAL)


def segment_all(recorder: Recorder) -> None:
    for text in recorder.texts:
        segment(text)
    for line in recorder.attribution_lines:
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
            with suppress(parse.MailParseError):
                parsed = parse.parse_message(mail.data, mail.envelope, ARRIVAL)
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
    read = read_all(mails)
    gc.collect()
    gc.freeze()
    stages: dict[str, Callable[[], object]] = {
        "read": lambda: read_all(mails),
        "header fields": lambda: decode_fields(read),
        "body segmentation": lambda: segment_all(recorder),
    }
    times = best_times(
        repeat,
        {
            "parse_message": lambda: parse_all(mails),
            **stages,
            "stdlib reference": lambda: stdlib_all(mails),
        },
    )
    total = times["parse_message"]
    report("parse_message", total, len(mails), size, total)
    for name in stages:
        report(f"  {name}", times[name], len(mails), size, total)
    rest = total - sum(times[name] for name in stages)
    if rest > 0:
        report("  the rest", rest, len(mails), size, total)
    else:
        print("  the rest: below the noise of the figures above")
    report("stdlib reference", times["stdlib reference"], len(mails), size, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure, best kept")
    args = parser.parse_args()
    for path in args.corpora:
        bench(path, args.repeat)


if __name__ == "__main__":
    main()
