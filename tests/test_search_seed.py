"""Search over the seed thread, the same answers from SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import true

from conftest import run_cli
from listkeeper.search.backend import SqliteBackend
from listkeeper.search.query import parse_query

PATCH_MESSAGES = {"4559DD44.5000003@suse.de", "4559E9B1.8000404@suse.de"}
JAN = {
    "4559B6C2.76E4.0078.0@novell.com",
    "4559C8F9.76E4.0078.0@novell.com",
    "4559D01B.76E4.0078.0@novell.com",
    "4559F3E6.76E4.0078.0@novell.com",
    "4559F4D9.76E4.0078.0@novell.com",
}


def _search(db: str, query: str, *options: str) -> dict:
    result = run_cli("search", query, "--json", "--limit", "50", *options, db=db)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def _ids(found: dict) -> set[str]:
    return {hit["message_id"] for hit in found["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("xen_pt_switch", {"4558911E.2030904@suse.de"}),
        ("dfn:pgtable.h", PATCH_MESSAGES),
        ("f:jbeulich@novell.com", JAN),
        ('f:"Jan Beulich" -s:nothing', JAN),
        ("m:<4559F4D9.76E4.0078.0@novell.com>", {"4559F4D9.76E4.0078.0@novell.com"}),
        ("d:2006-11-15.. l:xen-devel", {"455AE5C6.9060807@suse.de", "C184948C.4F33%keir@xensource.com"}),
        ("nq:kernel_page_user f:gerd", PATCH_MESSAGES | {"4559E63D.6090502@suse.de"}),
        ("sym:xen_pt_switch", {"4558911E.2030904@suse.de"}),
        ("sym:pda_init sym:x86_64_start_kernel", {"4558911E.2030904@suse.de"}),
        ("patch:yes", PATCH_MESSAGES),
        ("dfb:kernel_page_user", PATCH_MESSAGES),
        ("dfa:pmd_bad", {"4559E9B1.8000404@suse.de"}),
        ("state:applied", {"4559E9B1.8000404@suse.de"}),
        ("state:superseded patch:yes", {"4559DD44.5000003@suse.de"}),
        ("f:gerd patch:no d:..2006-11-13", {"4558911E.2030904@suse.de", "455897A4.8060306@suse.de", "4558A08C.6000102@suse.de", "4558A57B.4030301@suse.de"}),
    ],
)
def test_queries_find_exactly(seeded_db: str, query: str, expected: set[str]) -> None:
    found = _search(seeded_db, query)
    assert _ids(found) == expected
    assert found["total"] == len(expected)


def test_an_identifier_is_one_word_on_both_backends(seeded_db: str) -> None:
    """As written, or by its start: never by a piece from its middle, which
    both engines would otherwise find by splitting at "_"."""
    assert _ids(_search(seeded_db, "xen_pt_switch")) == {"4558911E.2030904@suse.de"}
    assert _ids(_search(seeded_db, "xen_pt*")) == {"4558911E.2030904@suse.de"}
    assert _search(seeded_db, "pt_switch")["total"] == 0


def test_quoted_only_differs_from_own_text(seeded_db: str) -> None:
    quoted = _ids(_search(seeded_db, 'q:"stop setting _PAGE_USER"'))
    own = _ids(_search(seeded_db, 'nq:"stop setting _PAGE_USER"'))
    assert own == {"455897A4.8060306@suse.de"}
    assert quoted and not quoted & own


def test_results_carry_snippets_with_the_word(seeded_db: str) -> None:
    hit = _search(seeded_db, "XENVER_version")["results"][0]
    assert "XENVER_version" in hit["snippet"]
    assert hit["list"] == "xen-devel" and hit["date"].endswith("Z")


def test_sort_by_date_is_newest_first(seeded_db: str) -> None:
    dates = [hit["date"] for hit in _search(seeded_db, "f:keir", "--sort", "date")["results"]]
    assert len(dates) == 9 and dates == sorted(dates, reverse=True)


def test_bad_query_is_one_line_with_position(seeded_db: str) -> None:
    result = run_cli("search", "s:(compat", db=seeded_db)
    assert result.returncode == 4
    assert result.stderr.decode() == "listkeeper: bad query: s: needs a value at position 1\n"


def test_one_result_per_thread_counts_the_thread(seeded_db: str) -> None:
    every = _search(seeded_db, "xen")
    grouped = _search(seeded_db, "xen", "--threads")
    assert every["total"] > 1
    assert grouped["total"] == 1  # the seed is one thread
    (hit,) = grouped["results"]
    assert hit["thread_hits"] == every["total"]
    assert hit["message_id"] == every["results"][0]["message_id"]  # the best of them
    by_date = _search(seeded_db, "xen", "--threads", "--sort", "date")
    assert by_date["results"][0]["message_id"] == _search(seeded_db, "xen", "--sort", "date")["results"][0]["message_id"]
    assert every["results"][0]["thread_hits"] is None


@pytest.mark.parametrize(
    ("positive", "negative"),
    [
        ("f:gerd", "dfn:pgtable.h"),
        ("xen", "s:Re"),
        ("f:jbeulich@novell.com", '"page table"'),
        ("xen", "f:keir OR f:jbeulich"),
        ("f:gerd d:..2006-11-14", "patch:yes"),
    ],
)
def test_excluding_takes_away_exactly_what_the_excluded_part_finds(
    seeded_db: str, positive: str, negative: str
) -> None:
    """FTS5 says NOT itself when it can; the result is still the difference."""
    wanted = _ids(_search(seeded_db, positive)) - _ids(_search(seeded_db, negative))
    assert wanted and wanted != _ids(_search(seeded_db, positive))
    assert _ids(_search(seeded_db, f"{positive} NOT ({negative})")) == wanted
    assert _ids(_search(seeded_db, f"{positive} -({negative})")) == wanted


def test_sqlite_excludes_inside_fts5_rather_than_by_a_set() -> None:
    """NOT IN (every message with the word) read most of a big archive per query."""
    matching = SqliteBackend(true()).matching(parse_query("crash NOT s:Re"), None)
    assert " IN " not in str(matching.query.compile()).upper()
    assert matching.params["match"].endswith('NOT ({subject} : "re")')
