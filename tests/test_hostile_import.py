"""Hostile input through the whole import: every message ends archived, counted as a
duplicate or quarantined with a reason, and nothing escapes as an exception.

Three kinds of input go through ``import_mails`` into a real database:

- the hand-written XSS corpus in tests/data/hostile/ (both backends), whose stored
  subject, sender and body must be the decoded hostile text, kept, not dropped;
- mutations of ~30 real messages (the seed thread, xen/lkml mail, torture
  fixtures): bytes flipped, inserted, deleted, truncated, header fields repeated,
  MIME boundaries broken, NULs, other charsets, two messages spliced;
- messages built by hypothesis from hostile header values and MIME shapes.

bench/fuzz.py runs the same mutations at 100,000 inputs and prints the tally.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, SHARED, throwaway_pg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from listkeeper.ingest import Tally, import_mails
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store.codec import decode_anatomy, decompress
from listkeeper.store.db import open_engine
from listkeeper.store.dictionaries import dictionary_lookup
from listkeeper.store.schema import messages, quarantine

HOSTILE = Path(__file__).parent / "data" / "hostile"
SEED_THREAD = SHARED / "seed" / "xen-devel-compat-thread.mbox"
TORTURE = CORPUS / "torture-fixtures"
TORTURE_SEEDS = [
    "cpython-email/msg_02.txt",  # a digest in multipart/mixed
    "cpython-email/msg_07.txt",
    "cpython-email/msg_15.txt",  # multipart/alternative in multipart/mixed, folded params
    "cpython-email/msg_16.txt",  # multipart/report: a delivery failure
    "cpython-email/msg_18.txt",
    "cpython-email/msg_35.txt",
    "cpython-email/msg_41.txt",
    "public-inbox/t/msg_iter-nested.eml",
    "public-inbox/t/iso-2202-jp.eml",
    "public-inbox/t/plack-qp.eml",
    "public-inbox/t/plack-attached-patch.eml",
    "public-inbox/t/x-unknown-alpine.eml",
    "public-inbox/t/filter_base-xhtml.eml",
    "mimekit/UnitTests/TestData/messages/multipart-digest.txt",
    "mimekit/UnitTests/TestData/messages/japanese.txt",
    "mimekit/UnitTests/TestData/messages/epilogue.txt",
]
SEED_THREAD_MESSAGES = 6  # of the 22: enough quoting styles, patches, a crash dump
# Mutated inputs stay small: the monsters (test_monsters.py) test size.
MAX_MUTANT_BYTES = 512 * 1024
MUTATIONS_PER_INPUT = (1, 6)  # how many mutations are stacked on one seed
# Examples per hypothesis test; each imports 1 to INPUTS_PER_EXAMPLE inputs in one
# import_mails call (one transaction), about 2.5 on average.
INPUTS_PER_EXAMPLE = 4
EXAMPLES_SQLITE = 700  # mutations of the corpus
EXAMPLES_BUILT_SQLITE = 300  # messages built from hostile parts
EXAMPLES_POSTGRESQL = 200  # both kinds


def seed_messages() -> list[bytes]:
    """About 30 real messages of every shape the archive sees."""
    found = [mail.data for mail in open_source(SEED_THREAD)][:SEED_THREAD_MESSAGES]
    found += [path.read_bytes() for path in sorted((CORPUS / "xen-lkml-sample").glob("*.eml"))]
    found += [(TORTURE / name).read_bytes() for name in TORTURE_SEEDS]
    return found


# ---------------------------------------------------------------- mutations
# Each takes a Random and the bytes and returns new bytes; all are pure, so a
# (seed index, [(mutation index, random seed), ...]) list replays an input exactly.

INTERESTING = [
    b"\x00", b"\r", b"\n", b"\r\n", b"\n\n", b"\r\r\n", b"--", b"=?", b"?=", b"<", b">",
    b"\xff", b"\xc0\xbc", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"+ADw-", b"\t", b" ", b":",
    b"=?utf-8?b?PHNjcmlwdD4=?=", b"=?x-unknown?q?=3C?=", b"=?utf-7?q?+ADw-?=",
    b"\nContent-Type: multipart/mixed; boundary=\"x\"\n", b"\n--x\n", b"\n--x--\n",
    b"\nContent-Transfer-Encoding: base64\n", b"\nContent-Transfer-Encoding: quoted-printable\n",
    b"<script>alert(1)</script>", b"javascript:alert(1)", b"%00", b"=\n", b"=00", b"=F",
    b"\nFrom \n", b"\n>From x\n", b"\nMessage-ID: <a@b>\n", b"\nReferences: <\n",
]
CHARSETS = [
    "utf-7", "utf-16", "utf-16-le", "utf-32", "utf-8", "us-ascii", "iso-8859-1",
    "windows-1252", "iso-2022-jp", "shift_jis", "euc-kr", "gb18030", "big5", "koi8-r",
    "x-unknown", "unknown-8bit", "bogus-charset", "utf\x008", "\"utf-8", "'", "",
    "x-user-defined", "ks_c_5601-1987", "idna", "rot13", "base64", "zlib", "hex", "punycode",
    "uu", "bz2", "unicode-escape", "raw-unicode-escape", "mbcs", "utf-8-sig", "cp65001",
]
_HEADER_LINE = re.compile(rb"(?m)^[!-9;-~]+:[^\n]*\n(?:[ \t][^\n]*\n)*")
_BOUNDARY = re.compile(rb'(?i)boundary="?([^";\r\n]+)"?')
_CHARSET = re.compile(rb'(?i)charset="?([^";\s]+)"?')


def _span(rng: random.Random, data: bytes) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.choice((1, 2, 8, 64, 1024)))


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 8, 32))):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def set_bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.choice((1, 4, 16))):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def insert_token(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    token = rng.choice(INTERESTING) * rng.choice((1, 1, 2, 50))
    return data[:at] + token + data[at:]


def insert_random(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.choice((1, 3, 16, 200))) + data[at:]


def delete_span(rng: random.Random, data: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:start] + data[end:]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def duplicate_span(rng: random.Random, data: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:end] + data[start:end] * rng.choice((1, 2, 10)) + data[end:]


def duplicate_header(rng: random.Random, data: bytes) -> bytes:
    lines = list(_HEADER_LINE.finditer(data))
    if not lines:
        return insert_token(rng, data)
    line = rng.choice(lines)
    copy = line.group() * rng.choice((1, 2, 100))
    at = rng.choice((line.start(), line.end(), 0))
    return data[:at] + copy + data[at:]


def drop_header(rng: random.Random, data: bytes) -> bytes:
    lines = list(_HEADER_LINE.finditer(data))
    if not lines:
        return delete_span(rng, data)
    line = rng.choice(lines)
    return data[: line.start()] + data[line.end() :]


def break_boundary(rng: random.Random, data: bytes) -> bytes:
    found = _BOUNDARY.search(data)
    if not found:
        return insert_token(rng, data)
    boundary = found.group(1)
    how = rng.randrange(6)
    if how == 0:  # the closing line gone
        return data.replace(b"--" + boundary + b"--", b"", 1)
    if how == 1:  # the first boundary line gone
        return data.replace(b"\n--" + boundary + b"\n", b"\n", 1)
    if how == 2:  # another boundary declared than used
        return data[: found.start(1)] + b"other" + data[found.end(1) :]
    if how == 3:  # an empty boundary
        return data[: found.start(1)] + data[found.end(1) :]
    if how == 4:  # the boundary repeated inside a part
        at = data.rfind(b"--" + boundary)
        return data[:at] + (b"--" + boundary + b"\n") * rng.choice((2, 30)) + data[at:]
    return data.replace(boundary, boundary[: len(boundary) // 2])  # a prefix of itself


def insert_nuls(rng: random.Random, data: bytes) -> bytes:
    out = data
    for _ in range(rng.choice((1, 3, 20))):
        at = rng.randrange(len(out) + 1)
        out = out[:at] + b"\x00" + out[at:]
    return out


def change_charset(rng: random.Random, data: bytes) -> bytes:
    charset = rng.choice(CHARSETS).encode("latin-1")
    found = list(_CHARSET.finditer(data))
    if found:
        match = rng.choice(found)
        return data[: match.start(1)] + charset + data[match.end(1) :]
    return b"Content-Type: text/plain; charset=" + charset + b"\n" + data


def crlf(rng: random.Random, data: bytes) -> bytes:
    return rng.choice(
        (data.replace(b"\n", b"\r\n"), data.replace(b"\n", b"\r"), data.replace(b"\r\n", b"\n"))
    )


def splice(rng: random.Random, data: bytes) -> bytes:
    """The header of this message on the body of another (or a piece of it)."""
    other = rng.choice(SEEDS)
    cut = data.find(b"\n\n")
    other_cut = other.find(b"\n\n")
    return data[: max(cut, 0)] + other[max(other_cut, 0) : max(other_cut, 0) + rng.choice((10, 1000, 100_000))]


def hostile_header(rng: random.Random, data: bytes) -> bytes:
    name = rng.choice((b"Subject", b"From", b"Message-ID", b"In-Reply-To", b"References", b"List-Id",
                       b"Date", b"To", b"Cc", b"Content-Type", b"Content-Disposition"))
    value = rng.choice((
        b"<script>alert(1)</script>", b"=?utf-8?q?=3Cscript=3E?=", b"<\"'/%?#javascript:x@y>",
        b"<a@b> <a@b> <" + b"x" * 3000 + b"@y>", b"=?utf-7?q?+ADw-script+AD4-?=", b"\xc0\xbcscript\xc0\xbe",
        b"multipart/mixed; boundary=", b"attachment; filename*=x\x00y''%3Cs%3E", b"Thu, 99 Foo 99999 99:99:99 +9999",
        b"\"\\\" <x@y>", b"(((((((((((", b":" * 500, b"<" + b"@" * 1000 + b">", b"<" * 100, b"x" * 2000,  # longer: test_monsters.py
        b"group: a@b, c@d;, =?x?b?!!?= <e@f>", b"\x00<nul@id>", b"<" + "\u202e".encode() + b"@x>",
        b"<" + base64.b64encode(rng.randbytes(rng.choice((100, 2100, 6000)))) + b"@long.example>",
    ))
    at = rng.choice((0, max(data.find(b"\n"), 0) + 1))
    return data[:at] + name + b": " + value + b"\n" + data[at:]


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    flip_bits, set_bytes, insert_token, insert_random, delete_span, truncate, duplicate_span,
    duplicate_header, drop_header, break_boundary, insert_nuls, change_charset, crlf, splice,
    hostile_header,
]
SEEDS = seed_messages()


def mutant(seed_index: int, steps: list[tuple[int, int]]) -> bytes:
    """Seed number ``seed_index`` with each (mutation, random seed) step applied."""
    data = SEEDS[seed_index % len(SEEDS)]
    for which, salt in steps:
        data = MUTATIONS[which % len(MUTATIONS)](random.Random(salt), data)[:MAX_MUTANT_BYTES]
    return data


def random_mutant(rng: random.Random) -> bytes:
    """What the benchmark feeds: a random seed under a random stack of mutations."""
    steps = [
        (rng.randrange(len(MUTATIONS)), rng.getrandbits(32))
        for _ in range(rng.randint(*MUTATIONS_PER_INPUT))
    ]
    return mutant(rng.randrange(len(SEEDS)), steps)


mutants = st.builds(
    mutant,
    st.integers(0, len(SEEDS) - 1),
    st.lists(
        st.tuples(st.integers(0, len(MUTATIONS) - 1), st.integers(0, 2**32 - 1)),
        min_size=MUTATIONS_PER_INPUT[0], max_size=MUTATIONS_PER_INPUT[1],
    ),
)

# ------------------------------------------------- messages built from parts
hostile_text = st.one_of(
    st.sampled_from([
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
        "</textarea><svg onload=alert(1)>", "{{7*7}}", "${7*7}", "\u202egnp.exe", "\x00", "=?",
        "=?utf-8?b?PHNjcmlwdD4=?=", "+ADw-script+AD4-", "'; DROP TABLE messages; --",
    ]),
    st.text(max_size=200),
)
header_value = st.one_of(hostile_text, st.binary(max_size=200).map(lambda b: b.decode("latin-1")))


@st.composite
def built_messages(draw: st.DrawFn) -> bytes:
    """A message of hostile header values and a random MIME tree."""
    fields = {
        name: draw(header_value)
        for name in ("Subject", "From", "Message-ID", "In-Reply-To", "References", "Date", "List-Id")
        if draw(st.booleans())
    }
    head = b"".join(
        name.encode() + b": " + value.replace("\n", "\n ").encode("utf-8", "surrogatepass") + b"\n"
        for name, value in fields.items()
    )
    return head + draw(mime_part(depth=draw(st.integers(0, 4))))


@st.composite
def mime_part(draw: st.DrawFn, depth: int) -> bytes:
    charset = draw(st.sampled_from(CHARSETS)).encode("latin-1")
    if depth == 0 or draw(st.booleans()):
        ctype = draw(st.sampled_from([b"text/plain", b"text/html", b"application/octet-stream",
                                      b"text/x-patch", b"message/rfc822", b"image/svg+xml"]))
        cte = draw(st.sampled_from([b"7bit", b"8bit", b"base64", b"quoted-printable", b"x-uuencode", b"bogus"]))
        filename = draw(st.one_of(st.none(), hostile_text))
        disposition = b""
        if filename is not None:
            disposition = b'Content-Disposition: attachment; filename="' + filename.encode(
                "utf-8", "surrogatepass") + b'"\n'
        body = draw(st.one_of(hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                              st.binary(max_size=300)))
        return (b"Content-Type: " + ctype + b"; charset=" + charset + b"\nContent-Transfer-Encoding: "
                + cte + b"\n" + disposition + b"\n" + body + b"\n")
    boundary = draw(st.sampled_from([b"b", b"==x==", b"", b"a b", b"--", b"\xff"]))
    children = draw(st.lists(mime_part(depth - 1), max_size=4))
    subtype = draw(st.sampled_from([b"mixed", b"alternative", b"digest", b"related", b"signed"]))
    closing = b"--" + boundary + b"--\n" if draw(st.booleans()) else b""
    return (b'Content-Type: multipart/' + subtype + b'; boundary="' + boundary + b'"\n\n'
            + b"".join(b"--" + boundary + b"\n" + child for child in children) + closing)


# --------------------------------------------------------------- the checks
def import_one(engine: Engine, data: bytes, origin: str = "fuzz") -> Tally:
    """Import one message in-process (no worker pool, so a parser failure would show here)."""
    return import_batch(engine, [data], origin)


def import_batch(engine: Engine, inputs: list[bytes], origin: str = "fuzz") -> Tally:
    tally = Tally()
    mails = [RawMail(data, None, f"{origin}:{i}") for i, data in enumerate(inputs)]
    import_mails(engine, iter(mails), "fuzz", "fuzz", tally)
    return tally


def assert_kept(engine: Engine, data: bytes, tally: Tally) -> None:
    """The one message ended archived, duplicate or quarantined, and is in the database."""
    assert tally.total == 1, tally.summary()
    digest = hashlib.sha256(data).hexdigest()
    with engine.connect() as conn:
        archived = conn.execute(select(messages.c.id).where(messages.c.sha256 == digest)).first()
        held = conn.execute(select(quarantine.c.reason).where(quarantine.c.sha256 == digest)).first()
    if tally.quarantined:
        assert held is not None and held.reason, "quarantined without a stored reason"
    else:
        assert archived is not None, "counted as archived but not stored"


def assert_all_kept(engine: Engine, inputs: list[bytes], tally: Tally) -> None:
    """One outcome per input, and each input stored: as a message or in quarantine with a reason."""
    assert tally.total == len(inputs), tally.summary()
    digests = {hashlib.sha256(data).hexdigest() for data in inputs}
    with engine.connect() as conn:
        archived = set(conn.execute(select(messages.c.sha256).where(messages.c.sha256.in_(digests))).scalars())
        held = {
            row.sha256
            for row in conn.execute(select(quarantine.c.sha256, quarantine.c.reason).where(quarantine.c.sha256.in_(digests)))
            if row.reason
        }
    assert digests <= archived | held, "an input neither archived nor quarantined"
    assert len(held) <= tally.quarantined and len(archived) <= tally.imported + tally.duplicates


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_engine(str(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    for url in throwaway_pg():
        engine = open_engine(url)
        yield engine
        engine.dispose()


def hostile_files() -> list[Path]:
    return sorted(HOSTILE.glob("*.eml"))


def test_hostile_corpus_is_archived_faithfully(db_url: str) -> None:
    """The whole folder in one import: every message archived, byte for byte, and
    what pages show (subject, sender, body text) is the decoded hostile text."""
    expected = json.loads((HOSTILE / "expected.json").read_text())
    files = hostile_files()
    assert len(files) >= 50 and sorted(expected) == [path.name for path in files]
    engine = open_engine(db_url)
    tally = Tally()
    mails = (RawMail(path.read_bytes(), None, str(path)) for path in files)
    import_mails(engine, mails, None, "hostile", tally)
    assert (tally.imported, tally.duplicates, tally.quarantined) == (len(files), 0, 0), tally.summary()
    with engine.connect() as conn:
        rows = {row.sha256: row for row in conn.execute(select(messages))}
        lookup = dictionary_lookup(conn)
        wrong = []
        for path in files:
            data = path.read_bytes()
            row = rows[hashlib.sha256(data).hexdigest()]
            want = expected[path.name]
            anatomy = decode_anatomy(row.anatomy, lookup)
            body = "\n".join(block["text"] for block in anatomy["blocks"])
            if decompress(row.raw, lookup) != data:
                wrong.append((path.name, "raw bytes differ"))
            if want["subject"] is not None and want["subject"] not in row.subject:
                wrong.append((path.name, "subject", want["subject"], row.subject))
            if want["from_name"] is not None and want["from_name"] not in row.from_name:
                wrong.append((path.name, "from", want["from_name"], row.from_name))
            wrong += [(path.name, "body", text, body) for text in want["body"] if text not in body]
            if _ACTIVE_HTML.search(anatomy["html"] or ""):
                wrong.append((path.name, "active HTML kept", anatomy["html"]))
    engine.dispose()
    assert wrong == []


# What the sanitised HTML of a message must never hold.
_ACTIVE_HTML = re.compile(
    r"(?i)<(script|iframe|object|embed|meta|base|form|style|svg|math)\b|\son\w+\s*=|"
    r"(href|src|action)\s*=\s*[\"']?\s*(javascript|data):|expression\s*\("
)


FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


def test_corpus_seeds_all_import(sqlite_engine: Engine) -> None:
    """The unmutated seeds are real mail: every one is archived."""
    assert len(SEEDS) >= 30
    for data in SEEDS:
        tally = import_one(sqlite_engine, data)
        assert tally.quarantined == 0, data[:200]
        assert_kept(sqlite_engine, data, tally)


@settings(FUZZ, max_examples=EXAMPLES_SQLITE)
@given(inputs=st.lists(mutants, min_size=1, max_size=INPUTS_PER_EXAMPLE))
def test_mutated_corpus_sqlite(sqlite_engine: Engine, inputs: list[bytes]) -> None:
    assert_all_kept(sqlite_engine, inputs, import_batch(sqlite_engine, inputs))


@settings(FUZZ, max_examples=EXAMPLES_BUILT_SQLITE)
@given(inputs=st.lists(built_messages(), min_size=1, max_size=INPUTS_PER_EXAMPLE))
def test_built_messages_sqlite(sqlite_engine: Engine, inputs: list[bytes]) -> None:
    assert_all_kept(sqlite_engine, inputs, import_batch(sqlite_engine, inputs))


@settings(FUZZ, max_examples=EXAMPLES_POSTGRESQL)
@given(inputs=st.lists(st.one_of(mutants, built_messages()), min_size=1, max_size=INPUTS_PER_EXAMPLE))
def test_mutated_and_built_postgresql(pg_engine: Engine, inputs: list[bytes]) -> None:
    assert_all_kept(pg_engine, inputs, import_batch(pg_engine, inputs))


# ------------------------------------------- single hazards found by the fuzzing
def _long_id(length: int) -> str:
    """An id of random letters: incompressible, as a hostile sender would make it."""
    rng = random.Random(length)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(length))


@pytest.mark.parametrize("field", ["Message-ID", "References", "In-Reply-To"])
def test_an_id_longer_than_an_index_row_is_kept(db_url: str, field: str) -> None:
    """PostgreSQL refuses btree index rows over 2,704 bytes; an id that long must
    still end archived or quarantined, and the rest of its batch archived."""
    hostile = f"{field}: <{_long_id(3000)}@evil.example>\nSubject: long id\n\nbody\n".encode()
    if field != "Message-ID":
        hostile = b"Message-ID: <has-long-parent@evil.example>\n" + hostile
    neighbour = b"Message-ID: <neighbour@example.org>\nSubject: fine\n\nbody\n"
    engine = open_engine(db_url)
    tally = import_batch(engine, [neighbour, hostile])
    assert_all_kept(engine, [neighbour, hostile], tally)
    engine.dispose()


def test_a_list_id_longer_than_a_list_name_is_kept(db_url: str) -> None:
    """The list name comes from List-Id when no --list is given; lists.name holds
    200 characters (PostgreSQL enforces it)."""
    hostile = f"Message-ID: <long-list@evil.example>\nList-Id: <{'l' * 300}>\n\nbody\n".encode()
    engine = open_engine(db_url)
    tally = Tally()
    import_mails(engine, iter([RawMail(hostile, None, "a")]), None, "fallback", tally)
    assert_kept(engine, hostile, tally)
    engine.dispose()


def test_an_mbox_envelope_with_a_nul_is_kept(db_url: str, tmp_path: Path) -> None:
    """A NUL in the mbox From_ line reaches the envelope column (PostgreSQL text
    refuses NUL)."""
    mbox = tmp_path / "nul-envelope.mbox"
    mbox.write_bytes(b"From evil\x00@evil.example Mon Nov 13 15:41:00 2006\n"
                     b"Message-ID: <nul-envelope@evil.example>\nSubject: x\n\nbody\n\n")
    engine = open_engine(db_url)
    tally = Tally()
    import_mails(engine, open_source(mbox), "l", "l", tally)
    (mail,) = list(open_source(mbox))
    assert_kept(engine, mail.data, tally)
    engine.dispose()


@pytest.mark.parametrize("charset", ["punycode", "idna"])
def test_a_body_in_a_codec_that_raises_unicode_error_is_archived(db_url: str, charset: str) -> None:
    """Never drop a message for its bytes: a codec that raises UnicodeError (not
    UnicodeDecodeError) on these bytes falls back like any wrong charset."""
    data = (f"Message-ID: <{charset}-body@evil.example>\nSubject: x\n"
            f"Content-Type: text/plain; charset={charset}\n\nxn--abc- a+b body\n").encode()
    engine = open_engine(db_url)
    tally = import_one(engine, data)
    engine.dispose()
    assert (tally.imported, tally.quarantined) == (1, 0), tally.summary()

