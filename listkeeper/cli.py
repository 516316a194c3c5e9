"""The `listkeeper` command: parses arguments and calls the rest; thin on purpose."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from listkeeper import cli_access, config, takedown_cli
from listkeeper.cli_common import fail, first_line, open_database, print_json, state
from listkeeper.errors import EXIT_BAD_QUERY, EXIT_BAD_SOURCE, EXIT_DATABASE, EXIT_NOT_FOUND
from listkeeper.ingest import Tally, import_mails, import_paths, repair_threads
from listkeeper.patches.cli import patches_app
from listkeeper.search.query import QueryError
from listkeeper.search.run import Sort, search
from listkeeper.shapes import message_json, search_json, thread_json
from listkeeper.sources.raw import RawMail, SourceError
from listkeeper.store import reader
from listkeeper.store.access import OPERATOR
from listkeeper.store.compact import compact
from listkeeper.store.db import DatabaseError, open_engine
from listkeeper.store.quarantine import quarantined, quarantined_raw
from listkeeper.store.reindex import reindex as rebuild_everything
from listkeeper.store.rethread import rethread as rebuild_threads
from listkeeper.store.tombstones import removal, removals

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def main(
    db: Annotated[Optional[str], typer.Option("--db", help=config.DB.help)] = None,
) -> None:
    """listkeeper: a mailing-list archive."""
    state.db = db or config.DB.value()


@app.command("import")
def import_command(
    sources: Annotated[
        list[Path], typer.Argument(help="mbox (any dialect, compressed), Maildir, MH, .eml, pipermail, public-inbox")
    ],
    list_name: Annotated[
        Optional[str], typer.Option("--list", help="List name (default: List-Id, else file name)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tally as JSON")] = False,
    workers: Annotated[
        Optional[int], typer.Option(help="Parser processes (default: one per core)", min=1)
    ] = None,
) -> None:
    """Import mail; ends with one line: imported N, duplicates D, quarantined Q."""
    for source in sources:
        if not source.exists():
            fail(f"{source}: not found", EXIT_BAD_SOURCE)
    engine = open_database()
    try:
        tally = _run_import(engine, sources, list_name, workers, show_progress=not as_json)
    except SourceError as exc:
        fail(str(exc), EXIT_BAD_SOURCE)
    except SQLAlchemyError as exc:
        fail(f"database error: {first_line(exc)}", EXIT_DATABASE)
    if as_json:
        print_json(tally.as_json())
    else:
        typer.echo(tally.summary())


def _run_import(
    engine: Engine, sources: list[Path], list_name: str | None, workers: int | None, show_progress: bool
) -> Tally:
    if not (show_progress and sys.stderr.isatty()):
        return import_paths(engine, sources, list_name, workers=workers)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    started = time.monotonic()
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("importing", total=None)

        def report(tally: Tally) -> None:
            rate = tally.total / max(time.monotonic() - started, 1e-6)
            progress.update(task, description=f"{tally.summary()} ({rate:,.0f} msg/s)")

        return import_paths(engine, sources, list_name, on_batch=report, workers=workers)


@app.command()
def deliver(
    list_name: Annotated[str, typer.Option("--list", help="The list this message is for")],
) -> None:
    """Archive one message from stdin (for a Postfix/Exim pipe); exit 75 to be retried."""
    from listkeeper.deliver import EX_TEMPFAIL
    from listkeeper.deliver import deliver as deliver_message

    data = sys.stdin.buffer.read()
    try:
        engine = open_engine(state.db)
        tally = deliver_message(engine, data, [list_name], "stdin")
    except (DatabaseError, SQLAlchemyError) as exc:
        fail(f"database unavailable, try again: {first_line(exc)}", EX_TEMPFAIL)
    typer.echo(tally.summary())


@app.command()
def lmtp(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8024,
    list_name: Annotated[
        Optional[str], typer.Option("--list", help="Archive everything here (default: each recipient's local part)")
    ] = None,
) -> None:
    """Serve LMTP: live delivery from a mail server, acknowledged once committed."""
    from listkeeper.deliver import ArchiveHandler, LmtpController

    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # the server thread inherits it
    controller = LmtpController(ArchiveHandler(open_database(), list_name), hostname=host, port=port)
    controller.start()
    typer.echo(f"LMTP on {host}:{port}")
    try:
        signal.sigwait(stop_signals)
    finally:
        controller.stop()


quarantine_app = typer.Typer(help="Messages that could not be archived, with why.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list() -> None:
    """One line per quarantined message: id, list, origin, reason."""
    with open_database().connect() as conn:
        for item in quarantined(conn):
            typer.echo(f"{item.id}\t{item.list_name or '-'}\t{item.origin}\t{item.reason}")


@quarantine_app.command("show")
def quarantine_show(quarantine_id: Annotated[int, typer.Argument(help="Id from quarantine list")]) -> None:
    """The reason, then the message's original bytes."""
    with open_database().connect() as conn:
        found = quarantined_raw(conn, quarantine_id)
    if found is None:
        fail(f"no quarantined message {quarantine_id}", EXIT_NOT_FOUND)
    item, raw = found
    typer.echo(f"Reason: {item.reason}\nOrigin: {item.origin}\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(raw)


@quarantine_app.command("retry")
def quarantine_retry() -> None:
    """Parse every quarantined message again (after an upgrade); archive what now parses."""
    engine = open_database()
    with engine.connect() as conn:
        items = [(item, quarantined_raw(conn, item.id)) for item in quarantined(conn)]
    tally = Tally()
    for item, found in items:
        assert found is not None
        mail = RawMail(found[1], None, item.origin)
        name = item.list_name or "quarantine"
        import_mails(engine, iter([mail]), item.list_name, name, tally)
    repair_threads(engine, tally.lists_touched)
    typer.echo(tally.summary())


@app.command()
def thread(
    message_id: Annotated[str, typer.Argument(help="Any Message-ID in the thread, <> optional")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Show a thread in reply order."""
    with open_database().connect() as conn:
        view = reader.thread_view(conn, OPERATOR, message_id)
        if view is None:
            fail(_no_message(conn, message_id), EXIT_NOT_FOUND)
        gone = removals(conn, OPERATOR, [e.message_id for e in view.entries if e.summary is None])
    if as_json:
        print_json(thread_json(view))
        return
    typer.echo(view.subject)
    for entry in view.entries:
        indent = "  " * entry.depth
        if entry.message_id in gone:
            typer.echo(f"{indent}[removed: {gone[entry.message_id].reason}]")
        elif entry.summary is None:
            typer.echo(f"{indent}[not archived] <{entry.message_id}>")
        else:
            s = entry.summary
            typer.echo(f"{indent}{s.date:%Y-%m-%d %H:%M} {s.from_name or s.from_addr} <{s.message_id}>")


@app.command()
def show(
    message_id: Annotated[str, typer.Argument(help="Message-ID, <> optional")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Show one message: headers, and its body cut into blocks."""
    with open_database().connect() as conn:
        view = reader.message_view(conn, OPERATOR, message_id)
        if view is None:
            fail(_no_message(conn, message_id), EXIT_NOT_FOUND)
    if as_json:
        print_json(message_json(view))
        return
    s = view.summary
    typer.echo(f"From: {s.from_name} <{s.from_addr}>\nDate: {s.date}\nSubject: {s.subject}\n")
    for block in view.anatomy["blocks"]:
        typer.echo(block["text"], nl=False)


def _no_message(conn: Connection, message_id: str) -> str:
    """Why there is nothing to show: taken down (with the reason), or never archived."""
    normalized = reader.normalize_requested_id(message_id)
    gone = removal(conn, OPERATOR, normalized)
    return f"removed: {gone.reason}" if gone else f"no message {normalized}"


@app.command()
def rethread(
    list_name: Annotated[
        Optional[str], typer.Option("--list", help="Repair only this list's threads")
    ] = None,
) -> None:
    """Recompute all threads from the stored messages."""
    engine = open_database()
    if list_name is not None:
        with engine.connect() as conn:
            if not reader.list_exists(conn, OPERATOR, list_name):
                fail(f"no list {list_name}", EXIT_NOT_FOUND)
    with engine.begin() as conn:
        count = rebuild_threads(conn, {list_name} if list_name else None)
    typer.echo(f"rethreaded {count} messages")


@app.command()
def reindex() -> None:
    """Rebuild headers, body anatomy, search index and threads from the raw bytes."""
    with open_database().begin() as conn:
        count = rebuild_everything(conn)
    typer.echo(f"reindexed {count} messages")


@app.command("compact")
def compact_command() -> None:
    """Recompress stored mail with the database's trained dictionaries, merge the search index, VACUUM."""
    engine = open_database()
    try:
        done = compact(engine)
    except (DatabaseError, SQLAlchemyError) as exc:
        fail(f"compact failed: {first_line(exc)}", EXIT_DATABASE)
    typer.echo(
        f"recompressed {done.messages} messages: "
        f"{done.bytes_before / 1e6:.1f} MB -> {done.bytes_after / 1e6:.1f} MB"
        + ("; search index merged into one segment" if done.index_merged else "")
    )


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help='e.g. \'s:compat f:keir "page table" d:2006-11-01..\'')],
    list_name: Annotated[Optional[str], typer.Option("--list", help="Only this list")] = None,
    limit: Annotated[int, typer.Option(help="Results to print")] = 20,
    sort: Annotated[Sort, typer.Option(help="rank (relevance) or date (newest first)")] = Sort.RANK,
    threads: Annotated[bool, typer.Option("--threads", help="One result per thread")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Search messages with the query language of DESIGN.md."""
    with open_database().connect() as conn:
        try:
            results = search(
                conn, OPERATOR, query, list_name, limit=limit, sort=sort, by_thread=threads
            )
        except QueryError as exc:
            fail(f"bad query: {exc}", EXIT_BAD_QUERY)
    if as_json:
        print_json(search_json(results))
        return
    for hit in results.hits:
        in_thread = f" ({hit.thread_hits} in thread)" if threads else ""
        typer.echo(
            f"{hit.date:%Y-%m-%d} {hit.from_name or hit.from_addr}: {hit.subject} "
            f"<{hit.message_id}>{in_thread}"
        )
    typer.echo(f"{results.total_text} found")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8080,
    workers: Annotated[int, typer.Option(help="Server processes on the one port", min=1)] = 1,
) -> None:
    """Serve the archive over HTTP."""
    if workers > 1:
        from listkeeper.web.workers import serve as serve_forked

        open_database().dispose()  # a clear error before forking, and migrations run once
        serve_forked(state.db, host, port, workers)
        return
    import uvicorn

    from listkeeper.web.app import create_app

    uvicorn.run(create_app(open_database()), host=host, port=port, log_level="warning")


# Command groups kept in their own modules, listed after the core commands.
cli_access.register(app)
takedown_cli.register(app)
app.add_typer(patches_app, name="patches")


def run() -> None:
    """Entry point of the `listkeeper` command."""
    app()

