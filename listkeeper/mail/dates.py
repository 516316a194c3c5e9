"""When a message was written, from the forms of Date that real mail has.

RFC 5322 dates, two-digit years, missing or named zones are all read by the
stdlib's lenient parser. Two broken forms of 2001-2002 mail are read too: years
printed as years since 1900 ("Wed, 24 Jul 0102", "Mon, 2 Apr 101") and numeric
dates ("2002/09/14 Sat 13:06:03 GMT"). What still cannot be read falls back to the
mbox From_ line, then to the time of arrival, and the message records which won.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from enum import StrEnum

# Years outside this range are typos or garbage (a 1970 epoch, year 20006).
EARLIEST_YEAR = 1980
LATEST_YEAR_AHEAD = 1  # allow clocks a year fast, no more
# A struct tm's years since 1900 printed as the year: 101 is 2001, "0102" 2002.
TM_YEAR_BASE = 1900
TM_YEARS = range(100, 200)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# "2002/09/14 Sat 13:06:03 GMT": year, month, day, a weekday perhaps, the rest.
_NUMERIC_DATE = re.compile(
    r"\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+[A-Za-z]{3},?)?\s+(\d{1,2}:\d{2}.*)$"
)
_ENVELOPE_DATE = re.compile(r"\s(\w{3}\s+\w{3}\s+\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?\s+\d{4})\s*$")


class DateSource(StrEnum):
    HEADER = "header"
    ENVELOPE = "envelope"  # the mbox From_ line
    ARRIVAL = "arrival"  # the time listkeeper received it


def parse_date_header(value: str | None) -> datetime | None:
    """A UTC datetime from a Date header, or None if it cannot be trusted."""
    if not value:
        return None
    try:
        parts = parsedate_tz(value) or parsedate_tz(_as_rfc5322(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    if year in TM_YEARS:
        year += TM_YEAR_BASE
    offset = parts[9] or 0
    try:
        local = datetime(year, month, day, hour, minute, min(second, 59))
    except (ValueError, OverflowError):
        return None
    if not _plausible(local.year):
        return None
    try:
        utc = local - timedelta(seconds=offset)
    except OverflowError:
        return None
    return utc.replace(tzinfo=timezone.utc)


def _as_rfc5322(value: str) -> str:
    """A numeric date rewritten as RFC 5322 ("14 Sep 2002 13:06:03 GMT"), else ""."""
    found = _NUMERIC_DATE.match(value)
    if not found:
        return ""
    year, month, day, rest = found.groups()
    if not 1 <= int(month) <= len(MONTHS):
        return ""
    return f"{int(day)} {MONTHS[int(month) - 1]} {year} {rest}"


def parse_envelope_date(envelope: str | None) -> datetime | None:
    """The asctime date of an mbox From_ line ("addr Mon Nov 13 15:41:00 2006")."""
    if not envelope:
        return None
    match = _ENVELOPE_DATE.search(envelope)
    if not match:
        return None
    text = " ".join(match.group(1).split())
    for fmt in ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M %Y"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if _plausible(parsed.year) and parsed.year != 1970:
            return parsed.replace(tzinfo=timezone.utc)
    return None


def _plausible(year: int) -> bool:
    return EARLIEST_YEAR <= year <= datetime.now(timezone.utc).year + LATEST_YEAR_AHEAD


def message_date(
    header: str | None, envelope: str | None, arrival: datetime
) -> tuple[datetime, DateSource]:
    """The best date for a message and where it came from."""
    parsed = parse_date_header(header)
    if parsed is not None:
        return parsed, DateSource.HEADER
    parsed = parse_envelope_date(envelope)
    if parsed is not None:
        return parsed, DateSource.ENVELOPE
    return arrival.astimezone(timezone.utc), DateSource.ARRIVAL
