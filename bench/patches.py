"""Patch intelligence on a real list: how many series, versions, trailers
and applied patches the detector finds.

    .venv/bin/python bench/patches.py [--db DB] [--list NAME] [--recompute] [MBOX ...]

With --db, counts what that archive holds; otherwise imports the given
mboxes (default: the kbuild corpus) into a fresh SQLite file first.
--recompute also times one whole-list patch pass over the archive (rolled
back) and prints the process's peak RSS, before and after it: the pass must
not grow with the archive.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BIG_CORPORA, ROOT
from sqlalchemy import Engine

from listkeeper.patches.compute import compute_patches
from listkeeper.patches.stats import patch_counts
from listkeeper.store.db import open_engine


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recompute(engine: Engine) -> None:
    """Time the patch pass over every list, leaving the archive as it was."""
    before = peak_rss_mb()
    with engine.begin() as conn:
        started = time.monotonic()
        written = compute_patches(conn, None)
        seconds = time.monotonic() - started
        conn.rollback()
    print(
        f"patch pass: {written} rows in {seconds:.1f} s, "
        f"peak RSS {peak_rss_mb():.0f} MB ({before:.0f} MB before it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--list", dest="list_name")
    parser.add_argument("--recompute", action="store_true", help="time one patch pass")
    parser.add_argument("mboxes", nargs="*", type=Path, default=[BIG_CORPORA[1]])
    args = parser.parse_args()
    db = args.db
    if db is None:
        db = str(Path(tempfile.mkdtemp()) / "patches.sqlite3")
        started = time.monotonic()
        command = [sys.executable, "-m", "listkeeper", "--db", db, "import", *map(str, args.mboxes)]
        subprocess.run(command, cwd=ROOT, check=True)
        print(f"imported in {time.monotonic() - started:.1f} s into {db}")
    engine = open_engine(db)
    if args.recompute:
        recompute(engine)
    with engine.connect() as conn:
        for name, value in patch_counts(conn, args.list_name).items():
            print(f"{name:26} {value:8}")
    engine.dispose()


if __name__ == "__main__":
    main()
