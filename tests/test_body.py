"""Body anatomy: the seed thread, real-mail hazards, properties, and scale."""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import mailbox
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice, pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listkeeper.mail.attribution import parse_attribution
from listkeeper.mail.blocks import Block, BlockKind
from listkeeper.mail.body import is_top_posted, segment

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_MBOX = ROOT / "examples" / "xen-devel-compat-thread.mbox"
SEED_EXPECTED = SHARED / "seed" / "expected.json"
CORPORA = [
    SHARED / "corpus" / "virtualization-list-2019" / "virtualization-2019.mbox.gz",
    SHARED / "corpus" / "linux-kbuild-list-2026" / "linux-kbuild-2025-2026.mbox.gz",
]
DATA = ROOT / "tests" / "data" / "body"
CORPUS_MESSAGES = 300  # per corpus: enough variety, a few seconds

TEXT, QUOTE, ATTRIBUTION = BlockKind.TEXT, BlockKind.QUOTE, BlockKind.ATTRIBUTION
SIGNATURE, FOOTER, PATCH, LOG = (
    BlockKind.SIGNATURE,
    BlockKind.FOOTER,
    BlockKind.PATCH,
    BlockKind.LOG,
)


def check_blocks(text: str, blocks: list[Block]) -> None:
    """What holds for every body: exact round trip, no empty block, runs merged."""
    assert "".join(b.text for b in blocks) == text
    assert all(b.text and b.depth >= 0 for b in blocks)
    for above, below in pairwise(blocks):
        same = (above.kind, above.depth) == (below.kind, below.depth)
        assert not same or below.kind is ATTRIBUTION  # only attributions stay apart


def shape(blocks: list[Block]) -> list[tuple[str, int]]:
    return [(b.kind.value, b.depth) for b in blocks]


# ------------------------------------------------------------------ the seed


def seed_parts() -> list[list[str]]:
    """The text/plain parts of each seed message, in order."""
    return [
        [
            p.get_payload(decode=True).decode("utf-8")
            for p in m.walk()
            if p.get_content_type() == "text/plain"
        ]
        for m in mailbox.mbox(SEED_MBOX)
    ]


SEED_ATTRIBUTIONS = {
    # n: [(depth, style, name, address, date)]
    2: [(0, "wrote", "Gerd Hoffmann", None, None)],
    3: [(0, "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", datetime(2006, 11, 13, 16, 9))],
    4: [(0, "wrote", "Keir Fraser", None, None)],
    5: [(0, "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", datetime(2006, 11, 13, 16, 47))],
    6: [(0, "wrote", "Keir Fraser", None, None)],
    7: [(0, "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", datetime(2006, 11, 13, 17, 8))],
    9: [(0, "on-date-wrote", "Jan Beulich", "jbeulich@novell.com", datetime(2006, 11, 14, 11, 14))],
    10: [
        (0, "groupwise", "Keir Fraser", "keir@xensource.com", datetime(2006, 11, 14, 12, 50)),
        (1, "on-date-wrote", "Jan Beulich", "jbeulich@novell.com", datetime(2006, 11, 14, 11, 14)),
    ],
    11: [
        (0, "on-date-wrote", "Jan Beulich", "jbeulich@novell.com", datetime(2006, 11, 14, 12, 32))
    ],
    12: [
        (0, "groupwise", "Keir Fraser", "keir@xensource.com", datetime(2006, 11, 14, 13, 42)),
        # Keir's message, pasted unquoted under GroupWise's line: one level down
        (1, "on-date-wrote", "Jan Beulich", "jbeulich@novell.com", datetime(2006, 11, 14, 12, 32)),
    ],
    13: [
        (0, "on-date-wrote", "Jan Beulich", "jbeulich@novell.com", datetime(2006, 11, 14, 13, 2)),
        (1, "groupwise", "Keir Fraser", "keir@xensource.com", datetime(2006, 11, 14, 13, 42)),
        (1, "on-date-wrote", "Jan Beulich", "jbeulich@novell.com", datetime(2006, 11, 14, 12, 32)),
    ],
    14: [(0, "wrote", "Jan Beulich", None, None)],
    15: [(0, "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", datetime(2006, 11, 14, 15, 11))],
    16: [(0, "wrote", "Keir Fraser", None, None)],
    19: [(0, "wrote", "Gerd Hoffmann", None, None)],
    20: [(0, "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", datetime(2006, 11, 14, 16, 6))],
    21: [
        (0, "wrote", "Keir Fraser", None, None),
        (1, "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", datetime(2006, 11, 14, 16, 6)),
    ],
    22: [(0, "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", datetime(2006, 11, 15, 10, 2))],
}
# Every line in the seed that says who wrote what follows.
ATTRIBUTION_LINE = re.compile(r"^[> ]*(?:.* wrote:|>>> .* \d\d:\d\d >>>)\s*$", re.MULTILINE)


def test_seed_matches_expected_json() -> None:
    parts = seed_parts()
    expected = json.loads(SEED_EXPECTED.read_text())["messages"]
    assert len(parts) == len(expected) == 22
    for texts, want in zip(parts, expected, strict=True):
        blocks = [segment(text) for text in texts]
        for text, found in zip(texts, blocks, strict=True):
            check_blocks(text, found)
        kinds = {b.kind for found in blocks for b in found}
        assert (SIGNATURE in kinds) == want["has_signature"], want["n"]
        assert (FOOTER in kinds) == want["has_list_footer"], want["n"]
        assert is_top_posted(blocks[0]) == want["top_posted"], want["n"]


def test_seed_attributions() -> None:
    for n, texts in enumerate(seed_parts(), start=1):
        blocks = [b for text in texts for b in segment(text)]
        found = []
        for block in blocks:
            if block.kind is ATTRIBUTION:
                attribution = parse_attribution(block.text)
                assert attribution is not None, block.text
                found.append(
                    (
                        block.depth,
                        attribution.style,
                        attribution.name,
                        attribution.addr,
                        attribution.date,
                    )
                )
        assert found == SEED_ATTRIBUTIONS.get(n, []), n
        lines = sum(len(ATTRIBUTION_LINE.findall(text)) for text in texts)
        assert len(found) == lines, n


def test_seed_crash_dump_is_one_log_block() -> None:
    text = seed_parts()[0][0]
    blocks = segment(text)
    logs = [b for b in blocks if b.kind is LOG]
    assert len(logs) == 1
    log = logs[0].text
    for line in text.splitlines():
        if "(XEN)" in line:
            assert line in log
    for wrapped in (
        "\nffffffff8010734a\n",
        "\ncall xen_pt_switch\n",
        "\ncall pda_init\n",
        "\nffffffff80116f9b - func",
    ):
        assert wrapped in log
    assert log.startswith("(XEN) ----[ Xen-3.0.2-3 Not tainted ]----")
    assert blocks[0].kind is TEXT and "Kernel dies very\nearly at boot:" in blocks[0].text


def test_seed_multipart_footer_and_patch_parts() -> None:
    for message in list(mailbox.mbox(SEED_MBOX))[13::5][:2]:  # messages 14 and 19
        parts = [p for p in message.walk() if p.get_content_maintype() == "text"]
        footer_only = segment(parts[-1].get_payload(decode=True).decode())
        assert shape(footer_only) == [("footer", 0)]
        patch = segment(parts[1].get_payload(decode=True).decode())
        assert shape(patch) == [("patch", 0)]


# ------------------------------------------------------------------ real-mail hazards

HAZARDS = {
    # GroupWise top-post: the original under ">>> ... >>>" is unquoted, so it is quoted one level down.
    "groupwise-toppost.txt": [
        ("text", 0), ("attribution", 0), ("attribution", 1), ("quote", 2), ("quote", 1), ("footer", 0),
    ],
    "outlook-toppost.txt": [
        ("text", 0), ("attribution", 0), ("attribution", 1), ("quote", 2), ("quote", 1), ("footer", 0),
    ],
    # Outlook wraps To:/Cc: without indenting: the header block goes on to its blank line.
    "outlook-wrapped-cc.txt": [("text", 0), ("attribution", 2), ("quote", 2), ("quote", 1), ("text", 0)],
    # A quoted Outlook header introduces its quote: nothing is pushed deeper.
    "outlook-quoted-inline-reply.txt": [("attribution", 1), ("quote", 1), ("text", 0)],
    "wrapped-hunk-header.txt": [("text", 0), ("patch", 0), ("attribution", 0), ("quote", 1)],
    # b4 puts "---" and base-commit after the diff: they are not a removed line.
    "b4-base-commit-after-diff.txt": [("text", 0), ("patch", 0), ("text", 0), ("signature", 0)],
    "git-send-email-patch.txt": [("text", 0), ("patch", 0), ("signature", 0)],
    # "--" between sections of a robot's report opens no signature.
    "robot-report-dash-separator.txt": [("text", 0)],
    "quoted-attribution-trimmed-quote.txt": [
        ("attribution", 0), ("attribution", 1), ("quote", 1), ("quote", 5), ("quote", 1), ("text", 0),
    ],
    "attribution-elision-before-quote.txt": [("attribution", 0), ("text", 0), ("quote", 4), ("text", 0)],
    "attribution-quoted-blanks-before-quote.txt": [
        ("attribution", 0), ("quote", 1), ("quote", 3), ("quote", 2), ("text", 0),
    ],
    "indented-nested-quote-marks.txt": [
        ("attribution", 0), ("quote", 1), ("attribution", 1), ("quote", 1), ("attribution", 1),
        ("quote", 2), ("quote", 1), ("text", 0),
    ],
    "prose-wrote-colon.txt": [("quote", 1), ("text", 0), ("footer", 0)],
    "gmail-wrapped-attribution.txt": [
        ("attribution", 0), ("quote", 1), ("attribution", 1), ("quote", 2), ("attribution", 2),
        ("quote", 3), ("text", 0),
    ],
    "claws-two-line-attribution.txt": [("attribution", 0), ("text", 0), ("quote", 2), ("quote", 1), ("text", 0)],
    "chinese-am-pm-attribution.txt": [
        ("attribution", 0), ("quote", 1), ("attribution", 1), ("attribution", 2), ("quote", 3), ("text", 0),
    ],
    "log-wrapped-by-mailer.txt": [("text", 0), ("log", 0), ("text", 0)],
    "syzbot-memory-leak.txt": [("text", 0), ("log", 0), ("text", 0)],
    "python-traceback.txt": [("text", 0), ("log", 0), ("text", 0)],
    "google-groups-footer.txt": [("text", 0), ("attribution", 0), ("quote", 1), ("signature", 0), ("footer", 0)],
    # A byte-order mark in front of "On ... wrote:" (and Apple Mail's German "Am ... schrieb ...:").
    "bom-before-attribution.txt": [
        ("text", 0), ("attribution", 1), ("quote", 1), ("attribution", 1), ("quote", 2), ("quote", 1),
    ],
}  # fmt: skip
TOP_POSTED = {
    "groupwise-toppost.txt", "outlook-toppost.txt", "wrapped-hunk-header.txt", "google-groups-footer.txt",
    "bom-before-attribution.txt",
}  # fmt: skip


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(HAZARDS))
def test_hazard(name: str) -> None:
    text = read(name)
    blocks = segment(text)
    check_blocks(text, blocks)
    assert shape(blocks) == HAZARDS[name]
    assert is_top_posted(blocks) == (name in TOP_POSTED)
    for block in blocks:
        if block.kind is ATTRIBUTION:
            assert parse_attribution(block.text) is not None


def test_every_hazard_file_is_checked() -> None:
    assert sorted(p.name for p in DATA.glob("*.txt")) == sorted(HAZARDS)


@pytest.mark.parametrize("name", sorted(HAZARDS))
def test_crlf_bodies_segment_alike(name: str) -> None:
    text = read(name).replace("\n", "\r\n")
    blocks = segment(text)
    check_blocks(text, blocks)
    assert shape(blocks) == HAZARDS[name]


def test_hazard_attributions() -> None:
    found = parse_attribution(segment(read("outlook-toppost.txt"))[1].text)
    assert found is not None and (found.style, found.name, found.date) == (
        "outlook", "Keir Fraser", datetime(2006, 11, 14, 16, 11),
    )  # fmt: skip
    found = parse_attribution(segment(read("gmail-wrapped-attribution.txt"))[0].text)
    assert found is not None and (found.name, found.addr) == (
        "Andrii Nakryiko",
        "andrii.nakryiko@gmail.com",
    )
    found = parse_attribution(segment(read("bom-before-attribution.txt"))[3].text)
    assert found is not None and (found.style, found.name) == ("on-date-wrote", "Borislav Petkov")


# ------------------------------------------------------------------ small cases


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("\n\n", [("text", 0)]),
        ("no newline at the end", [("text", 0)]),
        ("> a\n\n> b\n", [("quote", 1)]),  # a blank line inside one quote
        ("> a\n>> b\n> > c\n >d\n", [("quote", 1), ("quote", 2), ("quote", 1)]),
        ("Hi\n---\n file | 3 ++-\n", [("text", 0)]),  # a diffstat is text
        ("text\n-- \n2.43.0\n", [("text", 0), ("signature", 0)]),
        ("text\n--\nJohn\n", [("text", 0), ("signature", 0)]),
        ("> -- \n> sig\n", [("quote", 1)]),  # a quoted signature stays quote
        ("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+y\nThanks\n", [("patch", 0), ("text", 0)]),
        (
            "Index: f.c\n====================\n--- f.c\n+++ f.c\n@@ -1 +1 @@\n-a\n+b\n",
            [("patch", 0)],
        ),
        ("diff -u is what I use\n- a list\n", [("text", 0)]),  # prose, no hunk
        ("Gerd wrote:\n> hi\n", [("attribution", 0), ("quote", 1)]),
        ("Gerd wrote:\n", [("attribution", 0)]),  # at the end of the text
        ("As Gerd wrote:\nsomething\n", [("text", 0)]),
        ("\n_______________________________________________\nX mailing list\n", [("footer", 0)]),
        ("[    1.000000] BUG: oops\n[    1.000001] Call Trace:\n", [("log", 0)]),
    ],
)
def test_small_cases(text: str, expected: list[tuple[str, int]]) -> None:
    blocks = segment(text)
    check_blocks(text, blocks)
    assert shape(blocks) == expected


def test_signature_is_not_the_format_patch_separator() -> None:
    blocks = segment("Fix it.\n\nSigned-off-by: A <a@b.c>\n---\n f | 1 +\n")
    assert SIGNATURE not in {b.kind for b in blocks}


def test_prose_that_says_wrote_is_cut_without_reading_its_date() -> None:
    """Only an attribution's own parts are read: a line that reads like one but
    introduces no quote is text, whatever its date says (here a long s, which
    the case-blind month pattern takes for the s of "sep")."""
    text = "On 5 \u017fep 2019 10:00, Xavier Foo wrote:\nno quote follows\n"
    assert [(b.kind, b.text) for b in segment(text)] == [(TEXT, text)]


def test_top_posting() -> None:
    assert is_top_posted(segment("Yes.\n\nGerd wrote:\n> Shall we?\n\n-- \nKeir\n"))
    assert not is_top_posted(segment("Gerd wrote:\n> Shall we?\n\nYes.\n"))
    assert not is_top_posted(segment("Yes.\n\nGerd wrote:\n> Shall we?\n\nAnd more.\n"))
    assert not is_top_posted(segment("No quote here.\n"))


# ------------------------------------------------------------------ properties

FRAGMENTS = [
    ">", "> ", "> >", ">>", " >", ">>>", "-- ", "--", "---", "_" * 47, "diff --git a/f b/f", "+", "-", " ",
    "@@ -1 +1 @@", "(XEN) ", "[  123.456789] ", "wrote:", "On 13/11/06 16:09, X wrote:", "\r\n", "\n", "\n\n",
    "index 1..2", "--- a/f", "+++ b/f", "-----Original Message-----", "From: A <a@b.c>", "Sent: today",
    ">>> Keir <k@x.com> 14.11.06 12:50 >>>", "Call Trace:", "ffffffff8010734a", " -", "mailing list", "x",
    "Traceback (most recent call last):", "  File \"x\", line 1", "[...]", "\t", "下午", "\u2028", "\x0c",
]  # fmt: skip
mail_like = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)


@given(st.text())
def test_blocks_give_back_any_text(text: str) -> None:
    check_blocks(text, segment(text))


@settings(max_examples=500)
@given(mail_like)
def test_blocks_give_back_mail_like_text(text: str) -> None:
    blocks = segment(text)
    check_blocks(text, blocks)
    is_top_posted(blocks)
    for block in blocks:
        if block.kind is ATTRIBUTION:
            parse_attribution(block.text)


# ------------------------------------------------------------------ scale
# No timing is asserted: on these inputs a pass that went quadratic would take
# minutes, where a linear one takes well under a second.

LARGE_LINES = 50_000


@pytest.mark.parametrize(
    "text",
    [
        "".join(f"{'>' * (i % 7)} line {i}\n" for i in range(LARGE_LINES)),
        ">" * 2_000_000,
        ("diff x\n- y\n" * (LARGE_LINES // 2)),
        ("--\n" * LARGE_LINES),
        ("-----Original Message-----\nFrom: a\n\ntext\n" * (LARGE_LINES // 4)),
        (">>> K <k@x.com> 14.11.06 12:50 >>>\ntext\n" * (LARGE_LINES // 2)),
        ("[    1.000000] x\n\n" * (LARGE_LINES // 2)),
        ("On Mon, X wrote:\n" * LARGE_LINES),
        "x" * 2_000_000 + " wrote:",
    ],
    ids=[
        "quotes",
        "one-line-of-marks",
        "unconfirmed-diffs",
        "dashes",
        "outlook-chain",
        "groupwise",
        "log",
        "wrote",
        "long-line",
    ],
)
def test_large_inputs(text: str) -> None:
    assert "".join(b.text for b in segment(text)) == text


# ------------------------------------------------------------------ real mail


def corpus_texts(path: Path) -> list[tuple[str, str]]:
    """(subject, text) of each text/plain part of the first messages of a corpus."""
    texts = []
    with gzip.open(path, "rb") as mbox:
        for raw in islice(_split_mbox(mbox), CORPUS_MESSAGES):
            message = email.message_from_bytes(raw, policy=email.policy.compat32)
            subject = str(message.get("Subject", ""))
            for part in message.walk():
                payload = part.get_payload(decode=True)
                if part.get_content_type() == "text/plain" and payload is not None:
                    texts.append((subject, _decode(payload, part.get_content_charset())))
    return texts


def _split_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The messages of an mbox, without their From_ lines (mboxrd escapes the rest)."""
    message: list[bytes] | None = None
    for line in lines:
        if line.startswith(b"From "):
            if message is not None:
                yield b"".join(message)
            message = []
        elif message is not None:
            message.append(line)
    if message is not None:
        yield b"".join(message)


def _decode(payload: bytes, charset: str | None) -> str:
    try:
        return payload.decode(charset or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("latin-1")


REPLY_ATTRIBUTION = re.compile(r"^(On .{10,200} wrote:)\r?\n>", re.MULTILINE)


@pytest.mark.parametrize("path", CORPORA, ids=lambda p: p.parent.name)
def test_real_mail(path: Path) -> None:
    for subject, text in corpus_texts(path):
        blocks = segment(text)
        check_blocks(text, blocks)
        if re.match(r"\s*\[PATCH", subject) and "\ndiff --git" in text:
            patches = [b for b in blocks if b.kind is PATCH]
            assert patches, subject
            assert all(b.text.startswith(("diff", "Index: ", "--- ")) for b in patches)
        attributions = "".join(b.text for b in blocks if b.kind is ATTRIBUTION)
        for line in REPLY_ATTRIBUTION.findall(text):
            assert line in attributions, subject
