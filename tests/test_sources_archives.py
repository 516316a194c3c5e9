"""Archives that other list software left behind: Mailman 2 pipermail files (repaired,
the original kept) and public-inbox git repositories (byte for byte, incrementally)."""

from __future__ import annotations

import email
import email.utils
import gzip
import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitinbox import bare, commit_files, git
from listkeeper.mail.parse import parse_message
from listkeeper.sources import RawMail, SourceError, SourceKind, kind_of, open_source, read_mbox
from listkeeper.sources.pipermail import (
    list_name_of as pipermail_list_name,
    looks_like_pipermail,
    original_of,
    read_pipermail,
    repair,
)
from listkeeper.sources.publicinbox import (
    heads,
    is_public_inbox,
    list_name_of as inbox_list_name,
    read_public_inbox,
)

DATA = Path(__file__).parent / "data" / "sources"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "xen-devel-compat-thread.mbox"
CORPUS = SHARED / "corpus"
HYPERKITTY = CORPUS / "torture-fixtures" / "hyperkitty" / "hyperkitty" / "tests" / "testdata"
NON_ASCII = HYPERKITTY / "non-ascii-headers.txt"
XEN_LKML = CORPUS / "xen-lkml-sample"
PIPERMAIL_SEED = DATA / "pipermail-2006-November.txt.gz"
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)



def header(mail: RawMail, name: str) -> str:
    return email.message_from_bytes(mail.data)[name] or ""


# --- pipermail ---------------------------------------------------------------------


def test_pipermail_seed_month_is_detected_repaired_and_keeps_its_original() -> None:
    """The seed thread as Mailman 2.1's HyperArch.as_text and Scrubber write it: " at "
    in From_ lines, From fields and bodies; only From, Date, Subject, In-Reply-To,
    References (folded), Message-ID kept; bodies decoded from quoted-printable; the patch
    attachment replaced by a "next part" stub, the footer part inlined after another."""
    assert kind_of(PIPERMAIL_SEED) is SourceKind.PIPERMAIL
    as_filed = list(read_mbox(PIPERMAIL_SEED))
    got = list(open_source(PIPERMAIL_SEED))
    seed = list(read_mbox(SEED))
    assert len(got) == len(seed) == 22
    assert [header(m, "Message-ID") for m in got] == [header(m, "Message-ID") for m in seed]
    for mail, filed, original in zip(got, as_filed, seed):
        # The sender is back where pipermail wrote "x at y": the From field and envelope.
        sender = email.utils.parseaddr(header(original, "From"))[1]
        assert header(mail, "From").startswith(f"{sender} (")
        assert mail.envelope == original.envelope  # "kraxel@suse.de  Mon Nov 13 15:41:00 2006"
        assert header(mail, "X-Listkeeper-Original-From").startswith(sender.replace("@", " at "))
        # Nothing else changed: the file's bytes come back exactly.
        assert original_of(mail.data) == filed.data
        assert mail.data.endswith(filed.data.split(b"\n\n", 1)[1])
        assert mail.origin == filed.origin
    # Folded References survive as written.
    assert header(got[13], "References") == header(seed[13], "References")
    # The patch attachment was scrubbed to a stub, which stays as text.
    assert b"-------------- next part --------------\nA non-text attachment" in got[13].data
    assert {header(m, "X-Listkeeper-Source") for m in got} == {"pipermail; repaired=from-address"}
    # Addresses in the body stay obfuscated (" at " is also an English word).
    assert b'"Gerd Hoffmann" <kraxel at suse.de> wrote:' in got[2].data


def test_pipermail_real_archive_with_encoded_names_parses_to_real_senders() -> None:
    assert kind_of(NON_ASCII) is SourceKind.PIPERMAIL
    got = list(open_source(NON_ASCII))
    assert len(got) == 6
    first = got[0]
    assert first.envelope == "vondruch@redhat.com  Tue Jul 10 11:29:44 2012"
    assert first.data.startswith(
        b"X-Listkeeper-Source: pipermail; repaired=from-address\n"
        b"X-Listkeeper-Original-From: vondruch at redhat.com (=?ISO-8859-2?Q?V=EDt_Ondruch?=)\n"
        b"From: vondruch@redhat.com (=?ISO-8859-2?Q?V=EDt_Ondruch?=)\n"
        b"Date: Tue, 10 Jul 2012 13:29:44 +0200\n"
    )
    parsed = [parse_message(m.data, m.envelope, NOW) for m in got]
    assert [(p.from_name, p.from_addr) for p in parsed] == [
        ("Vít Ondruch", "vondruch@redhat.com"),
        ("Vít Ondruch", "vondruch@redhat.com"),
        ("Björn Persson", "bjorn@xn--rombobjrn-67a.se"),
        ("Marcela Mašláňová", "mmaslano@redhat.com"),
        ("Dan Horák", "dan@danny.cz"),
        ("Björn Persson", "bjorn@xn--rombobjrn-67a.se"),
    ]
    assert [original_of(m.data) for m in got] == [m.data for m in read_mbox(NON_ASCII)]


def test_every_pipermail_file_of_hyperkitty_round_trips_to_its_bytes() -> None:
    files = [p for p in sorted(HYPERKITTY.glob("*.txt")) if kind_of(p) is SourceKind.PIPERMAIL]
    assert len(files) == 7  # the others are full messages, not pipermail
    for path in files:
        got = list(read_pipermail(path))
        assert all(header(m, "From").split()[0].count("@") == 1 for m in got), path
        assert [original_of(m.data) for m in got] == [m.data for m in read_mbox(path)]


@pytest.mark.parametrize(
    ("field", "repaired"),
    [
        # Mailman writes "x at y (x at y)" for a sender without a name.
        (b"From: anon at ex.org (anon at ex.org)", b"anon@ex.org (anon@ex.org)"),
        (b"From: a at b.org (Tom at Home)", b"a@b.org (Tom at Home)"),  # names stay
        (b"To: Tom at Home <tom at home.org>", b"Tom at Home <tom@home.org>"),
        (b'Cc: "x at y" <p at q>,\n r at s, T <t at u>', b'"x at y" <p@q>,\n r@s, T <t@u>'),
        (b"Message-ID: <1234.5678 at mail.example.org>", b"<1234.5678@mail.example.org>"),
        (b"References: <a at b.c>\n <d@e.f> <g at h.i>", b"<a@b.c>\n <d@e.f> <g@h.i>"),
        (b"In-Reply-To: Bob's message of Sat <c at d.e>", b"Bob's message of Sat <c@d.e>"),
    ],
)
def test_repair_restores_addresses_only_where_an_address_stands(
    field: bytes, repaired: bytes
) -> None:
    name = field.split(b":", 1)[0]
    date = b"Date: Mon, 13 Nov 2006 16:41:00 +0100\n"
    rest = b"\nSubject: mail me at home\n\nx at y\n"
    data = date + field + rest
    fixed = repair(RawMail(data, "x at y  Mon Nov 13 15:41:00 2006", "t:0"))
    assert fixed.envelope == "x@y  Mon Nov 13 15:41:00 2006"
    assert fixed.data.endswith(date + name + b": " + repaired + rest)
    assert b"\nX-Listkeeper-Original-" + field + b"\n" in fixed.data
    assert original_of(fixed.data) == data


def test_repair_records_each_change_and_keeps_crlf_and_untouched_messages() -> None:
    data = (
        b"From: a at b.org (A)\r\nMessage-ID: <m at b.org>\r\nFrom: c at d.org\r\n"
        b"Subject: s\r\n\r\nbody\r\n"
    )
    fixed = repair(RawMail(data, "a at b.org  Mon Nov 13 15:41:00 2006", "t:0"))
    assert fixed.data == (
        b"X-Listkeeper-Source: pipermail; repaired=from-address,message-id\r\n"
        b"X-Listkeeper-Original-From: a at b.org (A)\r\n"
        b"X-Listkeeper-Original-Message-ID: <m at b.org>\r\n"
        b"From: a@b.org (A)\r\nMessage-ID: <m@b.org>\r\nFrom: c at d.org\r\n"  # first only
        b"Subject: s\r\n\r\nbody\r\n"
    )
    assert original_of(fixed.data) == data
    clean = b"From: bogus@does.not.exist.com (x)\nSubject: s\n\nbody\n"
    unchanged = RawMail(clean, "bogus@does.not.exist.com  Mon Nov 13 15:41:00 2006", "t")
    assert repair(unchanged) == unchanged  # a list that did not obfuscate: nothing added
    preamble = RawMail(b"text before the first From_ line\n", None, "t:0")
    assert repair(preamble) is preamble


_FIELD_NAMES = [b"From", b"to", b"Cc", b"Message-ID", b"References", b"Subject", b"X-A"]
_VALUE_PIECES = [b"a at b.c", b" at ", b"<", b">", b"(", b")", b",", b" ", b"\n\t", b"@", b"\xe9"]


@settings(max_examples=150, deadline=None)
@given(
    fields=st.lists(
        st.tuples(
            st.sampled_from(_FIELD_NAMES), st.lists(st.sampled_from(_VALUE_PIECES), max_size=8)
        ),
        max_size=6,
    ),
    body=st.sampled_from([b"", b"\n", b"\nbody at x\n"]),
    crlf=st.booleans(),
)
def test_repair_is_undone_exactly_whatever_the_header(
    fields: list[tuple[bytes, list[bytes]]], body: bytes, crlf: bool
) -> None:
    data = b"".join(name + b":" + b"".join(value) + b"\n" for name, value in fields) + body
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    assert original_of(repair(RawMail(data, "a at b  Mon", "t:0")).data) == data


def test_pipermail_is_told_by_its_from_line_or_its_archive_name(tmp_path: Path) -> None:
    plain = b"From bogus@does.not.exist.com  Mon Nov 13 15:41:00 2006\nFrom: x\n\nbody\n"
    obfuscated = b"From kraxel at suse.de  Mon Nov 13 15:41:00 2006\nFrom: x\n\nbody\n"
    cases = {
        "xen-devel.mbox": (plain, SourceKind.MBOX),
        "saved.txt": (obfuscated, SourceKind.PIPERMAIL),
        "2006-November.txt": (plain, SourceKind.PIPERMAIL),
        "2006q4.txt": (plain, SourceKind.PIPERMAIL),
        "Week-of-Mon-20061113.txt": (plain, SourceKind.PIPERMAIL),
        "2006-Brumaire.txt": (plain, SourceKind.MBOX),
        "one.eml": (obfuscated, SourceKind.MESSAGE),
    }
    for name, (content, kind) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert kind_of(tmp_path / name) is kind, name
    assert not looks_like_pipermail(Path("list.mbox"), b"From kraxel@suse.de  Mon Nov")
    archive = tmp_path / "archives" / "private" / "xen-devel"
    archive.mkdir(parents=True)
    assert pipermail_list_name(archive / "2006-November.txt.gz") == "xen-devel"


def test_mailman_archive_folder_reads_its_periods_in_date_order(tmp_path: Path) -> None:
    def month(*senders: str) -> bytes:
        return b"".join(
            b"From %s at x.org  Mon Nov 13 15:41:00 2006\nFrom: %s at x.org (%s)\n\nhi\n\n"
            % (name.encode(), name.encode(), name.encode())
            for name in senders
        )

    archive = tmp_path / "xen-devel"
    (archive / "2006-November").mkdir(parents=True)  # Mailman's HTML of the month
    (archive / "2006-November" / "000123.html").write_text("<html>")
    (archive / "attachments").mkdir()
    (archive / "index.html").write_text("<html>")
    (archive / "pipermail.pck").write_bytes(b"\x80\x02}q\x00.")
    # nightly_gzip: the .txt.gz is yesterday's copy of the .txt, so it is left out.
    (archive / "2006-November.txt").write_bytes(month("anne", "bob"))
    (archive / "2006-November.txt.gz").write_bytes(gzip.compress(month("anne")))
    (archive / "2006-October.txt.gz").write_bytes(gzip.compress(month("carl")))
    # GZIP_ARCHIVE_TXT_FILES: the .txt holds what is not yet moved into the .txt.gz.
    (archive / "2007-January.txt.gz").write_bytes(gzip.compress(month("dora")))
    (archive / "2007-January.txt").write_bytes(month("erin"))
    (archive / "2007q1.txt").write_bytes(month("fred"))
    assert kind_of(archive) is SourceKind.PIPERMAIL_ARCHIVE
    got = list(open_source(archive))
    assert [header(m, "From").split()[0] for m in got] == [
        *("carl@x.org", "anne@x.org", "bob@x.org"),  # October, then November
        *("dora@x.org", "erin@x.org", "fred@x.org"),  # January; 2007q1 starts the same day
    ]
    assert got[0].origin == f"{archive / '2006-October.txt.gz'}:0"


# --- public-inbox -----------------------------------------------------------------

def seed_messages() -> list[bytes]:
    return [m.data for m in read_mbox(SEED)]


def sample_messages() -> list[bytes]:
    return [p.read_bytes() for p in sorted(XEN_LKML.glob("*.eml"))]


def message_path_v1(message: bytes) -> str:
    """Where public-inbox v1 (ssoma) files a message: sha1 of its Message-ID, 2/38."""
    digest = hashlib.sha1(email.message_from_bytes(message)["Message-ID"].encode()).hexdigest()
    return f"{digest[:2]}/{digest[2:]}"


def blobs(mails: list[RawMail]) -> list[bytes]:
    return [m.data for m in mails]


def test_public_inbox_v2_two_epochs_byte_for_byte_in_commit_order(tmp_path: Path) -> None:
    seed = seed_messages()
    inbox = tmp_path / "xen-devel"
    bare(inbox / "all.git")  # lends objects to the epochs; never read
    zero, one = bare(inbox / "git" / "0.git"), bare(inbox / "git" / "1.git")
    first = commit_files(zero, [("m", data) for data in seed[:12]])
    removal = commit_files(zero, [("d", seed[5])])  # public-inbox-learn rm
    first += commit_files(zero, [("m", data) for data in seed[12:15]])
    second = commit_files(one, [("m", data) for data in seed[15:]])

    assert is_public_inbox(inbox) and kind_of(inbox) is SourceKind.PUBLIC_INBOX
    got = list(open_source(inbox))
    assert blobs(got) == seed  # the removal commit gives nothing
    origins = [f"{zero}:{commit}" for commit in first] + [f"{one}:{commit}" for commit in second]
    assert [m.origin for m in got] == origins
    assert all(m.envelope is None for m in got)
    assert not any(m.origin.endswith(removal[0]) for m in got)
    assert heads(inbox) == {"git/0.git": first[-1], "git/1.git": second[-1]}
    assert inbox_list_name(inbox) == inbox_list_name(zero) == "xen-devel"

    # A later fetch: new commits in the last epoch, and a new epoch.
    marks = heads(inbox)
    samples = sample_messages()
    added = commit_files(one, [("m", data) for data in samples[:3]])
    two = bare(inbox / "git" / "2.git")
    added += commit_files(two, [("m", data) for data in samples[3:5]])
    new = list(read_public_inbox(inbox, since=marks))
    assert blobs(new) == samples[:5]
    assert [m.origin.rsplit(":", 1)[1] for m in new] == added
    assert list(read_public_inbox(inbox, since=heads(inbox))) == []
    # A mark the repository does not know reads that epoch again: harmless, the store dedupes.
    again = list(read_public_inbox(inbox, since={**heads(inbox), "git/1.git": "0" * 40}))
    assert blobs(again) == seed[15:] + samples[:3]


def test_public_inbox_v1_hashed_paths_and_a_lone_epoch(tmp_path: Path) -> None:
    samples = sample_messages()
    v1 = bare(tmp_path / "lkml.git")
    commits = commit_files(v1, [(message_path_v1(data), data) for data in samples])
    removal = commit_files(v1, [(message_path_v1(samples[2]), None)])
    assert kind_of(v1) is SourceKind.PUBLIC_INBOX
    got = list(open_source(v1))
    assert blobs(got) == samples
    assert [m.origin for m in got] == [f"{v1}:{c}" for c in commits]
    assert heads(v1) == {".": removal[0]}
    assert list(read_public_inbox(v1, since=heads(v1))) == []
    later = commit_files(v1, [("ab/" + "c" * 38, b"Subject: late\n\nx\n")])
    assert list(read_public_inbox(v1, since={".": removal[0]})) == [
        RawMail(b"Subject: late\n\nx\n", None, f"{v1}:{later[0]}")
    ]


def test_public_inbox_empty_epoch_broken_repository_and_early_stop(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    zero, one = bare(inbox / "git" / "0.git"), bare(inbox / "git" / "1.git")
    assert list(open_source(inbox)) == [] and heads(inbox) == {}  # just created
    messages = [b"Message-ID: <%d@x>\n\nbody %d\n" % (n, n) for n in range(50)]
    commit_files(zero, [("m", data) for data in messages])
    reader = read_public_inbox(inbox)
    assert next(reader).data == messages[0]
    reader.close()  # stops its git processes; nothing hangs
    assert heads(inbox).keys() == {"git/0.git"}  # 1.git has no commit yet

    commit_files(one, [("m", messages[0])])
    git(one, "symbolic-ref", "HEAD", "refs/heads/main")
    with pytest.raises(SourceError, match=r"1\.git: HEAD names no commit"):
        heads(inbox)  # commits, but HEAD on a branch that does not exist: not "empty"
    git(one, "symbolic-ref", "HEAD", "refs/heads/master")
    (one / "refs" / "heads" / "master").write_text("1" * 40 + "\n")  # a broken clone
    with pytest.raises(SourceError, match=r"1\.git: git for-each-ref failed: .*missing object"):
        list(read_public_inbox(inbox))
    with pytest.raises(SourceError, match="not a public-inbox archive"):
        list(read_public_inbox(tmp_path))
