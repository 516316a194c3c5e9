"""Nothing is lost: what cannot be parsed is kept with its reason and retried."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert

from conftest import SEED_MBOX, run_cli
from listkeeper.sources.detect import open_source
from listkeeper.store.codec import compress
from listkeeper.store.db import open_engine
from listkeeper.store.schema import quarantine

NOT_MAIL = b"\x00\x01\x02 binary junk, no header at all\n"


def _mbox_with_junk(tmp_path: Path) -> Path:
    good = list(open_source(SEED_MBOX))[:2]
    path = tmp_path / "mixed.mbox"
    envelope = b"From someone@example.org  Mon Nov 13 15:41:00 2006\n"
    parts = [good[0].data, NOT_MAIL, good[1].data]
    path.write_bytes(b"".join(envelope + part + b"\n" for part in parts))
    return path


def test_bad_message_is_quarantined_and_the_import_goes_on(db_url: str, tmp_path: Path) -> None:
    result = run_cli("import", "--list", "xen-devel", str(_mbox_with_junk(tmp_path)), db=db_url)
    assert result.stdout.decode().strip() == "imported 2, duplicates 0, quarantined 1"
    listed = run_cli("quarantine", "list", db=db_url).stdout.decode().strip().split("\t")
    assert listed[1] == "xen-devel" and listed[3] == "no header fields"
    assert listed[2].startswith(f"{tmp_path / 'mixed.mbox'}:")  # path:offset of the bad one
    shown = run_cli("quarantine", "show", listed[0], db=db_url)
    assert shown.stdout.endswith(NOT_MAIL)
    assert shown.stdout.startswith(b"Reason: no header fields\n")
    assert run_cli("quarantine", "show", "999", db=db_url).returncode == 1
    again = run_cli("quarantine", "retry", db=db_url)
    assert again.stdout.decode().strip() == "imported 0, duplicates 0, quarantined 1"


def test_retry_archives_what_a_newer_parser_reads(db_url: str) -> None:
    """A row quarantined by an older version (here: written directly) is archived on retry."""
    mail = next(iter(open_source(SEED_MBOX)))
    engine = open_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            insert(quarantine).values(
                list_name="xen-devel", origin="old-version", reason="parser error: old bug",
                sha256=hashlib.sha256(mail.data).hexdigest(), raw=compress(mail.data),
                received_at=datetime.now(timezone.utc),
            )
        )
    engine.dispose()
    result = run_cli("quarantine", "retry", db=db_url)
    assert result.stdout.decode().strip() == "imported 1, duplicates 0, quarantined 0"
    assert run_cli("quarantine", "list", db=db_url).stdout == b""
    assert run_cli("show", "4558911E.2030904@suse.de", db=db_url).returncode == 0
