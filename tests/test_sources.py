"""listkeeper.sources: every input kind gives back its messages byte for byte."""

from __future__ import annotations

import bz2
import email
import gzip
import io
import lzma
import re
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from listkeeper.sources import (
    RawMail,
    SourceError,
    SourceKind,
    kind_of,
    open_binary,
    open_source,
    read_maildir,
    read_mbox,
    read_mbox_stream,
    read_mh,
    write_mboxrd,
)

DATA = Path(__file__).parent / "data" / "sources"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "xen-devel-compat-thread.mbox"
CORPUS = SHARED / "corpus"
VIRTUALIZATION = CORPUS / "virtualization-list-2019" / "virtualization-2019.mbox.gz"
KBUILD = CORPUS / "linux-kbuild-list-2026" / "linux-kbuild-2025-2026.mbox.gz"
SPAMASSASSIN = CORPUS / "spamassassin-public-corpus" / "spamassassin-publiccorpus-2002.tar.gz"
TORTURE = CORPUS / "torture-fixtures"
MIMEKIT_MBOX = TORTURE / "mimekit" / "UnitTests" / "TestData" / "mbox"
NOTMUCH = TORTURE / "notmuch" / "test" / "corpora"

ENVELOPE = "alice@example.org Mon Nov 13 15:41:00 2006"
MESSAGE = b"From: alice@example.org\nSubject: hello\n\nbody\n"
GIT_PATCH_MESSAGE = (
    b"From: alice@example.org\nSubject: a patch attached\n\nSee the patch.\n\n"
    b"From 3029b9604cf2b2eaa5f38167f59246e2fa026eb5 Mon Sep 17 00:00:00 2001\n"
    b"Subject: [PATCH] fix\n\n--- a/x\n+++ b/x\n"
)



def mails(path: Path) -> list[RawMail]:
    return list(read_mbox(path))


def as_mboxrd(items: list[RawMail]) -> bytes:
    out = io.BytesIO()
    write_mboxrd(items, out)
    return out.getvalue()


def message_id(mail: RawMail) -> str | None:
    return email.message_from_bytes(mail.data)["Message-ID"]


# --- mbox dialects (small files named after their hazard) ----------------------------


def test_mboxrd_from_quoting_loses_one_level() -> None:
    first, second = mails(DATA / "mboxrd-from-quoting.mbox")
    assert first.data == (
        b"From: alice@example.org\nSubject: quoting\n\n"
        b'From the start, this line began with "From ".\n'
        b'>From here, this one began with ">From ".\n'
        b">>From two levels of quoting.\n"
        b"> From a reply quote, untouched.\n"
        b" >From not at the start of the line, untouched.\n"
    )
    assert second.data.endswith(b"\n\nFrom here on, the second message.\n")
    assert first.envelope == ENVELOPE
    assert first.origin == f"{DATA / 'mboxrd-from-quoting.mbox'}:0"
    offset = (DATA / "mboxrd-from-quoting.mbox").read_bytes().index(b"From bob@")
    assert second.origin.endswith(f":{offset}")


def test_mboxcl2_content_length_trusted_only_where_a_message_can_end() -> None:
    trusted, short, past_end, last = mails(DATA / "mboxcl2-content-length.mbox")
    # Right length: the envelope-like line in the body does not split, >From stays.
    assert trusted.data.endswith(
        b"Content-Length: 123\n\nA body whose Content-Length is right.\n\n"
        b"From carol@example.org Tue Nov 14 10:00:00 2006\n"
        b">From this line is kept as written.\n"
    )
    # Wrong lengths fall back to From_ splitting (and mboxrd unquoting).
    assert short.data.endswith(b"\n\nContent-Length lands in the middle of this line.\n")
    assert past_end.data.endswith(b"\n\nFrom quoted, so unquoted when the length is not trusted.\n")
    # A length that reaches the end of the file keeps the blank line it counts.
    assert last.data.endswith(b"which is kept.\n\n")
    assert [m.envelope for m in (trusted, short, past_end, last)] == [
        "alice@example.org Mon Nov 13 15:41:00 2006",
        "bob@example.org Mon Nov 13 16:00:00 2006",
        "carol@example.org Mon Nov 13 17:00:00 2006",
        "dave@example.org Mon Nov 13 18:00:00 2006",
    ]


def test_netscape_from_dash_without_blank_lines() -> None:
    one, two, three = mails(DATA / "netscape-from-dash.mbox")
    assert [m.envelope for m in (one, two, three)] == ["- ", "- Mon Jun  3 12:50:27 1996", "-"]
    # No blank line before the next From_: nothing to strip.
    assert one.data.endswith(b"\n\nNetscape wrote no blank line before the next From_ line.\n")
    assert two.data.endswith(b"\n\nbody two\n")
    assert three.data.endswith(b"\n\nFrom Russia with love\n")


def test_crlf_mbox_keeps_crlf() -> None:
    first, second = mails(DATA / "crlf.mbox")
    assert first.envelope == ENVELOPE
    assert first.data == (
        b"From: alice@example.org\r\nSubject: crlf\r\n\r\nFrom the body, quoted.\r\nlast line\r\n"
    )
    assert second.data == b"From: bob@example.org\r\nSubject: crlf two\r\n\r\nbody\r\n"
    assert as_mboxrd([first, second]) == (DATA / "crlf.mbox").read_bytes()


def test_from_in_body_that_is_no_envelope_does_not_split() -> None:
    first, second = mails(DATA / "from-in-body-not-envelope.mbox")
    assert b"\n\nFrom here on, this is body text.\n\nFrom 10:30 to 11:30" in first.data
    assert first.data.endswith(b"From me Mon, see you.\n")
    assert second.envelope == "bob@example.org Mon Nov 13 16:00:00 2006"


def test_pipermail_at_obfuscated_envelopes_split() -> None:
    first, second = mails(DATA / "pipermail-at-sender.mbox")
    assert first.envelope == "kraxel at suse.de  Mon Nov 13 15:41:00 2006"
    assert second.envelope == "keir at xensource.com  Mon Nov 13 16:31:00 2006"
    assert first.data.endswith(b"\n\nHi,\n")


def test_text_before_the_first_from_line_is_kept_not_dropped() -> None:
    preamble, message = mails(DATA / "text-before-first-from.mbox")
    assert preamble == RawMail(
        b"This text came before the first From_ line.\n\n",
        None,
        f"{DATA / 'text-before-first-from.mbox'}:0",
    )
    assert message.envelope == ENVELOPE


def test_any_from_line_opens_a_file_but_later_ones_must_look_like_envelopes() -> None:
    text = b"From lib  \nSubject: a\n\nx\nFrom xl.org, netdev@vger.kernel.org,\n"
    (only,) = read_mbox_stream(io.BytesIO(text), "fuzz")
    assert only.envelope == "lib  "
    assert only.data == b"Subject: a\n\nx\nFrom xl.org, netdev@vger.kernel.org,\n"


def test_messages_larger_than_a_chunk() -> None:
    big = b"Subject: big\n\n" + b"x" * 100 + b"\n" + b"line\n" * 500_000  # 2.5 MB
    text = as_mboxrd([RawMail(big, ENVELOPE, ""), RawMail(MESSAGE, ENVELOPE, "")])
    got = list(read_mbox_stream(io.BytesIO(text), "big"))
    assert [m.data for m in got] == [big, MESSAGE]
    assert got[1].origin == f"big:{text.index(MESSAGE) - len('From ' + ENVELOPE) - 1}"


# --- writing mboxrd ------------------------------------------------------------------


def test_seed_round_trips_byte_for_byte() -> None:
    seed = mails(SEED)
    assert len(seed) == 22
    assert seed[0].envelope == "kraxel@suse.de  Mon Nov 13 15:41:00 2006"
    assert message_id(seed[0]) == "<4558911E.2030904@suse.de>"
    assert all(not m.data.startswith(b"From ") and m.data.endswith(b"\n") for m in seed)
    assert as_mboxrd(seed) == SEED.read_bytes()
    assert kind_of(SEED) is SourceKind.MBOX and list(open_source(SEED)) == seed


def test_write_mboxrd_quotes_and_gives_no_envelope_a_default() -> None:
    mail = RawMail(b"Subject: q\n\nFrom x\n>From y\n", None, "")
    assert as_mboxrd([mail]) == (
        b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: q\n\n>From x\n>>From y\n\n"
    )


LINES = st.one_of(
    st.sampled_from(
        [
            b"From " + ENVELOPE.encode(),
            b"From - Mon Jun  3 12:50:27 1996",
            b"From -",
            b"From someone@example.org",
            b"From here on",
            b">From quoted",
            b">>From twice",
            b">",
            b"",
            b"Subject: x",
        ]
    ),
    st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
)
MESSAGES = st.lists(LINES, max_size=12).map(lambda lines: b"".join(x + b"\n" for x in lines))


@settings(max_examples=300, deadline=None)
@given(st.lists(MESSAGES, max_size=6))
def test_mboxrd_round_trip(bodies: list[bytes]) -> None:
    originals = [RawMail(body, ENVELOPE, "") for body in bodies]
    text = as_mboxrd(originals)
    back = list(read_mbox_stream(io.BytesIO(text), "h"))
    assert [(m.data, m.envelope) for m in back] == [(m.data, m.envelope) for m in originals]
    assert as_mboxrd(back) == text


# --- compression ---------------------------------------------------------------------

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "xz": lzma.compress,
    "bzip2": bz2.compress,
    "zstd": zstandard.ZstdCompressor().compress,
}


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_compressed_mbox_told_by_magic_not_name(kind: str, tmp_path: Path) -> None:
    plain = DATA / "mboxrd-from-quoting.mbox"
    path = tmp_path / "archive.txt"  # the name says nothing
    path.write_bytes(COMPRESSORS[kind](plain.read_bytes()))
    with open_binary(path) as stream:
        assert stream.read() == plain.read_bytes()
    assert kind_of(path) is SourceKind.MBOX
    assert [m.data for m in open_source(path)] == [m.data for m in mails(plain)]


def test_zstd_with_several_frames(tmp_path: Path) -> None:
    compress = zstandard.ZstdCompressor().compress
    path = tmp_path / "two-frames.mbox.zst"
    text = as_mboxrd([RawMail(MESSAGE, ENVELOPE, "")] * 2)
    path.write_bytes(compress(text[:10]) + compress(text[10:]))
    assert len(list(open_source(path))) == 2


def test_truncated_gzip_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.mbox.gz"
    body = b"".join(b"line %d\n" % n for n in range(100_000))
    compressed = gzip.compress(as_mboxrd([RawMail(MESSAGE + body, ENVELOPE, "")] * 2))
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(SourceError, match=r"cut\.mbox\.gz: unreadable"):
        list(open_source(path))


# --- one message per file ------------------------------------------------------------


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def numbered(n: int) -> bytes:
    return b"Subject: %d\n\nbody %d\n" % (n, n)


def test_maildir_cur_and_new_in_name_order_tmp_ignored(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "cur/1163429000.M1P1.host:2,S": numbered(1),
            "new/1163429001.M2P1.host": numbered(2),
            "cur/1163429002.M3P1.host:2,RS": numbered(3),
            "tmp/1163429003.M4P1.host": numbered(4),  # still being delivered
            "cur/.hidden": b"Subject: no\n\n",
            "dovecot-uidlist": b"3 V1163429000 N4\n",  # bookkeeping, not mail
            ".Sent/cur/1163429004.M5P1.host:2,S": numbered(5),  # Maildir++ sub-folder
        },
    )
    assert kind_of(tmp_path) is SourceKind.MAILDIR
    assert [m.data for m in read_maildir(tmp_path)] == [numbered(1), numbered(2), numbered(3)]
    got = list(open_source(tmp_path))
    assert [m.data for m in got] == [numbered(n) for n in (1, 2, 3, 5)]
    assert got[0] == RawMail(numbered(1), None, str(tmp_path / "cur/1163429000.M1P1.host:2,S"))


def test_maildir_file_with_from_line_is_one_message_kept_as_is(tmp_path: Path) -> None:
    message = GIT_PATCH_MESSAGE + b">From is no mbox escape here.\n\n"
    write_files(tmp_path, {"new/1": b"From " + ENVELOPE.encode() + b"\n" + message})
    (only,) = open_source(tmp_path)
    assert only == RawMail(message, ENVELOPE, str(tmp_path / "new/1"))


def test_mh_in_numeric_order(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"1": numbered(1), "2": numbered(2), "10": numbered(10), ".mh_sequences": b"cur: 10\n"},
    )
    assert kind_of(tmp_path) is SourceKind.MH
    assert [m.data for m in read_mh(tmp_path)] == [numbered(n) for n in (1, 2, 10)]


def test_eml_with_from_line_is_one_message_whatever_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "saved.eml"
    path.write_bytes(b"From " + ENVELOPE.encode() + b"\n" + GIT_PATCH_MESSAGE)
    assert kind_of(path) is SourceKind.MESSAGE
    assert list(open_source(path)) == [RawMail(GIT_PATCH_MESSAGE, ENVELOPE, str(path))]


def test_directory_of_files_recursive_in_name_order(tmp_path: Path) -> None:
    mbox = as_mboxrd([RawMail(numbered(n), ENVELOPE, "") for n in (3, 4)])
    write_files(
        tmp_path,
        {
            "b.eml": numbered(2),
            "a.eml": numbered(1),
            "c/2006-November.txt.gz": gzip.compress(mbox),
            "d.eml": b"\n  \nSubject: blank lines first\n\n",  # tolerated
            ".DS_Store": b"\0\0\0\1Bud1",
        },
    )
    assert kind_of(tmp_path) is SourceKind.DIRECTORY
    got = list(open_source(tmp_path))
    assert [m.data for m in got][:4] == [numbered(n) for n in (1, 2, 3, 4)]
    assert got[4].data == b"\n  \nSubject: blank lines first\n\n"
    assert got[2].origin == f"{tmp_path / 'c/2006-November.txt.gz'}:0"


def test_tar_of_message_files(tmp_path: Path) -> None:
    path = tmp_path / "corpus.tgz"
    members = {
        "ham/00001": b"From " + ENVELOPE.encode() + b"\n" + GIT_PATCH_MESSAGE,
        "ham/00002": numbered(2),
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    assert kind_of(path) is SourceKind.TAR
    assert list(open_source(path)) == [
        RawMail(GIT_PATCH_MESSAGE, ENVELOPE, f"{path}:ham/00001"),
        RawMail(numbered(2), None, f"{path}:ham/00002"),
    ]


# --- what is not mail ----------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"^/.*/nothing\.mbox: not found$"):
        open_source(tmp_path / "nothing.mbox")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\n\n", "blank"),
        (
            b"# Notes\nnot mail\n",
            "starts with '# Notes', neither an mbox From_ line nor a mail header",
        ),
    ],
)
def test_file_that_is_not_mail(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(SourceError) as raised:
        open_source(path)
    assert str(raised.value) == f"{path}: not a mailbox: {reason}"


def test_non_mail_file_in_a_directory_is_refused_or_reported(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.eml": numbered(1), "README": b"# mail from 2006\n"})
    with pytest.raises(SourceError, match=r"README: not a mailbox: starts with '# mail"):
        list(open_source(tmp_path))
    skipped: list[tuple[Path, str]] = []
    got = list(open_source(tmp_path, on_skip=lambda path, reason: skipped.append((path, reason))))
    assert [m.data for m in got] == [numbered(1)]
    assert [path.name for path, _ in skipped] == ["README"]


# --- real data (read-only, from ../shared) -------------------------------------------


def header_of(data: bytes) -> bytes:
    return data.split(b"\n\n", 1)[0]


@pytest.mark.parametrize(
    ("path", "count", "first_id", "last_id"),
    [
        pytest.param(
            VIRTUALIZATION,
            5094,
            "<5B8DA87D05A7694D9FA63FD143655C1B9DAFBA81@hasmsx108.ger.corp.intel.com>",
            "<cc3ef7f5-2980-00bf-2534-272b882bb64f@de.ibm.com>",
            id="virtualization-2019",
        ),
        pytest.param(
            KBUILD,
            4075,
            "<20251202200917.GA1959956@ax162>",
            "<e49be8bf-a3f8-4b2f-8e2b-379f4885b194@igalia.com>",
            id="linux-kbuild-2025-2026",
        ),
    ],
)
def test_public_inbox_mboxrd_exports(path: Path, count: int, first_id: str, last_id: str) -> None:
    got = mails(path)
    assert len(got) == count
    assert message_id(got[0]) == first_id
    assert message_id(got[-1]) == last_id
    has_message_id = re.compile(rb"(?im)^message-id:")
    assert all(has_message_id.search(header_of(m.data)) for m in got)
    assert {m.envelope for m in got} == {"mboxrd@z Thu Jan  1 00:00:00 1970"}
    # Every byte is accounted for: written back as mboxrd it is the original file.
    with gzip.open(path) as original:
        assert as_mboxrd(got) == original.read()


def test_netscape_1996_mbox_with_content_length() -> None:
    got = mails(MIMEKIT_MBOX / "content-length.mbox.txt")
    assert len(got) == 29
    assert got[0].envelope == "- " and got[3].envelope == "- Mon Jun  3 12:50:27 1996"
    assert all(re.match(rb"[!-9;-~]+:", m.data) for m in got)
    # Content-Length values that land mid-line are not trusted...
    assert got[0].data.endswith(b"(26598)--\n")
    # ...those that land on the blank line before the next From_ line are.
    header, body = got[3].data.split(b"\n\n", 1)
    assert b"\nContent-Length: %d\n" % len(body) in header + b"\n"


def test_mimekit_mboxes_odd_separators() -> None:
    takeout = mails(MIMEKIT_MBOX / "issue1189.mbox.txt")
    assert [m.envelope for m in takeout][:2] == [
        "1844347792267117879@xxx",
        "1844347839636459560@xxx",
    ]
    assert len(takeout) == 4
    unmunged = mails(MIMEKIT_MBOX / "unmunged.mbox.txt")  # starts with a byte-order mark
    assert [m.envelope for m in unmunged] == ["-", "-"]
    assert b"\nFrom Russia with love\n" in unmunged[0].data


def test_notmuch_maildir_trees() -> None:
    files = [p for p in NOTMUCH.rglob("*") if p.is_file()]
    got = list(open_source(NOTMUCH))
    assert len(got) == len(files) == 320
    # One file of a plain folder starts with a From_ line: an mbox, so "path:offset".
    assert {m.origin.removesuffix(":0") for m in got} == {str(p) for p in files}
    lkml = list(open_source(NOTMUCH / "lkml"))
    assert len(lkml) == 210 and kind_of(NOTMUCH / "lkml") is SourceKind.MAILDIR


def test_directory_of_eml_files() -> None:
    folder = CORPUS / "xen-lkml-sample"
    got = list(open_source(folder))
    assert [m.origin for m in got] == sorted(str(p) for p in folder.glob("*.eml"))
    assert [m.data for m in got] == [Path(m.origin).read_bytes() for m in got]


def test_spamassassin_tar_of_one_message_files() -> None:
    got = list(open_source(SPAMASSASSIN))
    assert len(got) == 6046
    assert len({m.origin for m in got}) == 6046
    with_envelope = [m for m in got if m.envelope is not None]
    assert len(with_envelope) == 5453
    assert not any(m.data.startswith(b"From ") for m in with_envelope)


def test_torture_fixtures_tree_reports_what_is_not_mail() -> None:
    skipped: list[Path] = []
    got = list(open_source(TORTURE, on_skip=lambda path, reason: skipped.append(path)))
    assert sorted(p.name for p in skipped) == ["bare.patch", "msg_19.txt"]
    assert len(got) > 790
