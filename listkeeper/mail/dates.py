"""When a message was written, from the forms of Date that real mail has.

RFC 5322 dates, two-digit years, missing or named zones are all read by the
stdlib's lenient parser; what it cannot read falls back to the mbox From_ line,
then to the time of arrival, and the message records which source won.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from enum import StrEnum

# Years outside this range are typos or garbage (a 1970 epoch, year 20006).
EARLIEST_YEAR = 1980
LATEST_YEAR_AHEAD = 1  # allow clocks a year fast, no more
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
        parts = parsedate_tz(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
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
