"""parse_message on the hazards of real mail (tests/data/mail, see its README),
hostile structure built here, and the fast MIME reader against the stdlib's."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listkeeper.mail.blocks import BlockKind
from listkeeper.mail.dates import DateSource
from listkeeper.mail.headers import addresses, header_text, message_id_list
from listkeeper.mail.mime import (
    MAX_FALLBACK_CONTAINERS,
    MAX_MIME_DEPTH,
    MAX_PARAMETER_WORK,
    read_message,
)
from listkeeper.mail.parse import MailParseError, ParsedMessage, parse_message
from listkeeper.sources.detect import open_source

DATA = Path(__file__).parent / "data" / "mail"
ARRIVAL = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
HOSTILE_DEPTH = 10_000
HUGE_REFERENCES = 100_000
# The hazards the fast reader leaves to the stdlib feedparser, and why.
FEEDPARSER_FILES = {
    "lone-cr-line-ends.eml",  # the feedparser ends lines at a lone CR
    "cr-cr-lf-line-ends.eml",  # so CR CR LF is two line ends to it
    "delivery-status-report.eml",  # a series of header blocks
    "multipart-missing-close-boundary.eml",  # the feedparser's own repair
}


def parse_file(name: str) -> ParsedMessage:
    (mail,) = open_source(DATA / name)
    return parse_message(mail.data, mail.envelope, ARRIVAL)


def text_of(parsed: ParsedMessage) -> str:
    return "".join(block.text for block in parsed.blocks)


# --- headers ---------------------------------------------------------------------


def test_8bit_latin1_header_bytes_read_as_windows_1252() -> None:
    parsed = parse_file("8bit-latin1-subject.eml")
    assert parsed.subject == "Gambler wins £7,000 - and spends it all"
    assert (parsed.from_name, parsed.from_addr) == ("Nils O. Selåsdal", "noselasd@example.no")


def test_8bit_utf8_headers_win_over_the_body_charset() -> None:
    parsed = parse_file("8bit-utf8-headers.eml")
    assert parsed.subject == "MAINTAINERS: Update entry to include Rafał Miłecki"
    assert parsed.from_name == "Rafał Miłecki"
    assert parsed.cc == [
        ("Rafał Miłecki", "zajec5@example.com"),
        ("Andrew Morton", "akpm@example.org"),
    ]


def test_8bit_header_bytes_in_the_charset_the_body_declares() -> None:
    parsed = parse_file("8bit-header-in-body-charset.eml")
    assert parsed.subject == "[WM] GREEN CARD ÇEKİLİŞİ"
    assert parsed.from_name == "GREENCARD TÜRKİYE SERVİSİ"


def test_rfc2047_words_in_wrong_or_unknown_charsets_still_read() -> None:
    parsed = parse_file("rfc2047-broken-charset.eml")
    assert parsed.from_name == "André"  # UTF-8 under an unknown label
    # 8-bit under "us-ascii"; an unknown label on UTF-8; a word never closed stays.
    assert parsed.subject == "naïve café =?utf-8?q?broken"


def test_encoded_word_that_cannot_be_decoded_stays_and_spares_the_others() -> None:
    parsed = parse_file("rfc2047-bad-base64.eml")
    assert parsed.from_name == "André"
    assert parsed.to == [("=?utf-8?B?QW5kcsOpX?=", "list@example.org")]
    assert parsed.subject == "café au lait and =?utf-8?B?QW5kcsOpX?="


def test_nul_bytes_become_replacement_characters() -> None:
    parsed = parse_file("nul-bytes.eml")
    assert parsed.subject == "a NUL\ufffdin the subject"
    assert text_of(parsed) == "A NUL\ufffd in the body: PostgreSQL text cannot store it.\n"


def test_byte_order_mark_before_the_headers_is_not_a_header() -> None:
    raw = (DATA / "utf8-bom-before-headers.eml").read_bytes()
    parsed = parse_message(raw, None, ARRIVAL)
    assert parsed.subject == "FW: Earn money"
    assert parsed.from_addr == "abusedesk@example.com"
    assert parsed.message_id == "utf8-bom-before-headers@example.com"
    assert parsed.raw == raw  # the mark stays in the archived bytes


def test_address_folded_in_its_middle_is_one_address() -> None:
    parsed = parse_file("folded-inside-address.eml")
    assert [addr for _, addr in parsed.to] == [
        "leo.yan@example.org",
        "acme@example.org",
        "w@1wt.example",
        "linux@weissschuh.net",
        "jpoimboe@example.org",
    ]
    assert [addr for _, addr in parsed.cc] == [
        "linux-kernel@vger.example.org",
        "linux-parisc@vger.kernel.org",
        "llvm@lists.example.dev",
    ]


def test_thousands_of_colons_in_an_address_list_do_not_recurse() -> None:
    parsed = parse_file("address-list-thousands-of-colons.eml")
    assert parsed.to[0] == ("test", "test@example.com")
    # The rest is one entry with no address: kept as its (decoded) name.
    ((name, addr),) = parsed.to[1:]
    assert name.startswith("T10:08:00T10:08:01T10:08:02") and addr == ""


@pytest.mark.parametrize(
    "value",
    [
        "a@example.org",
        "Alice Smith <alice@example.org>, bob@example.org,carol@example.org",
        '"Smith, Alice" <alice@example.org>, "" <bob@example.org>',
        "  J. R.   Hacker  <jrh@example.org> ,, <x@example.org>,",
        "=?utf-8?q?Bj=C3=B6rn?= Roy <bjorn@example.org>",
        "alice@example.org (Alice Smith)",
        'team: a@example.org, "B \\"Q\\"" <b@example.org>;, c@[192.0.2.1]',
        "undisclosed-recipients:;",
        "a@example.org b@example.org",
        "Name <route@a>",
    ],
)
def test_address_lists_read_as_getaddresses_reads_them(value: str) -> None:
    expected = [(header_text(n), a) for n, a in getaddresses([value]) if n or a]
    assert addresses([value]) == expected


def test_an_address_list_read_again_is_read_alike_though_the_first_was_changed() -> None:
    """Decoded lists are cached: each caller must get a list of its own."""
    value = "Alice <alice@example.org>, bob@example.org"
    first = addresses([value])
    first.append(("Mallory", "mallory@example.org"))
    assert addresses([value]) == [("Alice", "alice@example.org"), ("", "bob@example.org")]
    assert addresses([value], "iso-8859-1") == addresses([value])


def test_message_id_with_8bit_bytes_reads_the_same_in_any_field() -> None:
    token = "id-caf\udce9@example.org"  # Latin-1 é, escaped as the parser keeps it
    clean = "x@example.org"
    assert message_id_list(f"<{clean}> <{token}>") == [clean, "id-café@example.org"]
    assert message_id_list(f"<{token}>") == ["id-café@example.org"]


def test_huge_references_field_keeps_every_id_in_order() -> None:
    ids = [f"{n}.git-send-email@example.org" for n in range(HUGE_REFERENCES)]
    folded = "\n ".join(f"<{i}>" for i in ids + ids[:10])  # repeats are dropped
    raw = f"From: a@example.org\nReferences: {folded}\nIn-Reply-To: <{ids[-1]}>\n\nbody\n"
    parsed = parse_message(raw.encode(), None, ARRIVAL)
    assert parsed.references == ids
    assert parsed.in_reply_to == ids[-1]


# --- dates -----------------------------------------------------------------------


def test_two_digit_year_is_read_in_its_century() -> None:
    parsed = parse_file("two-digit-year-date.eml")
    assert parsed.date == datetime(2006, 11, 13, 15, 9, tzinfo=UTC)
    assert parsed.date_source is DateSource.HEADER


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("year-since-1900-date.eml", datetime(2002, 7, 24, 9, 48, 6, tzinfo=UTC)),
        ("numeric-date.eml", datetime(2002, 9, 14, 7, 29, 32, tzinfo=UTC)),
    ],
)
def test_broken_dates_of_2002_mail_are_read(name: str, expected: datetime) -> None:
    parsed = parse_file(name)
    assert (parsed.date, parsed.date_source) == (expected, DateSource.HEADER)


def test_no_date_header_takes_the_mbox_from_line() -> None:
    parsed = parse_file("no-date-uses-envelope.mbox")
    assert parsed.date == datetime(2006, 11, 13, 15, 41, tzinfo=UTC)
    assert parsed.date_source is DateSource.ENVELOPE


@pytest.mark.parametrize(
    ("date", "envelope", "expected", "source"),
    [
        ("Tue, 14 Nov 2006 12:50:00 EST", None, datetime(2006, 11, 14, 17, 50), "header"),
        ("14 Nov 2006 12:50", None, datetime(2006, 11, 14, 12, 50), "header"),
        ("Mon,  2 Apr 101 04:20:10 GMT", None, datetime(2001, 4, 2, 4, 20, 10), "header"),
        ("yesterday", "a@b Tue Nov 14 12:50:00 2006", datetime(2006, 11, 14, 12, 50), "envelope"),
        ("Tue, 14 Nov 20006 12:50:00 +0000", None, None, "arrival"),
        (None, "mboxrd@z Thu Jan  1 00:00:00 1970", None, "arrival"),
    ],
)
def test_dates_fall_back_from_header_to_envelope_to_arrival(
    date: str | None, envelope: str | None, expected: datetime | None, source: str
) -> None:
    raw = "From: a@example.org\n" + (f"Date: {date}\n" if date else "") + "\nbody\n"
    parsed = parse_message(raw.encode(), envelope, ARRIVAL)
    assert parsed.date_source == source
    assert parsed.date == (expected.replace(tzinfo=UTC) if expected else ARRIVAL)


# --- bodies ----------------------------------------------------------------------


def test_rfc2231_file_names_decoded_and_patch_recognised() -> None:
    parsed = parse_file("rfc2231-filename.eml")
    names = [(a.filename, a.content_type, a.is_patch) for a in parsed.attachments]
    assert names == [
        ("€ rates for-2003.patch", "application/octet-stream", True),
        ("café.txt", "text/plain", False),
    ]
    assert [b.kind for b in parsed.blocks] == [BlockKind.TEXT, BlockKind.PATCH]


def test_html_only_mail_is_text_and_sanitised_html() -> None:
    parsed = parse_file("html-only.eml")
    assert text_of(parsed) == "Hello & welcome\nsecond line\nthird line\nlink\n"
    assert parsed.html is not None
    for unsafe in ("<script", "alert", "javascript:", "onclick", "<style"):
        assert unsafe not in parsed.html
    assert "<p>Hello &amp; welcome</p>" in parsed.html


def test_format_flowed_unflowed_with_delsp_quotes_and_signature() -> None:
    parsed = parse_file("format-flowed.eml")
    assert [(b.kind, b.text) for b in parsed.blocks] == [
        (BlockKind.ATTRIBUTION, "On 13/11/06 16:09, Keir Fraser wrote:\n"),
        (BlockKind.QUOTE, "> This quoted paragraph was wrapped by the sender's client.\n\n"),
        (
            BlockKind.TEXT,
            (
                "My answer is one long line that the client broke into two so that it fits.\n"
                "From a space-stuffed line.\n\n"
            ),
        ),
        (BlockKind.SIGNATURE, "-- \nThunderbird User\n"),
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nul-in-charset-parameter.eml", "an 8-bit byte: café.\n"),
        ("rfc2231-charset-label-with-nul.eml", "raised ValueError here: café.\n"),
    ],
)
def test_charset_named_with_nul_bytes_falls_back_to_a_guess(name: str, text: str) -> None:
    assert text in text_of(parse_file(name))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "cr-cr-lf-line-ends.eml",
            "A gateway converted line ends twice:\neach line ends CR CR LF.\n\nSecond paragraph.\n",
        ),
        ("lone-cr-line-ends.eml", "Lines end in a lone CR,\nas Mac OS 9 wrote them."),
        ("crlf-multipart-signed.eml", "Looks good.\n"),
    ],
)
def test_every_line_end_becomes_lf(name: str, text: str) -> None:
    assert text_of(parse_file(name)) == text


def test_digest_parts_are_messages_without_saying_so() -> None:
    parsed = parse_file("multipart-digest.eml")
    assert [b.text for b in parsed.blocks] == [
        "The parts of a digest are messages without saying so.",
        "Second message of the digest.",
    ]


def test_forwarded_message_shows_its_plain_alternative() -> None:
    parsed = parse_file("message-rfc822-forwarded.eml")
    assert [b.text for b in parsed.blocks] == ["See the message below.", "Café at noon."]
    assert parsed.attachments == []


def test_delivery_report_and_cut_multipart_keep_their_parts() -> None:
    report = parse_file("delivery-status-report.eml")
    assert text_of(report) == "I could not deliver your message to bob@example.net."
    assert [a.content_type for a in report.attachments] == ["text/rfc822-headers"]
    cut = parse_file("multipart-missing-close-boundary.eml")
    assert [(a.filename, a.is_patch) for a in cut.attachments] == [("fix.patch", True)]


# --- the fast reader against the stdlib feedparser --------------------------------


def leaf_summary(tree: Message) -> list[tuple[str, str | None, bytes | None]]:
    """Type, charset and decoded bytes of each leaf, in document order."""
    leaves = []
    stack = [tree]
    while stack:
        part = stack.pop()
        if part.is_multipart():
            stack.extend(reversed(part.get_payload()))
        else:
            leaves.append(
                (part.get_content_type(), part.get_param("charset"), part.get_payload(decode=True))
            )
    return leaves


@pytest.mark.parametrize("path", sorted(DATA.glob("*.eml")), ids=lambda p: p.name)
def test_fast_reader_builds_the_tree_the_feedparser_builds(path: Path) -> None:
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    read = read_message(raw)
    assert read.parsed_fast == (path.name not in FEEDPARSER_FILES)
    assert leaf_summary(read.tree) == leaf_summary(email.message_from_bytes(raw))


# Lines that make MIME structure, well or badly formed, for generated messages.
MIME_LINES = [
    b"Subject: s\n",
    b"Content-Type: multipart/mixed; boundary=x\n",
    b'content-type: MULTIPART/Alternative; Boundary="y"\n',
    b"Content-Type: multipart/digest; boundary=x\n",
    b"Content-Type: multipart/mixed\n",
    b"Content-Type: message/rfc822\n",
    b"Content-Type: message/delivery-status\n",
    b"Content-Type: text/plain; charset=utf-8; format=flowed\n",
    b"Content-Type: text/html\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"Content-Disposition: attachment; filename*=utf-8''a%C3%A9.patch\n",
    b"\n",
    b"\r\n",
    b"\r",
    b"--x\n",
    b"--x--\n",
    b"--x \t\r\n",
    b"--y\n",
    b"--y--\n",
    b"--xx\n",
    b"--x",
    b" folded\n",
    b"From x\n",
    b": nameless\n",
    b"body line \n",
    b"aGVsbG8=\n",
    b"caf=C3=A9\n",
    b"\xe9\x00\n",
]
generated_mail = st.lists(st.sampled_from(MIME_LINES), max_size=40).map(
    lambda lines: b"From: a@example.org\n" + b"".join(lines)
)


@settings(max_examples=400, deadline=None)
@given(generated_mail)
def test_fast_reader_agrees_with_the_feedparser_on_generated_structure(raw: bytes) -> None:
    read = read_message(raw)
    if read.parsed_fast:
        assert leaf_summary(read.tree) == leaf_summary(email.message_from_bytes(raw))


@settings(max_examples=300, deadline=None)
@given(generated_mail | st.binary(max_size=500))
def test_parse_message_refuses_or_parses_any_bytes(raw: bytes) -> None:
    try:
        parsed = parse_message(raw, None, ARRIVAL)
    except MailParseError:
        return
    assert parsed.raw == raw


# --- hostile structure ---------------------------------------------------------


def nested_multipart(depth: int, line_end: str = "\n") -> bytes:
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(depth)
    )
    closing = "".join(f"\n--b{n}--\n" for n in reversed(range(depth)))
    text = f"From: a@example.org\n{opening}Content-Type: text/plain\n\ndeep\n{closing}"
    return text.replace("\n", line_end).encode()


def nested_messages(depth: int) -> bytes:
    return (
        "From: a@example.org\n" + "Content-Type: message/rfc822\n\n" * depth + "\ndeep\n"
    ).encode()


def test_mime_nested_to_the_bound_is_read_and_one_more_level_refused() -> None:
    parsed = parse_message(nested_multipart(MAX_MIME_DEPTH), None, ARRIVAL)
    assert text_of(parsed) == "deep\n"
    parsed = parse_message(nested_messages(MAX_MIME_DEPTH), None, ARRIVAL)
    assert text_of(parsed) == "deep\n"
    for raw in (nested_multipart(MAX_MIME_DEPTH + 1), nested_messages(MAX_MIME_DEPTH + 1)):
        with pytest.raises(MailParseError):
            parse_message(raw, None, ARRIVAL)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (nested_multipart(HOSTILE_DEPTH), f"nested deeper than {MAX_MIME_DEPTH} levels"),
        (nested_messages(HOSTILE_DEPTH), f"nested deeper than {MAX_MIME_DEPTH} levels"),
        # lone CRs send it to the feedparser, which would recurse: refused first
        (nested_multipart(HOSTILE_DEPTH, "\r"), f"{HOSTILE_DEPTH} MIME containers"),
        (nested_multipart(MAX_FALLBACK_CONTAINERS + 1, "\r"), "MIME containers"),
    ],
    ids=["multipart", "message-rfc822", "multipart-lone-cr", "fallback-bound"],
)
def test_mime_nested_beyond_the_bound_is_refused_without_recursing(raw: bytes, reason: str) -> None:
    with pytest.raises(MailParseError, match=reason):
        parse_message(raw, None, ARRIVAL)


@pytest.mark.parametrize("line_end", ["\n", "\r"], ids=["fast-reader", "feedparser"])
def test_parameters_beyond_the_bound_are_refused_before_the_stdlib_parses_them(
    line_end: str,
) -> None:
    """The stdlib parses parameters in time proportional to their number times the
    field's length; spam with 7,138 empty ones (spamassassin spam_2/00471) parses."""

    def message(parameters: int, size: int) -> bytes:
        field = "Content-Type: text/plain" + (";" + " " * size) * parameters
        return f"From: a@example.org\n{field}\n\nbody\n".replace("\n", line_end).encode()

    assert text_of(parse_message(message(7_138, 1), None, ARRIVAL)).startswith("body")
    parameters = 50_000  # in a field of 2.5 MB: 10**11 against a bound of 2 * 10**9
    assert parameters * parameters * 50 > MAX_PARAMETER_WORK
    with pytest.raises(MailParseError, match="50,000 parameters"):
        parse_message(message(parameters, 49), None, ARRIVAL)


@pytest.mark.parametrize("opening", ["(", ":"], ids=["comments", "groups"])
def test_address_field_nested_beyond_the_bound_is_kept_without_recursing(opening: str) -> None:
    """email.utils.getaddresses recurses once per comment or group it opens."""
    raw = f"From: {opening * HOSTILE_DEPTH}\nTo: a@example.org\n\nbody\n".encode()
    parsed = parse_message(raw, None, ARRIVAL)
    assert (parsed.from_name, parsed.from_addr) == (opening * HOSTILE_DEPTH, "")
    assert parsed.to == [("", "a@example.org")]


@pytest.mark.parametrize("raw", [b"", b" \n\n", b"\xef\xbb\xbf", b"not a header line\n\nbody\n"])
def test_input_without_header_fields_is_refused(raw: bytes) -> None:
    with pytest.raises(MailParseError):
        parse_message(raw, None, ARRIVAL)
