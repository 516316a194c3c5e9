"""The patch detector on a real patch-heavy list agrees with 20 patches
checked by hand (tests/data/patches_sample.json), on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import BACKENDS, CORPUS, ROOT, run_cli, throwaway_pg
from listkeeper.store.access import OPERATOR
from listkeeper.patches.compute import compute_patches
from listkeeper.patches.reader import patch_of, series_versions
from listkeeper.patches.stats import patch_counts
from listkeeper.store.db import open_engine
from listkeeper.store.schema import patch_trailers, patches

SAMPLE = json.loads((ROOT / "tests" / "data" / "patches_sample.json").read_text())


@pytest.fixture(scope="module", params=BACKENDS)
def kbuild_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def filled(url: str) -> str:
        result = run_cli("import", "--list", "linux-kbuild", str(CORPUS / SAMPLE["corpus"]), db=url)
        assert result.returncode == 0, result.stderr.decode()
        return url

    if request.param == "sqlite":
        yield filled(str(tmp_path_factory.mktemp("kbuild") / "kbuild.sqlite3"))
        return
    for url in throwaway_pg():
        yield filled(url)


def test_detector_agrees_with_the_hand_checked_sample(kbuild_db: str) -> None:
    engine = open_engine(kbuild_db)
    found, expected = [], []
    with engine.connect() as conn:
        for item in SAMPLE["patches"]:
            info = patch_of(conn, OPERATOR, item["message_id"])
            assert info is not None, item["message_id"]
            trailers = next(
                len(p.trailers)
                for v in series_versions(conn, OPERATOR, info.series_key)
                for p in v.patches
                if p.message_id == info.message_id
            )
            found.append((info.message_id, info.version, info.state, info.state_ref, trailers))
            expected.append((item["message_id"], item["version"], item["state"], item["ref"], item["trailers"]))
    engine.dispose()
    assert found == expected


def test_corpus_counts_are_the_recorded_ones(kbuild_db: str) -> None:
    engine = open_engine(kbuild_db)
    with engine.connect() as conn:
        assert patch_counts(conn, "linux-kbuild") == SAMPLE["counts"]
    engine.dispose()


def _model(conn) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    rows = conn.execute(select(patches).order_by(patches.c.message_pk)).all()
    given = conn.execute(
        select(patch_trailers.c.message_pk, patch_trailers.c.name, patch_trailers.c.value, patch_trailers.c.given_in)
        .order_by(patch_trailers.c.message_pk, patch_trailers.c.name, patch_trailers.c.value, patch_trailers.c.given_in)
    ).all()
    return [tuple(r) for r in rows], [tuple(g) for g in given]


@pytest.mark.parametrize("month", ["2026-01", "2026-04", "2026-06"])
def test_recomputing_one_month_of_threads_changes_nothing(kbuild_db: str, month: str) -> None:
    """The incremental pass (threads with mail in a span, plus every thread
    with a patch by one of their authors) gives what the whole-list pass gave."""
    start = datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
    engine = open_engine(kbuild_db)
    with engine.begin() as conn:
        before = _model(conn)
        written = compute_patches(conn, {"linux-kbuild": (start, start + timedelta(days=30))})
        after = _model(conn)
        conn.rollback()
    engine.dispose()
    assert written > 0 and after == before
