"""Many concurrent requests on one server process: every one answers 200.

More requests in flight than pooled database connections used to stall the
server (worker threads blocked on the pool while the requests holding
connections waited for a thread) until the pool timed out with 500s; see
web/admission.py. bench/load.py measures the same at 200 clients."""

from __future__ import annotations

import asyncio

import httpx

from conftest import SEED_EXPECTED
from listkeeper.web.links import message_url, raw_url
from webserver import serving

CONCURRENT = 120  # well above the pool's 15 connections and the 40 worker threads


async def _fetch_all(base: str, paths: list[str]) -> list[int]:
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
        responses = await asyncio.gather(*(http.get(path) for path in paths))
    return [r.status_code for r in responses]


def test_more_requests_than_connections_all_answer(seeded_db: str) -> None:
    ids = [m["message_id"] for m in SEED_EXPECTED["messages"]]
    # Distinct URLs with query strings the page cache has not seen: each reads the database.
    paths = [
        f"{message_url(ids[n % len(ids)])}?n={n}" if n % 2 else str(raw_url(ids[n % len(ids)]))
        for n in range(CONCURRENT)
    ]
    with serving(seeded_db) as base:
        statuses = asyncio.run(_fetch_all(base, paths))
    assert statuses == [200] * CONCURRENT
