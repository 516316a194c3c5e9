"""The access commands: private lists, users, grants and API tokens.

    listkeeper list create NAME [--private]   listkeeper list ls
    listkeeper user add NAME [--password-stdin]
    listkeeper grant USER LIST                 listkeeper revoke USER LIST
    listkeeper token create USER [--label L]

Registered on the main command by ``register``, which hands over how that
command opens the database and fails, so both behave alike.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import Connection

from listkeeper.cli_common import fail, open_database
from listkeeper.errors import EXIT_INVALID, EXIT_NOT_FOUND
from listkeeper.store import accounts
from listkeeper.web.links import RESERVED_LIST_NAMES

list_app = typer.Typer(help="Lists and their privacy.", no_args_is_help=True)
user_app = typer.Typer(help="Users who may sign in to read private lists.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for the API.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(list_app, name="list")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.command("grant")(grant_command)
    app.command("revoke")(revoke_command)


@contextmanager
def _writing() -> Iterator[Connection]:
    """A transaction; an unknown name or unusable value ends the command with one line."""
    try:
        with open_database().begin() as conn:
            yield conn
    except accounts.NotFound as exc:
        fail(str(exc), EXIT_NOT_FOUND)
    except accounts.Invalid as exc:
        fail(str(exc), EXIT_INVALID)


@list_app.command("create")
def list_create(
    name: Annotated[str, typer.Argument(help="The list's short name, as in its URL")],
    private: Annotated[
        bool, typer.Option("--private", help="Only users granted the list may read it")
    ] = False,
) -> None:
    """Create a list, or make an existing one private (--private) or public (without)."""
    if name in RESERVED_LIST_NAMES:
        fail(f"{name} is reserved for the web archive's own pages", EXIT_INVALID)
    with _writing() as conn:
        created = accounts.set_list(conn, name, private)
    kind = "private" if private else "public"
    typer.echo(f"created {kind} list {name}" if created else f"list {name} is now {kind}")


@list_app.command("ls")
def list_ls() -> None:
    """One line per list: name, private or public, message count."""
    with open_database().connect() as conn:
        for item in accounts.list_overview(conn):
            typer.echo(f"{item.name}\t{'private' if item.private else 'public'}\t{item.messages}")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The name to sign in with")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (for scripts)")
    ] = False,
) -> None:
    """Add a user; the password is asked for without echo (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _writing() as conn:
        accounts.add_user(conn, name, password)
    typer.echo(f"added user {name}")


def grant_command(
    user: Annotated[str, typer.Argument(help="User name")],
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="List name")],
) -> None:
    """Let a user read a private list."""
    with _writing() as conn:
        accounts.grant(conn, user, list_name)
    typer.echo(f"granted {list_name} to {user}")


def revoke_command(
    user: Annotated[str, typer.Argument(help="User name")],
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="List name")],
) -> None:
    """Take back a user's grant of a list."""
    with _writing() as conn:
        accounts.revoke(conn, user, list_name)
    typer.echo(f"revoked {list_name} from {user}")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Argument(help="User name")],
    label: Annotated[str, typer.Option(help="What the token is for, to recognise it later")] = "",
) -> None:
    """Print a new bearer token for the user; it is shown this once only."""
    with _writing() as conn:
        token = accounts.create_token(conn, user, label)
    typer.echo(token)
