"""What every `listkeeper` command shares: the database chosen by --db, one-line
failures with their exit codes, JSON output.

Its own module so that command groups kept in other modules (access,
takedown, patches) use the same helpers as cli.py without importing it.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from listkeeper import config
from listkeeper.errors import EXIT_DATABASE
from listkeeper.store.db import DatabaseError, open_engine


class State:
    db: str = config.DB.default


state = State()


def fail(message: str, code: int) -> NoReturn:
    """Say what went wrong on one line of stderr and exit with ``code``."""
    typer.echo(f"listkeeper: {message}", err=True)
    raise typer.Exit(code)


def open_database() -> Engine:
    """The database of --db, migrated; exit 3 with the reason when it cannot be opened."""
    try:
        return open_engine(state.db)
    except DatabaseError as exc:
        fail(str(exc), EXIT_DATABASE)
    except (OperationalError, SQLAlchemyError) as exc:
        fail(f"cannot open database {state.db}: {first_line(exc)}", EXIT_DATABASE)


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
