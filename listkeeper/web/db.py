"""The read connection a request gets: one per request, back to the pool after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection


async def _connection(request: Request) -> AsyncIterator[Connection]:
    """Async, so taking a pooled connection and handing it back happen on the
    event loop rather than costing two trips to a worker thread each. Neither
    waits: admission (``admission.py``) keeps fewer requests inside than the
    pool has connections, and giving one back only ends its read transaction."""
    with request.app.state.engine.connect() as conn:
        yield conn


Conn = Annotated[Connection, Depends(_connection)]
