"""The patch pass reads threads and authors in batches (to keep memory flat);
its rows must not depend on where the batches fall, nor on how an import was
split, on both backends."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BACKENDS, CORPUS, ROOT, run_cli, throwaway_pg
from sqlalchemy import Connection, select

from listkeeper.patches import compute, staging
from listkeeper.sources.detect import open_source
from listkeeper.sources.mbox import write_mboxrd
from listkeeper.store.db import open_engine
from listkeeper.store.schema import messages, patch_trailers, patches

SAMPLE = json.loads((ROOT / "tests" / "data" / "patches_sample.json").read_text())
KBUILD = CORPUS / SAMPLE["corpus"]
PARTS = 3


def _model(conn: Connection) -> tuple[list, list]:
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
        compute.compute_patches(conn, None)
        model = _model(conn)
        conn.rollback()
    engine.dispose()
    return model


def _parts(tmp: Path) -> list[Path]:
    """The kbuild corpus cut into consecutive parts (so mostly by date), as mboxes."""
    mails = list(open_source(KBUILD))
    size = len(mails) // PARTS + 1
    paths = []
    for index in range(PARTS):
        path = tmp / f"part{index}.mbox.gz"
        with gzip.open(path, "wb") as out:
            write_mboxrd(mails[index * size : (index + 1) * size], out)
        paths.append(path)
    return paths


@pytest.fixture(scope="module", params=BACKENDS)
def kbuild_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The kbuild corpus imported in one go."""

    def filled(url: str) -> str:
        result = run_cli("import", "--list", "linux-kbuild", str(KBUILD), db=url)
        assert result.returncode == 0, result.stderr.decode()
        return url

    if request.param == "sqlite":
        yield filled(str(tmp_path_factory.mktemp("kbuild") / "kbuild.sqlite3"))
        return
    for url in throwaway_pg():
        yield filled(url)


def test_batch_sizes_do_not_change_the_rows(
    kbuild_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One thread per batch and one author per read give what one batch of
    everything gives: nothing but version numbering crosses threads."""
    monkeypatch.setattr(compute, "THREADS_PER_BATCH", 10**9)
    monkeypatch.setattr(staging, "POSTINGS_PER_READ", 10**9)
    at_once = _whole_list_model(kbuild_url)
    monkeypatch.setattr(compute, "THREADS_PER_BATCH", 1)
    monkeypatch.setattr(staging, "POSTINGS_PER_READ", 1)
    one_by_one = _whole_list_model(kbuild_url)
    assert at_once[0] and at_once[1]
    assert one_by_one == at_once


@pytest.fixture
def empty_url(kbuild_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of kbuild_url's backend."""
    if "://" in kbuild_url:
        yield from throwaway_pg()
        return
    yield str(tmp_path / "parts.sqlite3")


def test_an_import_in_parts_ends_as_one_import(
    kbuild_url: str, empty_url: str, tmp_path: Path
) -> None:
    """Each part's pass recomputes only the threads it touched (and its
    authors' earlier ones); the end is the whole-list model of one import."""
    for part in _parts(tmp_path):
        result = run_cli("import", "--list", "linux-kbuild", str(part), db=empty_url)
        assert result.returncode == 0, result.stderr.decode()
    engine = open_engine(empty_url)
    with engine.connect() as conn:
        in_parts = _model(conn)
    engine.dispose()
    assert in_parts == _whole_list_model(kbuild_url)
