"""Both backends index and search the words listkeeper splits
(search.document.words), whatever PostgreSQL's own text parser would make of
them (search/tsvector.py): commit ids it reads as numbers, identifiers, and
fields past the limits of a tsvector."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from listkeeper.search.run import search
from listkeeper.store.access import OPERATOR
from listkeeper.store.db import open_engine

LONG_WORD = "z" * 3000  # over the 2,047 bytes PostgreSQL takes for one word
LONG_QUERY_WORD = "\U00020000" * 600  # a word of 2,400 bytes in a query of 600 characters
# Past the 16,383rd word PostgreSQL counts every word at that position, and
# keeps 256 positions of a word: a field of 20,000 words goes past both.
FILLER = " ".join(["filler"] * 20_000)

MAILS = {
    "fix@test": "Fixes: 99982590e32a (\"drm: stop xen_pt_switch\")\nSee also 1e5ab.\n",
    "long@test": f"{FILLER}\nlastword {LONG_WORD} after\n",
}


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> str:
    path = tmp_path / "words.mbox"
    path.write_text(
        "".join(
            f"From a@test Mon Jan  1 00:00:00 2024\nFrom: A <a@test>\nMessage-ID: <{mid}>\n"
            f"Date: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: words\n\n{body}\n"
            for mid, body in MAILS.items()
        )
    )
    result = run_cli("import", "--list", "words", str(path), db=db_url)
    assert result.returncode == 0, result.stderr.decode()
    return db_url


def found(db: str, query: str) -> set[str]:
    engine = open_engine(db)
    with engine.connect() as conn:
        hits = search(conn, OPERATOR, query).hits
    engine.dispose()
    return {hit.message_id for hit in hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("99982590e32a", {"fix@test"}),  # PostgreSQL's parser read "99982590e32" then "a"
        ("99982590e32", set()),
        ("99982590e32*", {"fix@test"}),
        ("1e5ab", {"fix@test"}),
        ("xen_pt_switch", {"fix@test"}),
        ("xen_pt*", {"fix@test"}),
        ("xen_pt", set()),
        ('"fixes 99982590e32a drm"', {"fix@test"}),
        ('"99982590e32a fixes"', set()),
    ],
)
def test_words_are_found_as_listkeeper_splits_them(archive: str, query: str, expected: set[str]) -> None:
    assert found(archive, query) == expected


def test_a_field_past_the_limits_of_a_tsvector_is_indexed_and_searched(archive: str) -> None:
    assert found(archive, "filler") == {"long@test"}
    assert found(archive, "lastword") == {"long@test"}
    assert found(archive, "after") == {"long@test"}
    assert found(archive, LONG_QUERY_WORD) == set()  # too long to be indexed: no match, no error
