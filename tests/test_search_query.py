"""The query language parser: what it accepts, and errors that say where."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listkeeper.search.query import (
    And,
    DateRange,
    Filter,
    Not,
    Or,
    QueryError,
    Term,
    parse_query,
)

BARE = ("subject", "own")


def test_bare_words_are_an_and_of_subject_and_own_text() -> None:
    assert parse_query("page table") == And((Term(BARE, "page"), Term(BARE, "table")))


def test_prefixes_phrases_and_negation() -> None:
    node = parse_query('s:compat f:"Keir Fraser" -q:PAGE_USER')
    assert node == And(
        (
            Term(("subject",), "compat"),
            Term(("sender",), "Keir Fraser"),
            Not(Term(("quoted",), "PAGE_USER")),
        )
    )


def test_or_binds_looser_than_and() -> None:
    node = parse_query("a b OR c")
    assert node == Or((And((Term(BARE, "a"), Term(BARE, "b"))), Term(BARE, "c")))


def test_parentheses_and_not_keyword() -> None:
    node = parse_query("a AND NOT (b OR c)")
    assert node == And((Term(BARE, "a"), Not(Or((Term(BARE, "b"), Term(BARE, "c"))))))


def test_filters_and_dates() -> None:
    node = parse_query("m:<x@y> l:xen-devel d:2006-11-01..2006-11-30")
    assert node == And(
        (
            Filter("message_id", "x@y"),
            Filter("list", "xen-devel"),
            DateRange(datetime(2006, 11, 1, tzinfo=timezone.utc), datetime(2006, 12, 1, tzinfo=timezone.utc)),
        )
    )
    assert parse_query("d:..2006-11-13") == DateRange(None, datetime(2006, 11, 14, tzinfo=timezone.utc))


def test_diff_and_log_prefixes_search_their_own_fields() -> None:
    node = parse_query("sym:xen_pt_switch dfhh:pgd_alloc dfa:pmd_bad dfb:kernel_page_user")
    assert node == And(
        (
            Term(("sym",), "xen_pt_switch"),
            Term(("dfhh",), "pgd_alloc"),
            Term(("dfa",), "pmd_bad"),
            Term(("dfb",), "kernel_page_user"),
        )
    )


def test_patch_and_state_are_filters() -> None:
    assert parse_query("patch:yes state:Applied") == And(
        (Filter("patch", "yes"), Filter("state", "applied"))
    )


def test_unknown_prefix_is_a_word() -> None:
    assert parse_query("Fixes:abc123") == Term(BARE, "Fixes:abc123")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query at position 1"),
        ("(page", "missing ')' for the '(' opened at position 1"),
        ("page)", "unexpected ')' at position 5"),
        ("page OR", "query ends where a term was expected at position 8"),
        ("-page", "a query needs at least one term that is not negated at position 1"),
        ("d:2006-13-01", "'2006-13-01' is not a date (YYYY-MM-DD) at position 3"),
        ("d:2006-11-30..2006-11-01", "d: range ends before it starts at position 3"),
        ('"..."', "'\"...\"' has no word to search for at position 1"),
        ("(" * 40 + "a" + ")" * 40, "parentheses nested too deeply at position 33"),
        ("state:merged", "state: is one of open, applied, superseded at position 7"),
        ("patch:maybe", "patch: is one of yes, no at position 7"),
    ],
)
def test_errors_name_the_position(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert str(caught.value) == message


@given(st.text(max_size=200))
def test_any_text_parses_or_gives_a_query_error(query: str) -> None:
    try:
        node = parse_query(query)
    except QueryError as error:
        assert 0 <= error.position <= max(len(query), 1000)
    else:
        assert isinstance(node, (Term, Filter, DateRange, And, Or))
