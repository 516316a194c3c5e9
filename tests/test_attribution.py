"""Attribution lines: recognised in every style, taken apart into name, address, date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listkeeper.mail.attribution import (
    attribution_style,
    groupwise_depth,
    header_block_length,
    parse_attribution,
    parse_date,
    parse_who,
    unquote,
)

CET = timezone(timedelta(hours=1))


def at(*parts: int, tz: timezone | None = None) -> datetime:
    return datetime(*parts, tzinfo=tz)


# (text as it stands in a body, style, name, address, date)
CASES = [
    # the seed's styles
    (
        'On 13/11/06 16:09, "Gerd Hoffmann" <kraxel@suse.de> wrote:',
        "on-date-wrote", "Gerd Hoffmann", "kraxel@suse.de", at(2006, 11, 13, 16, 9),
    ),
    (
        ">>> Keir Fraser <keir@xensource.com> 14.11.06 12:50 >>>",
        "groupwise", "Keir Fraser", "keir@xensource.com", at(2006, 11, 14, 12, 50),
    ),
    (
        ">>>> Keir Fraser <keir@xensource.com> 14.11.06 13:42 >>>",
        "groupwise", "Keir Fraser", "keir@xensource.com", at(2006, 11, 14, 13, 42),
    ),
    ("Gerd Hoffmann wrote:", "wrote", "Gerd Hoffmann", None, None),
    ("Gerd Hoffmann <kraxel@suse.de> wrote:\n", "wrote", "Gerd Hoffmann", "kraxel@suse.de", None),
    ("kraxel@suse.de wrote:", "wrote", None, "kraxel@suse.de", None),
    ("> > Keir Fraser wrote:", "wrote", "Keir Fraser", None, None),
    # clients' "On ... wrote:"
    (
        "On Tue, Nov 14, 2006 at 04:11:00PM +0100, Gerd Hoffmann wrote:",
        "on-date-wrote", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 11, tz=CET),
    ),
    ("On 11/14/2006 4:11 PM, Gerd Hoffmann wrote:", "on-date-wrote", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 11)),
    (
        "On Mon, Jan 5, 2026 at 10:00 AM Jane Doe <jane@example.org> wrote:",
        "on-date-wrote", "Jane Doe", "jane@example.org", at(2026, 1, 5, 10, 0),
    ),
    (
        "On Tue, Mar 31, 2026 at 11:43\u202fPM Gary Guo <gary@garyguo.net> wrote:",
        "on-date-wrote", "Gary Guo", "gary@garyguo.net", at(2026, 3, 31, 23, 43),
    ),
    (
        "On Thu, Dec 4, 2025 at 8:46 AM Andrii Nakryiko\n<andrii.nakryiko@gmail.com> wrote:\n",
        "on-date-wrote", "Andrii Nakryiko", "andrii.nakryiko@gmail.com", at(2025, 12, 4, 8, 46),
    ),
    (
        '> On Thu, 9 May 2019 14:05:20 -0400\n> "Jason J. Herne" <jjherne@linux.ibm.com> wrote:\n',
        "on-date-wrote", "Jason J. Herne", "jjherne@linux.ibm.com",
        at(2019, 5, 9, 14, 5, 20, tz=timezone(timedelta(hours=-4))),
    ),
    (
        "On Sun, 2026-02-01 at 17:09 +0000, David Howells wrote:",
        "on-date-wrote", "David Howells", None, at(2026, 2, 1, 17, 9, tz=UTC),
    ),
    (
        "On Tuesday, 14 November 2006 16:06:00 CET Gerd Hoffmann wrote:",
        "on-date-wrote", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6, tz=CET),
    ),
    ("On 2019/8/7 下午10:02, Jason Wang wrote:", "on-date-wrote", "Jason Wang", None, at(2019, 8, 7, 22, 2)),
    ("On 16-Jun-26 20:09, Bjorn Andersson wrote:", "on-date-wrote", "Bjorn Andersson", None, at(2026, 6, 16, 20, 9)),
    ("On 19. 02. 20, 18:50, Krzysztof Kozlowski wrote:", "on-date-wrote", "Krzysztof Kozlowski", None, at(2020, 2, 19, 18, 50)),
    (
        "On Tue Mar 17, 2026 at 10:13 AM CET, Vincent Mailhol (Arm) wrote:",
        "on-date-wrote", "Vincent Mailhol (Arm)", None, at(2026, 3, 17, 10, 13, tz=CET),
    ),
    (
        "On 12-Jan-26 17:26, Manivannan Sadhasivam via B4 Relay <devnull+mani@kernel.org> wrote:",
        "on-date-wrote", "Manivannan Sadhasivam", None, at(2026, 1, 12, 17, 26),
    ),
    ("On 03/05, Thomas Zimmermann wrote:", "on-date-wrote", "Thomas Zimmermann", None, None),
    # other languages
    ("Am 14.11.2006 um 16:06 schrieb Gerd Hoffmann:", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    ("Le 14/11/2006 16:06, Gerd Hoffmann a écrit :", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    (
        "El 14/11/2006 a las 16:06, Gerd Hoffmann escribió:",
        "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6),
    ),
    ("Il 14/11/2006 16:06, Gerd Hoffmann ha scritto:", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    ("Op 14-11-2006 16:06 schreef Gerd Hoffmann:", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    ("Den 14.11.2006 kl. 16:06 skrev Gerd Hoffmann:", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    ("14.11.2006 16:06, Gerd Hoffmann kirjoitti:", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    ("Dnia 14.11.2006 o 16:06 Gerd Hoffmann napisał(a):", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    ("Em 14/11/2006 16:06, Gerd Hoffmann escreveu:", "localized", "Gerd Hoffmann", None, at(2006, 11, 14, 16, 6)),
    # Outlook's header block
    (
        (
            "-----Original Message-----\n"
            "From: xen-devel-bounces@lists.xensource.com [mailto:xen-devel-bounces@lists.xensource.com]"
            " On Behalf Of Keir Fraser\n"
            "Sent: Tuesday, November 14, 2006 4:11 PM\n"
            "To: Gerd Hoffmann\n"
            "Subject: Re: [Xen-devel] compat mode\n"
        ),
        "outlook", "Keir Fraser", None, at(2006, 11, 14, 16, 11),
    ),
    (
        (
            "> -----Original Message-----\n"
            "> From: Michael S. Tsirkin [mailto:mst@redhat.com]\n"
            "> Sent: Monday, September 23, 2019 4:07 PM\n"
        ),
        "outlook", "Michael S. Tsirkin", "mst@redhat.com", at(2019, 9, 23, 16, 7),
    ),
    (
        "________________________________\nFrom: Jan Beulich <jbeulich@novell.com>\nSent: 14 November 2006 13:02\n",
        "outlook", "Jan Beulich", "jbeulich@novell.com", at(2006, 11, 14, 13, 2),
    ),
    ("----- Original Message -----\n", "outlook", None, None, None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "style", "name", "addr", "date"), CASES)
def test_parse_attribution(
    text: str, style: str, name: str | None, addr: str | None, date: datetime | None
) -> None:
    found = parse_attribution(text)
    assert found is not None
    assert (found.style, found.name, found.addr, found.date) == (style, name, addr, date)


def test_attribution_line_is_kept_without_quote_marks() -> None:
    found = parse_attribution(
        '> On 14/11/06 12:32, "Jan Beulich" <jbeulich@novell.com> wrote:\n>\n'
    )
    assert found is not None
    assert found.line == 'On 14/11/06 12:32, "Jan Beulich" <jbeulich@novell.com> wrote:'


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "Thanks for the patch.",
        "Me neither. so what did you have in mind when you wrote:",
        "On the other hand this is fine:",
        ">>> By the way, the test of whether to poke in PAGE_USER can be done by looking",
    ],
)
def test_not_an_attribution(text: str) -> None:
    assert parse_attribution(text) is None


@pytest.mark.parametrize(
    ("line", "depth"),
    [
        (">>> Keir Fraser <keir@xensource.com> 14.11.06 12:50 >>>", 0),
        (">>>> Keir Fraser <keir@xensource.com> 14.11.06 13:42 >>>", 1),
        ("> >>> Keir Fraser <keir@xensource.com> 14.11.06 13:42 >>>\r\n", 1),
        ('>>> "Keir Fraser" <keir@xensource.com> 11/14/06 12:50 PM >>>', 0),
        (">>> By the way, the test >>>", None),
        (">>>", None),
    ],
)
def test_groupwise_depth(line: str, depth: int | None) -> None:
    assert groupwise_depth(line) == depth


@pytest.mark.parametrize(
    ("line", "content"),
    [
        ("> text", "text"),
        (">> > text\r\n", "text"),
        (" > text", "text"),
        (">     > text", "text"),
        ("  > text", "  > text"),
        (
            ">>>> Keir Fraser <keir@xensource.com> 14.11.06 13:42 >>>",
            ">>> Keir Fraser <keir@xensource.com> 14.11.06 13:42 >>>",
        ),
    ],
)
def test_unquote(line: str, content: str) -> None:
    assert unquote(line) == content


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13/11/06 16:09", datetime(2006, 11, 13, 16, 9)),  # day first
        ("11/14/2006 4:11 PM", datetime(2006, 11, 14, 16, 11)),  # US: a 12-hour clock
        ("01/02/2006 4:11 PM", datetime(2006, 1, 2, 16, 11)),
        ("01/02/2006 16:11", datetime(2006, 2, 1, 16, 11)),
        ("14.11.06 12:50", datetime(2006, 11, 14, 12, 50)),
        ("1.1.99 0:00", datetime(1999, 1, 1, 0, 0)),
        ("Tue, 14 Nov 2006 16:11:00 +0100", datetime(2006, 11, 14, 16, 11, tzinfo=CET)),
        ("2020 Jan 02", datetime(2020, 1, 2)),
        ("31/02/2006 10:00", None),  # no such day
        ("yesterday", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Gerd Hoffmann" <kraxel@suse.de>', ("Gerd Hoffmann", "kraxel@suse.de")),
        ("kraxel@suse.de (Gerd Hoffmann)", ("Gerd Hoffmann", "kraxel@suse.de")),
        ("Gerd (<kraxel@suse.de>)", ("Gerd", "kraxel@suse.de")),
        ("Keir Fraser [mailto:keir@xensource.com]", ("Keir Fraser", "keir@xensource.com")),
        (
            "Tyler Sanderson via Virtualization <virtualization@lists.linux-foundation.org>",
            ("Tyler Sanderson", None),
        ),
        ("<jane@example.org>", (None, "jane@example.org")),
    ],
)
def test_parse_who(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_who(text) == expected


def test_outlook_block_takes_wrapped_fields_down_to_the_blank_line() -> None:
    lines = [
        "-----Original Message-----",
        "From: Jason Wang <jasowang@redhat.com>",
        "To: kvm@vger.kernel.org; linux-",
        "kernel@vger.kernel.org",
        "Subject: [PATCH]",
        "",
        "Currently, except for the create and remove...",
    ]
    assert header_block_length(lines) == 5
    assert header_block_length(["_" * 32, "Hello"]) == 0
    assert header_block_length(["----- Original Message -----", "> quoted"]) == 1


def test_attribution_style_needs_the_verb_at_the_end() -> None:
    assert attribution_style("Gerd Hoffmann wrote:") == "wrote"
    assert attribution_style("Gerd Hoffmann wrote: yes") is None
    assert attribution_style("x" * 400 + " wrote:") is None


@given(st.text())
def test_parse_attribution_never_raises(text: str) -> None:
    found = parse_attribution(text)
    assert found is None or found.style


@given(
    st.lists(
        st.sampled_from(
            [
                "On ",
                "wrote:",
                ">>>",
                " >>>",
                "14.11.06 12:50",
                "<a@b.c>",
                '"',
                ",",
                "\n",
                "-----Original Message-----",
                "From: ",
                "Sent: ",
                "下午",
                "13/13/13 25:61",
                "5 \u017fep 2019 10:00",  # a long s: Unicode case folding makes it "sep"
                "\u212aov",  # a Kelvin sign, which folds to "k"
            ]
        )
    ).map("".join)
)
def test_parse_attribution_never_raises_on_attribution_fragments(text: str) -> None:
    parse_attribution(text)


def test_a_month_is_spelled_in_ascii() -> None:
    """"\u017fep" is not September: the line is still an attribution, without a date."""
    found = parse_attribution("On 5 \u017fep 2019 10:00, Xavier Foo wrote:")
    assert found is not None and found.name == "Xavier Foo" and found.date is None
