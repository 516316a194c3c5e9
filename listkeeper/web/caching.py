"""Cache validators (ETag, Last-Modified) and the 304 answer, so browsers
and a reverse proxy in front can serve repeats without a render.

An ETag is a hash of what a page is made of (ids, links, counts) and of the
code version, computed from a cheap query before the expensive part. A
signed-in reader's pages (their name in the header, maybe private mail) get
ETags of their own and are never stored by a shared cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

from listkeeper.web.page_cache import CachedPage, PageCache
from listkeeper.web.render import CODE_VERSION

ETAG_HASH_LENGTH = 24
KEPT_HEADERS = ("content-type", "content-disposition")
VARY = "Cookie, Authorization"  # who is asking changes what a page holds
PAGE_MAX_AGE_SECONDS = 60  # pages change when mail arrives: a proxy may reuse them briefly
RAW_MAX_AGE_SECONDS = 86_400  # a canonical message's bytes never change


def etag_of(parts: Iterable[object]) -> str:
    digest = hashlib.sha256(CODE_VERSION.encode())
    for part in parts:
        digest.update(b"\0" + str(part).encode("utf-8", "surrogatepass"))
    return f'"{digest.hexdigest()[:ETAG_HASH_LENGTH]}"'


class Validators:
    """The ETag and Last-Modified of one response."""

    def __init__(
        self,
        etag: str,
        last_modified: datetime | None,
        max_age: int = PAGE_MAX_AGE_SECONDS,
        private: bool = False,
    ) -> None:
        self.etag = etag
        self.private = private
        # HTTP dates have whole seconds, in GMT.
        utc = last_modified.astimezone(timezone.utc) if last_modified else None
        self.last_modified = utc.replace(microsecond=0) if utc else None
        self.max_age = max_age

    def headers(self) -> dict[str, str]:
        scope = "private" if self.private else "public"
        headers = {
            "ETag": self.etag,
            "Cache-Control": f"{scope}, max-age={self.max_age}",
            "Vary": VARY,
        }
        if self.last_modified is not None:
            headers["Last-Modified"] = format_datetime(self.last_modified, usegmt=True)
        return headers

    def personal(self, request: Request) -> Validators:
        """These validators as the requester sees the response: with a session or
        a user, the ETag hashes them in (a browser signed out never gets a 304 for
        a page it saw signed in) and caching is private."""
        viewer = request.state.viewer
        session = request.scope.get("session") or {}
        if not viewer.signed_in and not session:
            return self
        etag = etag_of([self.etag, viewer.name, *sorted(session.items())])
        return Validators(etag, self.last_modified, self.max_age, private=True)

    def not_modified(self, request: Request) -> Response | None:
        """A 304 when the client's copy is current (If-None-Match wins over dates)."""
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            fresh = "*" in tags or self.etag in tags
        else:
            fresh = self._unchanged_since(request.headers.get("if-modified-since"))
        return Response(status_code=304, headers=self.headers()) if fresh else None

    def _unchanged_since(self, value: str | None) -> bool:
        if value is None or self.last_modified is None:
            return False
        try:
            since = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and self.last_modified <= since

    def apply(self, response: Response) -> Response:
        response.headers.update(self.headers())
        return response


def respond(request: Request, validators: Validators, render: Callable[[], Response]) -> Response:
    """304 if the client is current, else the page from the cache, else rendered.

    ``render`` is only called on a miss; what it returns with status 200 is kept.
    """
    validators = validators.personal(request)
    if (unchanged := validators.not_modified(request)) is not None:
        return unchanged
    cache: PageCache = request.app.state.page_cache
    key = (request.url.path, request.url.query, validators.etag)
    page = cache.get(key)
    if page is None:
        response = render()
        if response.status_code != 200:
            return response
        kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        page = CachedPage(bytes(response.body), kept)
        cache.put(key, page)
    return validators.apply(Response(page.body, headers=page.headers))
