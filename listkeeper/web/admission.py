"""At most a few requests inside the app at once; the rest wait in the event loop.

Routes and the per-request database connection run on Starlette's worker
threads (40), and connections come from SQLAlchemy's pool (5 + 10 overflow,
30 s timeout). With more requests in flight than connections, threads block
waiting for the pool while the requests holding connections wait for a
thread to finish on: under 200 concurrent clients the server stalled and
answered 500 (pool timeout). Waiting here instead costs nothing and keeps
every admitted request able to get both a thread and a connection.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

# Below the pool's 15 connections and the 40 worker threads.
MAX_REQUESTS_IN_APP = 12


class Admission:
    def __init__(self, app: ASGIApp, limit: int = MAX_REQUESTS_IN_APP) -> None:
        self.app = app
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self._slots:
            await self.app(scope, receive, send)
