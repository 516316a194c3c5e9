"""Where incremental sources stopped: the marks of their last complete import.

A mark is only a shortcut. Reading again what was imported changes nothing
(the store knows a message by its sha256), so a mark is saved only after
everything read up to it is stored and repaired, and a lost or stale mark
costs time, never mail.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from listkeeper.store.schema import import_marks


def load_marks(conn: Connection, source: str) -> dict[str, str]:
    query = select(import_marks.c.part, import_marks.c.mark).where(import_marks.c.source == source)
    return {row.part: row.mark for row in conn.execute(query)}


def save_marks(conn: Connection, source: str, marks: dict[str, str]) -> None:
    conn.execute(delete(import_marks).where(import_marks.c.source == source))
    if marks:
        rows = [{"source": source, "part": part, "mark": mark} for part, mark in marks.items()]
        conn.execute(insert(import_marks), rows)
