"""Attribution lines: the "who wrote what follows" lines that introduce a quote.

Threading repair reads the name, address and date an attribution names, so
each client's style is recognised here and taken apart with small explicit
patterns (stdlib only). The segmenter (body.py) asks the recognisers in this
module whether a line is an attribution; deciding whether it really introduces
a quote (what follows it) is the segmenter's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from listkeeper.mail.blocks import Attribution

# An attribution names a person, not a paragraph: longer lines are prose.
MAX_ATTRIBUTION_CHARS = 300
MAX_WHO_CHARS = 120
# "Name <addr> wrote:" names someone in a few words; more is a sentence.
MAX_WHO_WORDS = 7
# Two-digit years: 70..99 are the 1900s, 00..69 the 2000s (the POSIX pivot).
CENTURY_PIVOT = 70
MONTHS_IN_YEAR = 12
# An Outlook header block: a separator and a few fields (a long Cc: wraps).
MAX_HEADER_LINES = 30
# "On ... wrote:" texts taken apart and kept (each at most MAX_ATTRIBUTION_CHARS).
FORM_CACHE_SIZE = 4096

STYLE_ON_DATE_WROTE = "on-date-wrote"
STYLE_WROTE = "wrote"
STYLE_GROUPWISE = "groupwise"
STYLE_OUTLOOK = "outlook"
STYLE_LOCALIZED = "localized"

# ---------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Zone names that clients print, with their offsets in hours; others stay naive.
_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "CST": -6, "CDT": -5, "EST": -5,
    "EDT": -4, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "JST": 9, "KST": 9,
    "AEST": 10, "AEDT": 11,
}  # fmt: skip
# ASCII case folding only: Unicode's would take a long s ("\u017fep") or a
# Kelvin sign for a letter of a month's name, which _MONTHS then lacks.
_MONTH = r"(?P<mon>(?ai:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\.?"
_WEEKDAY = r"(?:(?ai:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
# The words clients put between a date and its time: "at", "um", "à", "a las"...
_TIME = (
    r"(?:[\s,]*(?:(?:at|um|à|a las|alle ore|alle|om|kl\.?|klo\.?|o)\s+)?"
    r"(?P<half>[上下]午)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?(?![a-z]))?"
    r"(?:\s*(?P<zone>[+-]\d{4}|[A-Z]{1,4}T|UTC?|Z)(?![\w@]))?)?"
)
_DATE_FORMS = [
    # 13/11/06 16:09 (Entourage), 14.11.06 12:50 (GroupWise), 11/14/2006 4:11 PM
    re.compile(
        _WEEKDAY
        + r"(?P<a>\d{1,2})(?P<sep>[./-])\s?(?P<b>\d{1,2})(?P=sep)\s?(?P<year>\d{4}|\d{2})\b"
        + _TIME
    ),
    # 2006-11-14 16:06 (ISO, Evolution's "Tue, 2006-11-14 at 16:06 +0100"), 2019/8/7 下午10:02
    re.compile(
        _WEEKDAY + r"(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})(?:T|\b)" + _TIME
    ),
    # Tue, Nov 14, 2006 at 04:11:00PM +0100 (mutt, Gmail, Outlook's "Sent:")
    re.compile(
        _WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b" + _TIME
    ),
    # Tue, 14 Nov 2006 16:11:00 +0100 (RFC 5322, alpine, KMail, Apple Mail), 16-Jun-26 20:09
    re.compile(
        _WEEKDAY
        + r"(?P<day>\d{1,2})\.?[-\s]+"
        + _MONTH
        + r"[-,]?\s*(?P<year>\d{4}|\d{2})\b"
        + _TIME
    ),
    # 2020 Jan 02
    re.compile(r"(?P<year>\d{4})\s+" + _MONTH + r"\s+(?P<day>\d{1,2})\b" + _TIME),
]


def parse_date(text: str) -> tuple[datetime | None, int]:
    """The date a text starts with, and how many characters it took (0 if none)."""
    text = text[:MAX_ATTRIBUTION_CHARS]
    for form in _DATE_FORMS:
        match = form.match(text)
        if match:
            return _build_date(match), match.end()
    return None, 0


def _build_date(match: re.Match[str]) -> datetime | None:
    """A datetime from a date form's groups; None when the numbers are impossible."""
    groups = match.groupdict()
    year = _full_year(groups["year"])
    if groups.get("mon"):
        month, day = _MONTHS[groups["mon"][:3].lower()], int(groups["day"])
    elif groups.get("month"):
        month, day = int(groups["month"]), int(groups["day"])
    else:
        day, month = _day_month(
            int(groups["a"]), int(groups["b"]), groups["sep"], bool(groups["ampm"])
        )
    hour, minute, second = (int(groups[k] or 0) for k in ("hour", "minute", "second"))
    hour = _hour_24(hour, groups["ampm"] or groups["half"])
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=_zone(groups["zone"]))
    except ValueError:
        return None


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= CENTURY_PIVOT else 2000
    return year


def _day_month(a: int, b: int, sep: str, twelve_hour: bool) -> tuple[int, int]:
    """Order "a/b" as (day, month).

    Day first unless the numbers say otherwise, or a slash date comes with a
    12-hour clock: that is the US form ("11/14/2006 4:11 PM").
    """
    if a > MONTHS_IN_YEAR:
        return a, b
    if b > MONTHS_IN_YEAR or (sep == "/" and twelve_hour):
        return b, a
    return a, b


def _hour_24(hour: int, ampm: str | None) -> int:
    """A 12-hour clock's hour ("PM", "下午": afternoon) on the 24-hour clock."""
    if not ampm:
        return hour
    afternoon = ampm[0] in "Pp下"
    return hour % 12 + (12 if afternoon else 0)


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[3:5])))
    hours = _ZONES.get(text)
    return None if hours is None else timezone(timedelta(hours=hours))


# ---------------------------------------------------------------- who

_ANGLE_ADDR = re.compile(r"<\s*(?:mailto:)?([^<>\s@]+@[^<>\s]+?)\s*>")
_MAILTO_ADDR = re.compile(r"\[\s*mailto:([^\]\s]+)\s*\]")
_PAREN_ADDR = re.compile(r"\(\s*([^()\s@]+@[^()\s]+?)\s*\)")
_BARE_ADDR = re.compile(r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+")
_BEHALF = re.compile(r"\bOn Behalf Of\b", re.IGNORECASE)
_VIA = re.compile(r"\s+via\s+\S.*$")
_NAME_TRIM = " \t\"',;:<>*"
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


def parse_who(text: str) -> tuple[str | None, str | None]:
    """(name, address) of "Name <addr>", "\"Name\" <addr>", "addr (Name)", "addr"."""
    text = text[:MAX_ATTRIBUTION_CHARS]
    behalf = _BEHALF.search(text)
    if behalf:  # Outlook: "list-bounces@... [mailto:...] On Behalf Of Name"
        text = text[behalf.end() :]
    addr = None
    for pattern in (_ANGLE_ADDR, _MAILTO_ADDR, _PAREN_ADDR, _BARE_ADDR):
        match = pattern.search(text)
        if match:
            addr = match.group(match.lastindex or 0)
            text = text[: match.start()] + " " + text[match.end() :]
            break
    name = " ".join(_EMPTY_BRACKETS.sub(" ", text).split()).strip(_NAME_TRIM)
    if name.startswith("(") and name.endswith(")"):  # "addr (Name)"
        name = name[1:-1].strip()
    via = _VIA.search(name)
    if via:  # "Name via Listname <list@...>": the address is the list's
        name, addr = name[: via.start()], None
    if not name or "@" in name:
        name = None
    return name, addr


# ---------------------------------------------------------------- quoting

# Quote marks: '>' each, after at most one leading space; spaces may stand
# between marks ("> >", ">   >" from clients that indent what they quote).
# The prefix takes the spaces after the last mark too; its '>' count the depth.
QUOTE_MARKS = r" ?>[ \t>]*"
_QUOTE_PREFIX = re.compile(QUOTE_MARKS)


def unquote(line: str) -> str:
    """A line without its quote prefix or line ending (GroupWise marks are kept)."""
    line = line.rstrip("\r\n")
    if line[:1] != ">" and line[:2] != " >":
        return line
    groupwise = _GROUPWISE.match(line) if line.rstrip().endswith(">>>") else None
    if groupwise:
        return line[groupwise.start("marks") :]
    return line[_QUOTE_PREFIX.match(line).end() :]


# ---------------------------------------------------------------- styles

# >>> Keir Fraser <keir@xensource.com> 14.11.06 12:50 >>>
# The marks are not quoting: the prefix before them is ("> >>> ..." is depth 1).
_GROUPWISE = re.compile(
    rf"(?P<prefix>(?:[ \t]*>)*?)(?P<marks>[ \t]*>>>) ?(?P<who>[^>\s][^\n]{{0,{MAX_WHO_CHARS}}}?)\s+"
    r"(?P<date>\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\s+\d{1,2}:\d{2}(?:\s*[AaPp][Mm])?)\s*>>>\s*$"
)
_ANY = rf".{{1,{MAX_ATTRIBUTION_CHARS}}}?"
_WHO = rf"(?P<who>.{{1,{MAX_WHO_CHARS}}}?)"
_DATE = r"(?P<date>.{1,80}?)"
_END = r"\s*:\s*$"
# Each verb with the forms that end in it. A form gives the name and the date
# apart ("who", "date"), or together as "DATE, WHO" ("body").
_FORMS_BY_VERB: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "wrote": [
        # On 13/11/06 16:09, "Gerd Hoffmann" <kraxel@suse.de> wrote:
        (STYLE_ON_DATE_WROTE, re.compile(rf"On\s+(?P<body>{_ANY})\s*wrote\s?{_END}")),
        # Gerd Hoffmann <kraxel@suse.de> wrote:   * Gerd Hoffmann wrote:
        (
            STYLE_WROTE,
            re.compile(
                rf"(?:\*\s*)?(?P<who>[^\s*]\S*(?:[ \t]+\S+){{0,{MAX_WHO_WORDS - 1}}})"
                rf"\s+wrote\s?{_END}"
            ),
        ),
    ],
    "writes": [(STYLE_WROTE, re.compile(rf"{_WHO}\s+writes{_END}"))],
    "Quoting": [(STYLE_WROTE, re.compile(rf"Quoting\s+{_WHO}{_END}"))],
    "schrieb": [
        (STYLE_LOCALIZED, re.compile(rf"Am\s+{_DATE},?\s+schrieb\s+{_WHO}{_END}")),
        (STYLE_LOCALIZED, re.compile(rf"{_WHO}\s+schrieb(?:\s+am\s+{_DATE})?{_END}")),
    ],
    "écrit": [(STYLE_LOCALIZED, re.compile(rf"Le\s+(?P<body>{_ANY})\s+a\s+écrit{_END}"))],
    "escribió": [(STYLE_LOCALIZED, re.compile(rf"(?:El\s+)?(?P<body>{_ANY})\s+escribió{_END}"))],
    "scritto": [
        (
            STYLE_LOCALIZED,
            re.compile(rf"(?:Il(?:\s+giorno)?\s+)?(?P<body>{_ANY})\s+ha\s+scritto{_END}"),
        )
    ],
    "schreef": [
        (STYLE_LOCALIZED, re.compile(rf"Op\s+{_DATE},?\s+schreef\s+{_WHO}{_END}")),
        (STYLE_LOCALIZED, re.compile(rf"{_WHO}\s+schreef(?:\s+op\s+{_DATE})?{_END}")),
    ],
    "skrev": [
        (STYLE_LOCALIZED, re.compile(rf"(?:Den\s+)?{_DATE}\s+skrev\s+{_WHO}{_END}")),
        (STYLE_LOCALIZED, re.compile(rf"{_WHO}\s+skrev{_END}")),
    ],
    "kirjoitti": [(STYLE_LOCALIZED, re.compile(rf"(?P<body>{_ANY})\s+kirjoitti{_END}"))],
    "napisał": [
        (
            STYLE_LOCALIZED,
            re.compile(rf"(?:(?:W dniu|Dnia)\s+)?(?P<body>{_ANY})\s+napisał(?:\(a\)|a)?{_END}"),
        )
    ],
    "pisze": [(STYLE_LOCALIZED, re.compile(rf"(?:W dniu\s+)?(?P<body>{_ANY})\s+pisze{_END}"))],
    "escreveu": [(STYLE_LOCALIZED, re.compile(rf"(?:Em\s+)?(?P<body>{_ANY})\s+escreveu{_END}"))],
    "написал": [(STYLE_LOCALIZED, re.compile(rf"(?P<body>{_ANY})\s+написал(?:\(а\)|а)?{_END}"))],
}
# The verb, found first, picks the forms to try.
_VERB = re.compile(r"\b(" + "|".join(_FORMS_BY_VERB) + r")(?!\w)")
# Zero-width marks that clients leave in front of a line: a byte-order mark,
# a zero-width space, direction marks.
_INVISIBLE = "\ufeff\u200b\u200e\u200f"
# The first line of an attribution that the client wrapped in two.
_WRAPPED_START = re.compile(r"(?:On|Am|Le|El|Il|Op|Em|Den|W dniu|Dnia)\s")

# -----Original Message----- (and its translations), then From:/Sent:/To:...
_SEPARATOR_WORDS = (
    r"(?i:original message|forwarded message|ursprüngliche nachricht|message d'origine"
    r"|mensaje original|messaggio originale|oorspronkelijk bericht|originalmeddelande"
    r"|opprinnelig melding|alkuperäinen viesti|wiadomość oryginalna)"
)
_HEADER_SEPARATOR = re.compile(r"\s*-{2,}\s*" + _SEPARATOR_WORDS + r"\s*-{2,}\s*$")
_UNDERSCORE_SEPARATOR = re.compile(r"\s*_{20,}\s*$")
_HEADER_FIELD = re.compile(
    r"(?P<field>From|Sent|Date|To|Cc|Bcc|Subject|Reply-To|Importance|Von|Gesendet|Datum|An"
    r"|Betreff|De|Envoyé|À|Objet|Enviado|Para|Asunto|Da|Inviato|Oggetto|Van|Verzonden|Aan"
    r"|Onderwerp)\s*:(?P<value>.*)$"
)
_FROM_FIELDS = frozenset({"From", "Von", "De", "Da", "Van"})
_DATE_FIELDS = frozenset(
    {"Sent", "Date", "Gesendet", "Datum", "Envoyé", "Enviado", "Inviato", "Verzonden"}
)

# For the segmenter's whole-text scans. GROUPWISE_SCAN: a hit is the end of a
# line that may be a GroupWise attribution (a time, then ">>>"). HEADER_OPENERS:
# what may follow a line's quote marks to open an Outlook header block.
GROUPWISE_SCAN = re.compile(r":\d\d(?:\s*[AaPp][Mm])?[ \t]*>>>[ \t\r]*(?=\n|\Z)")
HEADER_OPENERS = [
    r"-{2,}[ \t]*" + _SEPARATOR_WORDS,
    r"_{20,}[ \t\r]*\n[ >\t]*(?:From|Von|De|Da|Van)[ \t]*:",
]


def groupwise_depth(line: str) -> int | None:
    """Quote depth of a GroupWise ">>> Name <addr> dd.mm.yy HH:MM >>>" line, else None."""
    match = _GROUPWISE.match(line.rstrip("\r\n"))
    if not match:
        return None
    return match.group("prefix").count(">")


def may_end_attribution(line: str) -> bool:
    """A cheap first test: whether a line holds a verb that ends an attribution."""
    return _VERB.search(line) is not None


def _trim(text: str) -> str:
    """Without surrounding white space, nor the invisible marks some clients
    leave at the start of a line (a byte-order mark before "On ...")."""
    return text.strip().lstrip(_INVISIBLE).strip()


def attribution_style(text: str) -> str | None:
    """The style of one (unquoted) line, or two joined, if it reads as "On ...
    wrote:" or a translation of it; whether it introduces a quote is for the
    caller to check."""
    text = _trim(text)
    found = _find_form(text) if text.endswith(":") else None
    return found[0] if found else None


def is_wrapped_start(text: str) -> bool:
    """Whether a line may be the first half of an attribution wrapped in two."""
    return _WRAPPED_START.match(_trim(text)) is not None


def is_header_separator(line: str) -> bool:
    """Whether an unquoted line may open an Outlook header block."""
    return (
        _HEADER_SEPARATOR.match(line) is not None or _UNDERSCORE_SEPARATOR.match(line) is not None
    )


def header_block_length(lines: Sequence[str]) -> int:
    """How many of these unquoted lines form an Outlook-style header block (0: none).

    The block is a separator ("-----Original Message-----", or a rule of
    underscores directly followed by From:) and the header fields under it,
    down to the blank line that ends them (or the end of the lines given:
    the caller gives the lines of one quote): Outlook wraps long To: and Cc:
    fields without indenting the rest. With no end in sight, the block ends
    after its last field.
    """
    if not lines:
        return 0
    first = lines[0]
    if _UNDERSCORE_SEPARATOR.match(first):
        if len(lines) < 2 or not _is_from_field(lines[1]):
            return 0
    elif not _HEADER_SEPARATOR.match(first):
        return 0
    if len(lines) < 2 or not _HEADER_FIELD.match(lines[1]):
        return 1  # a separator alone (Zimbra's "----- Original Message -----")
    fields_end = 2
    for index in range(2, min(len(lines), MAX_HEADER_LINES)):
        line = lines[index]
        if not line.strip():
            return index
        if _HEADER_FIELD.match(line) or line[:1] in " \t":
            fields_end = index + 1
    return fields_end if len(lines) >= MAX_HEADER_LINES else len(lines)


def _is_from_field(line: str) -> bool:
    field = _HEADER_FIELD.match(line)
    return field is not None and field.group("field") in _FROM_FIELDS


def parse_attribution(text: str) -> Attribution | None:
    """Who wrote the quote that this attribution (a block's text) introduces.

    Accepts the text as it stands in the body, quote marks and line ends
    included; returns None if it is no attribution this module knows.
    """
    raw = text.split("\n")
    first = next((index for index, line in enumerate(raw) if line.strip()), None)
    if first is None:
        return None
    raw = raw[first:]
    groupwise = _GROUPWISE.match(raw[0].rstrip("\r"))
    if groupwise:
        name, addr = parse_who(groupwise.group("who"))
        date, _ = parse_date(groupwise.group("date"))
        return Attribution(unquote(raw[0]), name, addr, date, STYLE_GROUPWISE)
    lines = [unquote(line) for line in raw]
    if header_block_length(lines):
        return _parse_header_block(lines)
    lines = [_trim(line) for line in lines if _trim(line)]
    for count in (1, 2):
        found = _read_form(" ".join(lines[:count]))
        if found:
            style, name, addr, date = found
            return Attribution("\n".join(lines[:count]), name, addr, date, style)
    return None


@lru_cache(maxsize=FORM_CACHE_SIZE)
def _read_form(text: str) -> tuple[str, str | None, str | None, datetime | None] | None:
    """Style, name, address and date of an "On ... wrote:"-like text, or None.

    Kept, as the replies in a thread quote the same attributions again and again.
    The segmenter asks attribution_style, which does not take the parts apart:
    it must not fail where only parse_attribution would.
    """
    found = _find_form(text)
    if found is None:
        return None
    style, match = found
    return (style, *_parts(match))


def _parse_header_block(lines: list[str]) -> Attribution:
    """Name and address from From:, date from Sent:/Date: of an Outlook block."""
    block = [line.strip() for line in lines[: header_block_length(lines)]]
    name = addr = date = None
    for line in block[1:]:
        field = _HEADER_FIELD.match(line)
        if not field:
            continue
        value = field.group("value").strip()
        if field.group("field") in _FROM_FIELDS and name is None and addr is None:
            name, addr = parse_who(value)
        elif field.group("field") in _DATE_FIELDS and date is None:
            date, _ = parse_date(value)
    return Attribution("\n".join(block), name, addr, date, STYLE_OUTLOOK)


def _find_form(text: str) -> tuple[str, re.Match[str]] | None:
    """The style and match of the "On ... wrote:"-like form a text is in, or None."""
    if len(text) > MAX_ATTRIBUTION_CHARS:
        return None
    verb = _VERB.search(text)
    if not verb:
        return None
    for style, form in _FORMS_BY_VERB[verb.group(1)]:
        match = form.match(text)
        if match:
            return style, match
    return None


def _parts(match: re.Match[str]) -> tuple[str | None, str | None, datetime | None]:
    """Name, address and date from a form's "body" or "who" and "date" groups."""
    groups = match.groupdict()
    if groups.get("body"):
        return _split_date_who(groups["body"])
    name, addr = parse_who(groups["who"])
    date = parse_date(groups["date"].strip())[0] if groups.get("date") else None
    return name, addr, date


def _split_date_who(body: str) -> tuple[str | None, str | None, datetime | None]:
    """Split "DATE, WHO" (the middle of "On DATE, WHO wrote:") into its parts.

    When no date form is recognised, what precedes the name is a date in an
    unknown form: the name starts at a quote mark, or after the last comma.
    """
    body = body.strip()
    date, used = parse_date(body)
    if used:
        who = body[used:]
    else:
        who = _who_after_unknown_date(body)
    name, addr = parse_who(who.strip(" ,"))
    return name, addr, date


def _who_after_unknown_date(body: str) -> str:
    """The name part of "DATE, WHO" when DATE is in a form not recognised."""
    quoted = body.find('"')
    if quoted >= 0:
        return body[quoted:]
    return body.rsplit(",", 1)[-1]
