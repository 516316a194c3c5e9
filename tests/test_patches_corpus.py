"""The patch detector on a real patch-heavy list agrees with 20 patches
checked by hand (tests/data/patches_sample.json), on both backends; its
rows do not depend on how the pass batches threads and authors (to keep
memory flat) nor on how an import was split."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import BACKENDS, CORPUS, ROOT, run_cli, throwaway_pg
from sqlalchemy import Connection, select

from listkeeper.patches import compute, staging
from listkeeper.patches.compute import compute_patches
from listkeeper.patches.reader import patch_of, series_versions
from listkeeper.patches.stats import patch_counts
from listkeeper.sources.detect import open_source
from listkeeper.sources.mbox import write_mboxrd
from listkeeper.store.access import OPERATOR
from listkeeper.store.db import open_engine
from listkeeper.store.schema import messages, patch_trailers, patches

SAMPLE = json.loads((ROOT / "tests" / "data" / "patches_sample.json").read_text())
PARTS = 3  # an import in this many consecutive parts


@pytest.fixture(scope="module", params=BACKENDS)
def kbuild_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
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
            expected.append(
                (item["message_id"], item["version"], item["state"], item["ref"], item["trailers"])
            )
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
        select(
            patch_trailers.c.message_pk,
            patch_trailers.c.name,
            patch_trailers.c.value,
            patch_trailers.c.given_in,
        ).order_by(
            patch_trailers.c.message_pk,
            patch_trailers.c.name,
            patch_trailers.c.value,
            patch_trailers.c.given_in,
        )
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


def _model_by_message_id(conn: Connection) -> tuple[list, list]:
    """Patch rows and trailers by Message-ID (comparable across databases),
    each patch's trailers in the order they are shown."""
    rows = conn.execute(
        select(messages.c.message_id, *[c for c in patches.c if c.name != "message_pk"]).join(
            patches, patches.c.message_pk == messages.c.id
        )
    ).all()
    given = conn.execute(
        select(
            messages.c.message_id,
            patch_trailers.c.name,
            patch_trailers.c.value,
            patch_trailers.c.given_in,
        )
        .join(patch_trailers, patch_trailers.c.message_pk == messages.c.id)
        .order_by(messages.c.message_id, patch_trailers.c.id)
    ).all()
    return sorted(tuple(r) for r in rows), [tuple(g) for g in given]


def _whole_list_model(url: str) -> tuple[list, list]:
    """The model a whole-list pass computes (rolled back: the database stays)."""
    engine = open_engine(url)
    with engine.begin() as conn:
        compute_patches(conn, None)
        model = _model_by_message_id(conn)
        conn.rollback()
    engine.dispose()
    return model


def _parts(tmp: Path) -> list[Path]:
    """The kbuild corpus cut into consecutive parts (so mostly by date), as mboxes."""
    mails = list(open_source(CORPUS / SAMPLE["corpus"]))
    size = len(mails) // PARTS + 1
    paths = []
    for index in range(PARTS):
        path = tmp / f"part{index}.mbox.gz"
        with gzip.open(path, "wb") as out:
            write_mboxrd(mails[index * size : (index + 1) * size], out)
        paths.append(path)
    return paths


def test_batch_sizes_do_not_change_the_rows(
    kbuild_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One thread per batch and one author per read give what one batch of
    everything gives: nothing but version numbering crosses threads."""
    monkeypatch.setattr(compute, "THREADS_PER_BATCH", 10**9)
    monkeypatch.setattr(staging, "POSTINGS_PER_READ", 10**9)
    at_once = _whole_list_model(kbuild_db)
    monkeypatch.setattr(compute, "THREADS_PER_BATCH", 1)
    monkeypatch.setattr(staging, "POSTINGS_PER_READ", 1)
    one_by_one = _whole_list_model(kbuild_db)
    assert at_once[0] and at_once[1]
    assert one_by_one == at_once


@pytest.fixture
def empty_url(kbuild_db: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of kbuild_db's backend."""
    if "://" in kbuild_db:
        yield from throwaway_pg()
        return
    yield str(tmp_path / "parts.sqlite3")


def test_an_import_in_parts_ends_as_one_import(
    kbuild_db: str, empty_url: str, tmp_path: Path
) -> None:
    """Each part's pass recomputes only the threads it touched (and its
    authors' earlier ones); the end is the whole-list model of one import."""
    for part in _parts(tmp_path):
        result = run_cli("import", "--list", "linux-kbuild", str(part), db=empty_url)
        assert result.returncode == 0, result.stderr.decode()
    engine = open_engine(empty_url)
    with engine.connect() as conn:
        in_parts = _model_by_message_id(conn)
    engine.dispose()
    assert in_parts == _whole_list_model(kbuild_db)
