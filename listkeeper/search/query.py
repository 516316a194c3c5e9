"""The search query language (close to public-inbox's) parsed into an AST.

    s:subject f:from t:to c:cc b:body q:quoted nq:not-quoted m:message-id
    l:list dfn:patch-file d:2006-11-01..2006-11-30  "phrases"  AND OR NOT
    -term  (parentheses)
    sym:log-symbol dfhh:hunk-function dfa:removed-line dfb:added-line
    patch:yes|no state:open|applied|superseded

Bare words search the subject and the author's own (unquoted) text. Errors
name the position in the query; nothing here touches a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

MAX_QUERY_LENGTH = 1000
MAX_NESTING = 32  # parentheses; the parser is recursive, so it is bounded

# Prefix -> the field it searches. Text fields are full-text indexed.
TEXT_FIELDS = {
    "s": ("subject",),
    "f": ("sender",),
    "t": ("tos",),
    "c": ("ccs",),
    "b": ("own", "quoted"),
    "q": ("quoted",),
    "nq": ("own",),
    "dfn": ("dfn",),
    "sym": ("sym",),
    "dfhh": ("dfhh",),
    "dfa": ("dfa",),
    "dfb": ("dfb",),
}
INDEXED_FIELDS = (
    "subject", "sender", "tos", "ccs", "own", "quoted", "dfn", "sym", "dfhh", "dfa", "dfb",
)
FILTER_FIELDS = {"m": "message_id", "l": "list", "d": "date", "patch": "patch", "state": "state"}
# Filters whose value is one of a few words; anything else is a query error.
FILTER_VALUES = {"patch": ("yes", "no"), "state": ("open", "applied", "superseded")}
DEFAULT_FIELDS = ("subject", "own")
OPERATORS = {"AND", "OR", "NOT"}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<minus>-(?=[^\s)]))
  | (?P<prefix>[a-z]+):(?=\S)
  | (?P<phrase>"[^"]*"?)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


class QueryError(ValueError):
    """A malformed query; str() names the problem and its position."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position + 1}")
        self.position = position


@dataclass(frozen=True, slots=True)
class Term:
    fields: tuple[str, ...]  # full-text fields to search
    text: str  # words; a phrase when it has several
    prefix: bool = False  # "foo*": words starting with foo


@dataclass(frozen=True, slots=True)
class Filter:
    field: str  # "message_id", "list", "patch" or "state"
    value: str


@dataclass(frozen=True, slots=True)
class DateRange:
    start: datetime | None  # inclusive, UTC
    end: datetime | None  # exclusive, UTC


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Filter | DateRange | Not | And | Or


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    position: int


def tokenize(query: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:  # pragma: no cover — the word pattern takes anything else
            raise QueryError("unexpected character", position)
        kind = match.lastgroup or "word"
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    return tokens


def parse_query(query: str) -> Node:
    """Parse a query; raises QueryError with the position of what is wrong."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"query longer than {MAX_QUERY_LENGTH} characters", MAX_QUERY_LENGTH)
    parser = _Parser(tokenize(query), len(query))
    node = parser.parse()
    if not _has_positive(node):
        raise QueryError("a query needs at least one term that is not negated", 0)
    return node


def _has_positive(node: Node) -> bool:
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(child) for child in node.children)
    if isinstance(node, Or):
        return all(_has_positive(child) for child in node.children)
    return True


class _Parser:
    """or := and (OR and)* ; and := unary ((AND)? unary)* ; unary := (NOT|-) unary | atom."""

    def __init__(self, tokens: list[_Token], length: int) -> None:
        self.tokens = tokens
        self.index = 0
        self.length = length
        self.depth = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("empty query", 0)
        node = self._or()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise QueryError(f"unexpected {token.text!r}", token.position)
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _is_operator(self, token: _Token | None, name: str) -> bool:
        return token is not None and token.kind == "word" and token.text == name

    def _or(self) -> Node:
        children = [self._and()]
        while self._is_operator(self._peek(), "OR"):
            self.index += 1
            children.append(self._and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and(self) -> Node:
        children = [self._unary()]
        while True:
            token = self._peek()
            if token is None or token.kind == "rparen" or self._is_operator(token, "OR"):
                break
            if self._is_operator(token, "AND"):
                self.index += 1
            children.append(self._unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def _unary(self) -> Node:
        token = self._peek()
        if token is None:
            raise QueryError("query ends where a term was expected", self.length)
        if token.kind == "minus" or self._is_operator(token, "NOT"):
            self.index += 1
            return Not(self._unary())
        return self._atom()

    def _atom(self) -> Node:
        token = self._peek()
        assert token is not None
        self.index += 1
        if token.kind == "lparen":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise QueryError("parentheses nested too deeply", token.position)
            node = self._or()
            closing = self._peek()
            if closing is None or closing.kind != "rparen":
                raise QueryError("missing ')' for the '(' opened", token.position)
            self.index += 1
            self.depth -= 1
            return node
        if token.kind == "rparen":
            raise QueryError("')' without a matching '('", token.position)
        if token.kind in OPERATORS or (token.kind == "word" and token.text in OPERATORS):
            raise QueryError(f"{token.text} needs a term on both sides", token.position)
        if token.kind == "prefix":
            return self._prefixed(token)
        return _term(DEFAULT_FIELDS, token)

    def _prefixed(self, prefix: _Token) -> Node:
        name = prefix.text[:-1]
        value = self._peek()
        if value is None or value.kind not in ("word", "phrase"):
            raise QueryError(f"{prefix.text} needs a value", prefix.position)
        self.index += 1
        if name in TEXT_FIELDS:
            return _term(TEXT_FIELDS[name], value)
        if name == "d":
            return _date_range(_unquote(value.text), value.position)
        if name in FILTER_FIELDS:
            text = _unquote(value.text)
            if name == "m":
                text = text.strip("<>")
            allowed = FILTER_VALUES.get(name)
            if allowed is not None and text.lower() not in allowed:
                raise QueryError(f"{name}: is one of {', '.join(allowed)}", value.position)
            return Filter(FILTER_FIELDS[name], text.lower() if allowed else text)
        # Not a prefix we know ("http:", "Fixes:"): the whole thing is a word.
        return _term(DEFAULT_FIELDS, _Token("word", prefix.text + value.text, prefix.position))


def _unquote(text: str) -> str:
    return text[1:].removesuffix('"') if text.startswith('"') else text


def _term(fields: tuple[str, ...], token: _Token) -> Term:
    text = _unquote(token.text).strip()
    prefix = token.kind == "word" and text.endswith("*") and len(text) > 1
    text = text.rstrip("*") if prefix else text
    if not re.search(r"\w", text):
        raise QueryError(f"{token.text!r} has no word to search for", token.position)
    return Term(fields, text, prefix)


def _date_range(text: str, position: int) -> DateRange:
    """d:2006-11-01..2006-11-30, d:2006-11-01.., d:..2006-11-30, d:2006-11-13."""
    start_text, dots, end_text = text.partition("..")
    start = _day(start_text, position) if start_text else None
    end_day = _day(end_text, position + len(start_text) + 2) if end_text else None
    if not dots:
        end_day = start
    end = end_day + timedelta(days=1) if end_day else None
    if start is None and end is None:
        raise QueryError("d: needs a date, e.g. d:2006-11-01..2006-11-30", position)
    if start and end and start >= end:
        raise QueryError("d: range ends before it starts", position)
    return DateRange(start, end)


def _day(text: str, position: int) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(f"{text!r} is not a date (YYYY-MM-DD)", position) from exc
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
