"""Rendered pages kept in memory, keyed by URL and ETag.

The ETag comes from a cheap query (a thread's shape, a list's message count
and newest arrival), so a cached page is served only while the data it was
rendered from is unchanged: no staleness, no invalidation step. Bounded by
bytes, least recently used out first; one cache per server process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
LARGEST_SHARE = 8  # a page bigger than 1/8 of the cache is not kept


@dataclass(frozen=True, slots=True)
class CachedPage:
    body: bytes
    headers: dict[str, str]  # content-type and content-disposition as first sent


class PageCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple[str, ...], CachedPage] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # sync routes run on a thread pool

    def get(self, key: tuple[str, ...]) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[str, ...], page: CachedPage) -> None:
        if len(page.body) * LARGEST_SHARE > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._pages[key] = page
            self._size += len(page.body)
            while self._size > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._size -= len(evicted.body)
