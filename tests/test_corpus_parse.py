"""Every message of ../shared/corpus through parse_message: the tally, and what it
read checked against the messages themselves (the stdlib feedparser's MIME tree
and Message-ID, encoded subjects, where dates came from, storable text).

The counts are exact, so that a change in what parses shows here; when one moves
for a good reason, update it and say why in the commit.
"""

from __future__ import annotations

import codecs
import dataclasses
import email
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from pathlib import Path

import pytest
from conftest import CORPUS
from test_parse import leaf_summary

from listkeeper.mail.dates import DateSource
from listkeeper.mail.mime import WANTED_FIELDS, read_message
from listkeeper.mail.parse import MailParseError, ParsedMessage, parse_message
from listkeeper.sources.detect import open_source

ARRIVAL = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
FIRST_ID = re.compile(r"<([^<>]*)>")
FOLDERS = [
    "linux-kbuild-list-2026",
    "spamassassin-public-corpus",
    "torture-fixtures",
    "virtualization-list-2019",
    "xen-lkml-sample",
]


@dataclass
class Walk:
    """What parsing every corpus message found, kept small (no message is kept)."""

    total: Counter[str] = field(default_factory=Counter)
    parsed: Counter[str] = field(default_factory=Counter)
    rejected: dict[str, str] = field(default_factory=dict)  # origin -> reason
    escaped: list[str] = field(default_factory=list)  # origin and exception
    skipped: list[str] = field(default_factory=list)  # files that are not mail
    read_by_feedparser: Counter[str] = field(default_factory=Counter)
    tree_differs: list[str] = field(default_factory=list)
    fields_differ: list[str] = field(default_factory=list)
    date_sources: Counter[tuple[str, DateSource]] = field(default_factory=Counter)
    ids_checked: int = 0
    id_differs: list[tuple[str, str, str]] = field(default_factory=list)
    synthetic_ids: int = 0
    encoded_subjects: int = 0
    encoded_subjects_left: dict[str, str] = field(default_factory=dict)
    unstorable: list[tuple[str, str]] = field(default_factory=list)

    def check(self, folder: str, origin: str, raw: bytes, parsed: ParsedMessage) -> None:
        self.parsed[folder] += 1
        self.date_sources[folder, parsed.date_source] += 1
        data = raw.removeprefix(codecs.BOM_UTF8)
        reference = email.message_from_bytes(data)
        fields = wanted_fields(reference)
        read = read_message(data)
        if not read.parsed_fast:
            self.read_by_feedparser[folder] += 1
        else:
            if leaf_summary(read.tree) != leaf_summary(reference):
                self.tree_differs.append(origin)
            if read.fields.values != fields:
                self.fields_differ.append(origin)
        self._check_id(origin, fields.get("message-id", [""])[0], parsed)
        subject = fields.get("subject", [""])[0]
        if "=?" in subject:
            self.encoded_subjects += 1
            if "=?" in parsed.subject:
                self.encoded_subjects_left[origin] = parsed.subject
        self.unstorable.extend((origin, name) for name in unstorable_fields(parsed))

    def _check_id(self, origin: str, header: str, parsed: ParsedMessage) -> None:
        """The first <id> of the Message-ID field as the feedparser reads it."""
        found = FIRST_ID.search(header)
        expected = "".join(found.group(1).split()) if found else ""
        if parsed.message_id_synthetic:
            self.synthetic_ids += 1
        if expected and expected.isascii():
            self.ids_checked += 1
            if parsed.message_id != expected:
                self.id_differs.append((origin, expected, parsed.message_id))


def wanted_fields(message: Message) -> dict[str, list[str]]:
    """The raw values of the fields parse_message reads, as the feedparser stores them."""
    fields: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        if name.lower() in WANTED_FIELDS:
            fields.setdefault(name.lower(), []).append(value)
    return fields


def unstorable_fields(parsed: ParsedMessage) -> list[str]:
    """Fields with text a database cannot take: a NUL or a lone surrogate."""
    found = []
    for item in dataclasses.fields(parsed):
        if item.name == "raw":
            continue
        for text in strings(getattr(parsed, item.name)):
            if "\x00" in text or (not text.isascii() and not _encodes(text)):
                found.append(item.name)
                break
    return found


def strings(value: object) -> list[str]:
    """Every text inside a value: strings, in lists, tuples and dataclasses."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in strings(item)]
    if dataclasses.is_dataclass(value):
        return [
            text
            for item in dataclasses.fields(value)
            for text in strings(getattr(value, item.name))
        ]
    return []


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.fixture(scope="module")
def walk() -> Walk:
    return walk_corpus()


def walk_corpus() -> Walk:
    """Parse every message of the corpus, keeping the tally and what the checks find."""
    result = Walk()

    def skip(path: Path, reason: str) -> None:
        result.skipped.append(str(path.relative_to(CORPUS)))

    for folder in FOLDERS:
        for mail in open_source(CORPUS / folder, on_skip=skip):
            result.total[folder] += 1
            try:
                parsed = parse_message(mail.data, mail.envelope, ARRIVAL)
            except MailParseError as exc:
                result.rejected[mail.origin] = str(exc)
                continue
            except Exception as exc:  # noqa: BLE001 — what escapes is what we count
                result.escaped.append(f"{mail.origin}: {type(exc).__name__}: {exc}")
                continue
            result.check(folder, mail.origin, mail.data, parsed)
    return result


def test_every_corpus_message_parses_or_is_rejected_with_a_reason(walk: Walk) -> None:
    assert walk.escaped == []
    assert dict(walk.total) == {
        "linux-kbuild-list-2026": 4075,
        "spamassassin-public-corpus": 6046,
        "torture-fixtures": 802,
        "virtualization-list-2019": 5094,
        "xen-lkml-sample": 12,
    }
    assert walk.parsed == walk.total  # nothing rejected
    assert walk.rejected == {}
    assert sorted(walk.skipped) == [
        "torture-fixtures/cpython-email/msg_19.txt",  # a digest's text, no header
        "torture-fixtures/public-inbox/t/solve/bare.patch",  # a diff, not mail
    ]


def test_fast_reader_reads_what_the_feedparser_reads_in_every_message(walk: Walk) -> None:
    assert walk.tree_differs == []
    assert walk.fields_differ == []
    # Lone CRs (and CR CR LF), delivery reports, broken multiparts and header blocks
    # the feedparser repairs go to the feedparser itself.
    assert dict(walk.read_by_feedparser) == {
        "spamassassin-public-corpus": 65,
        "torture-fixtures": 69,
    }


def test_every_message_with_a_message_id_gets_that_id(walk: Walk) -> None:
    assert walk.id_differs == []
    assert walk.ids_checked == 15_921
    assert walk.synthetic_ids == 101  # no Message-ID, or one without an id in it


def test_encoded_subjects_are_decoded(walk: Walk) -> None:
    assert walk.encoded_subjects == 65
    assert walk.encoded_subjects_left == {}


def test_dates_come_from_the_header_then_the_envelope_then_arrival(walk: Walk) -> None:
    header, envelope, arrival = DateSource.HEADER, DateSource.ENVELOPE, DateSource.ARRIVAL
    assert dict(walk.date_sources) == {
        ("linux-kbuild-list-2026", header): 4075,
        ("spamassassin-public-corpus", header): 6045,  # 63 with tm_year years, 2 numeric
        ("spamassassin-public-corpus", envelope): 1,  # Date: ... Oct 2028
        ("torture-fixtures", header): 747,
        ("torture-fixtures", arrival): 55,  # no readable Date, no mbox From_ line
        ("virtualization-list-2019", header): 5094,
        ("xen-lkml-sample", header): 12,
    }


def test_every_text_field_can_be_stored(walk: Walk) -> None:
    assert walk.unstorable == []
