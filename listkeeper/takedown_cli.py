"""`listkeeper remove` and `listkeeper audit`: takedowns from the command line.

Kept out of cli.py (registered there in one line) so the command module stays
thin; it shares cli_common's database and one-line errors.
"""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from listkeeper.cli_common import fail, open_database, print_json
from listkeeper.errors import EXIT_NOT_FOUND, EXIT_USAGE
from listkeeper.shapes import iso_utc
from listkeeper.store.takedown import NotArchived, remove
from listkeeper.store.tombstones import audit_entries


def register(app: typer.Typer) -> None:
    app.command("remove")(remove_command)
    app.command("audit")(audit_command)


def remove_command(
    message_id: Annotated[str, typer.Argument(help="Message-ID to take down, <> optional")],
    reason: Annotated[str, typer.Option("--reason", help="Why (shown on its pages, with 410)")],
    actor: Annotated[
        Optional[str], typer.Option("--actor", help="Who removes it (default: $USER)")
    ] = None,
) -> None:
    """Remove a message for good: pages answer 410, search/feeds/exports drop it,
    its bytes are deleted, and a tombstone keeps re-imports from restoring it."""
    if not reason.strip():
        fail("--reason must not be empty", EXIT_USAGE)
    who = (actor or os.environ.get("USER") or "").strip() or "unknown"
    with open_database().begin() as conn:
        try:
            done = remove(conn, message_id, reason.strip(), who)
        except NotArchived as exc:
            fail(str(exc), EXIT_NOT_FOUND)
    if done.already:
        typer.echo(f"already removed <{done.message_id}> {iso_utc(done.removed_at)}: {done.reason}")
        return
    typer.echo(
        f"removed <{done.message_id}> (copies deleted: {done.copies} stored, "
        f"{done.quarantined} quarantined)"
    )


def audit_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Every removal, oldest first: time, action, target, reason, actor."""
    with open_database().connect() as conn:
        entries = audit_entries(conn)
    if as_json:
        print_json(
            [
                {"at": iso_utc(e.at), "action": e.action, "target": e.target,
                 "reason": e.reason, "actor": e.actor}
                for e in entries
            ]
        )
        return
    for e in entries:
        typer.echo(f"{iso_utc(e.at)}\t{e.action}\t<{e.target}>\t{e.reason}\t{e.actor}")
