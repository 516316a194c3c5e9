"""Finding the parent of a message whose client dropped its threading headers.

GroupWise, Outlook and web mailers send replies without References or
In-Reply-To, yet the reply quotes the message it answers. In order of trust:

1. quote: word shingles of what the reply quotes (at its shallowest quote
   depth) against the author's own text of earlier messages in the list;
2. attribution: the "X wrote:" line names an author (and often a date);
3. subject: a "Re:" of an earlier subject, or a patch of a series answering
   its cover letter, never across a long gap.

Everything here is pure: the store feeds candidates in, gets parents out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from listkeeper.mail.subject import SeriesPosition, is_reply, series_position, subject_key
from listkeeper.threader import FoundBy

SHINGLE_WORDS = 5  # word n-gram length: long enough to be distinctive, short enough for rewraps
MAX_POSTINGS = 40  # a shingle found in more messages than this is boilerplate, not evidence
MIN_SHARED_SHINGLES = 2
MIN_SHORT_QUOTE_WORDS = 3  # a quote shorter than a shingle still counts from this many words
CANDIDATE_WINDOW = timedelta(days=60)  # replies come within weeks, not years
SUBJECT_WINDOW = timedelta(days=14)  # the longest gap a subject-only link may bridge
SERIES_WINDOW = timedelta(days=2)  # git send-email sends a series within minutes
ATTRIBUTION_SLACK = timedelta(hours=14, minutes=1)  # attribution dates are in some local time
NEAR_BEST = 0.5  # quote scores within this share of the best stay in the running
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[int]:
    """Hashes of every run of SHINGLE_WORDS words, lowercased: wrapping-proof."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {hash(tuple(words))} if len(words) >= MIN_SHORT_QUOTE_WORDS else set()
    runs = zip(*(words[offset:] for offset in range(SHINGLE_WORDS)))
    return {hash(run) for run in runs}


@dataclass(slots=True)
class Mail:
    """What repair knows of one message."""

    message_id: str
    date: datetime
    from_name: str
    from_addr: str
    subject: str
    own: str  # the author's own text (regions.own_text)
    # What it quotes (regions.shallowest_quote) and whom it names: the store
    # gives them only for a message without threading headers, as no other
    # is given a parent here.
    quoted: str
    attributions: list[dict]
    has_header_parent: bool
    subject_key: str = field(init=False)
    series: SeriesPosition | None = field(init=False)

    def __post_init__(self) -> None:
        self.subject_key = subject_key(self.subject)
        self.series = series_position(self.subject)

    @property
    def may_be_a_reply(self) -> bool:
        """Anything that repair could follow: quotes, attribution, series, "Re:"."""
        return bool(
            self.attributions
            or bool(self.quoted)
            or self.series is not None
            or is_reply(self.subject)
        )


@dataclass(frozen=True, slots=True)
class Repair:
    parent: str
    found_by: FoundBy


class RepairIndex:
    """All messages of a list (or a window of it), indexed for repair."""

    def __init__(self, mails: list[Mail]) -> None:
        self.mails = sorted(mails, key=lambda m: (m.date, m.message_id))
        self.by_id = {m.message_id: m for m in self.mails}
        self._postings: dict[int, list[str]] | None = None
        self._shingle_cache: dict[str, set[int]] = {}
        self.by_subject: dict[str, list[Mail]] = defaultdict(list)
        self.by_author: dict[str, list[Mail]] = defaultdict(list)
        self.by_series: dict[tuple[str, int, int], list[Mail]] = defaultdict(list)
        self.by_title: dict[tuple[str, str], list[Mail]] = defaultdict(list)
        for mail in self.mails:
            self.by_subject[mail.subject_key].append(mail)
            for key in {mail.from_addr.lower(), mail.from_name.lower()} - {""}:
                self.by_author[key].append(mail)
            if mail.series is not None:
                key = (mail.from_addr, mail.series.version, mail.series.total)
                self.by_series[key].append(mail)
                self.by_title[(mail.from_addr, mail.series.title)].append(mail)

    @property
    def postings(self) -> dict[int, list[str]]:
        """Shingle -> messages whose own text has it; built on first need."""
        if self._postings is None:
            self._postings = defaultdict(list)
            for mail in self.mails:
                for shingle in self._own_shingles(mail):
                    self._postings[shingle].append(mail.message_id)
        return self._postings

    def parent_of(self, mail: Mail) -> Repair | None:
        """The most likely parent of a message without threading headers."""
        return (
            self._by_quote(mail)
            or self._by_attribution(mail)
            or self._by_series(mail)
            or self._by_subject(mail)
        )

    def _earlier(self, mail: Mail, candidate: Mail) -> bool:
        return (
            candidate.message_id != mail.message_id
            and candidate.date <= mail.date
            and mail.date - candidate.date <= CANDIDATE_WINDOW
        )

    def _by_quote(self, mail: Mail) -> Repair | None:
        """Most shared shingles wins; messages of the same subject are tried first,
        the whole list's shingle index only when they share nothing."""
        quoted = shingles(mail.quoted)
        if not quoted:
            return None
        same_subject = [c for c in self.by_subject.get(mail.subject_key, ()) if self._earlier(mail, c)]
        scores = {c.message_id: len(quoted & self._own_shingles(c)) for c in same_subject}
        chosen = self._choose(mail, scores)
        if chosen is None and (mail.attributions or is_reply(mail.subject)):
            # Only a message that says it replies is worth the whole list's index:
            # a new thread quoting a log or a forwarded mail is not a reply.
            chosen = self._choose(mail, self._scores_from_index(quoted))
        return Repair(chosen.message_id, FoundBy.QUOTE) if chosen else None

    def _own_shingles(self, mail: Mail) -> set[int]:
        cached = self._shingle_cache.get(mail.message_id)
        if cached is None:
            cached = self._shingle_cache[mail.message_id] = shingles(mail.own)
        return cached

    def _scores_from_index(self, quoted: set[int]) -> dict[str, int]:
        scores: dict[str, int] = defaultdict(int)
        for shingle in quoted:
            owners = self.postings.get(shingle, ())
            if len(owners) <= MAX_POSTINGS:
                for owner in owners:
                    scores[owner] += 1
        return scores

    def _choose(self, mail: Mail, scores: dict[str, int]) -> Mail | None:
        """The best-scoring earlier message, preferring one the attribution names."""
        ranked = [
            (score, self.by_id[mid])
            for mid, score in scores.items()
            if score >= MIN_SHARED_SHINGLES and self._earlier(mail, self.by_id[mid])
        ]
        if not ranked:
            return None
        best = max(score for score, _ in ranked)
        contenders = [c for score, c in ranked if score >= best * NEAR_BEST]
        named = [c for c in contenders if self._named_by_attribution(mail, c)]
        pool = named or [c for score, c in ranked if score == best]
        return max(pool, key=lambda c: (scores[c.message_id], c.date, c.message_id))

    def _named_by_attribution(self, mail: Mail, candidate: Mail) -> bool:
        return any(_names(attribution, candidate) for attribution in mail.attributions)

    def _by_attribution(self, mail: Mail) -> Repair | None:
        for attribution in mail.attributions:
            by_author = [
                c for c in self._authored_by(attribution) if self._earlier(mail, c)
            ]
            if not by_author:
                continue
            said = _attribution_date(attribution)
            if said is not None:
                dated = [c for c in by_author if _same_moment(c.date, said)]
                if dated:
                    return Repair(dated[-1].message_id, FoundBy.ATTRIBUTION)
            return Repair(by_author[-1].message_id, FoundBy.ATTRIBUTION)
        return None

    def _authored_by(self, attribution: dict) -> list[Mail]:
        """Messages whose sender the attribution names, oldest first."""
        keys = {(attribution.get(k) or "").strip().strip('"').lower() for k in ("addr", "name")}
        found = {m.message_id: m for key in keys - {""} for m in self.by_author.get(key, ())}
        return sorted(found.values(), key=lambda m: (m.date, m.message_id))

    def _by_series(self, mail: Mail) -> Repair | None:
        """A patch answers its cover letter (or patch 1 when there is none);
        the head of a new version answers the head of the version before."""
        series = mail.series
        if series is None:
            return None
        siblings = [
            c for c in self.by_series[(mail.from_addr, series.version, series.total)]
            if c.message_id != mail.message_id and abs(c.date - mail.date) <= SERIES_WINDOW
        ]
        heads = {c.series.index: c for c in sorted(siblings, key=lambda c: abs(c.date - mail.date), reverse=True) if c.series}
        for wanted in (0, 1):
            if series.index > wanted and wanted in heads:
                return Repair(heads[wanted].message_id, FoundBy.SUBJECT)
        return self._previous_version(mail, series)

    def _previous_version(self, mail: Mail, series: SeriesPosition) -> Repair | None:
        earlier = [
            c for c in self.by_title.get((mail.from_addr, series.title), ())
            if c.series and c.series.version < series.version and c.series.index <= 1
            and self._earlier(mail, c)
        ]
        if not earlier:
            return None
        best = max(earlier, key=lambda c: (c.series.version, -c.series.index, c.date) if c.series else (0, 0, c.date))
        return Repair(best.message_id, FoundBy.SUBJECT)

    def _by_subject(self, mail: Mail) -> Repair | None:
        """A reply answers the original of its subject, else the latest of it."""
        if not is_reply(mail.subject) or not mail.subject_key:
            return None
        earlier = [
            c for c in self.by_subject.get(mail.subject_key, ())
            if self._earlier(mail, c) and mail.date - c.date <= SUBJECT_WINDOW
        ]
        if not earlier:
            return None
        originals = [c for c in earlier if not is_reply(c.subject)]
        return Repair((originals or earlier)[-1].message_id, FoundBy.SUBJECT)


def _names(attribution: dict, candidate: Mail) -> bool:
    addr = (attribution.get("addr") or "").lower()
    if addr and addr == candidate.from_addr.lower():
        return True
    name = (attribution.get("name") or "").strip().strip('"').lower()
    return bool(name) and name in (candidate.from_name.lower(), candidate.from_addr.lower())


def _attribution_date(attribution: dict) -> datetime | None:
    value = attribution.get("date")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _same_moment(actual: datetime, said: datetime) -> bool:
    """An attribution's date names the parent's minute, in some time zone.

    Without a zone the difference must be a whole number of quarter hours
    (every real UTC offset is) within a day's span of offsets.
    """
    if said.tzinfo is not None:
        return abs(actual - said) <= timedelta(minutes=1)
    delta = abs(actual.replace(tzinfo=None) - said)
    minutes = round(delta.total_seconds() / 60)
    return delta <= ATTRIBUTION_SLACK and minutes % 15 == 0
