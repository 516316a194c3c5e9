"""`listkeeper patches …`: repository links and the patches of a list.

Registered from listkeeper/cli.py; shares cli_common's database and
one-line errors.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from listkeeper.cli_common import fail, open_database
from listkeeper.errors import EXIT_NOT_FOUND
from listkeeper.patches.reader import STATES, PatchInfo, list_patches
from listkeeper.store.access import OPERATOR
from listkeeper.patches.repos import RepoError, set_commit_url

patches_app = typer.Typer(help="Patches, series and where they were applied.", no_args_is_help=True)
EXIT_BAD_VALUE = 2  # as typer's own usage errors


@patches_app.command("set-repo")
def set_repo(
    list_name: Annotated[str, typer.Argument(help="The list")],
    commit_url: Annotated[
        str, typer.Option("--commit-url", help="URL with {id} for a changeset or commit id")
    ],
) -> None:
    """Link the changeset and commit ids named in a list's replies."""
    engine = open_database()
    try:
        with engine.begin() as conn:
            set_commit_url(conn, list_name, commit_url)
    except RepoError as exc:
        fail(str(exc), EXIT_NOT_FOUND if str(exc).startswith("no list") else EXIT_BAD_VALUE)
    typer.echo(f"{list_name}: commits link to {commit_url}")


@patches_app.command("list")
def list_command(
    list_name: Annotated[str, typer.Argument(help="The list")],
    state: Annotated[Optional[str], typer.Option(help="open, applied or superseded")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """A list's patches, newest first."""
    if state is not None and state not in STATES:
        fail(f"--state is one of {', '.join(STATES)}, not {state!r}", EXIT_BAD_VALUE)
    with open_database().connect() as conn:
        found = list_patches(conn, OPERATOR, list_name, state, limit, 0)
    if as_json:
        typer.echo(json.dumps([patch_json(p) for p in found], ensure_ascii=False, indent=1))
        return
    for p in found:
        place = f"v{p.version} {p.position}/{p.total}"
        typer.echo(f"{p.date:%Y-%m-%d} {place} {p.state:10} {p.title} <{p.message_id}>")


def patch_json(p: PatchInfo) -> dict[str, Any]:
    """One patch as the CLI and the API print it."""
    return {
        "message_id": p.message_id,
        "subject": p.subject,
        "title": p.title,
        "from": {"name": p.from_name, "addr": p.from_addr},
        "date": p.date.isoformat().replace("+00:00", "Z"),
        "list": p.list_name,
        "series": p.series_key,
        "version": p.version,
        "position": p.position,
        "total": p.total,
        "state": p.state,
        "applied_in": p.state_by,
        "ref": p.state_ref,
        "trailers": [
            {"name": t.name, "value": t.value, "given_in": t.given_in} for t in p.trailers
        ],
    }
