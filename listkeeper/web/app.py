"""The web archive: server-rendered pages (no JavaScript needed), feeds,
downloads and the JSON API, over one read-only database engine.

URLs follow DESIGN.md and never change once published. Pages only read:
everything they show was derived at import time. Routers are included
most specific first: ``/{list_name}/`` would otherwise catch ``/api/``.
Every route reads as the request's viewer (``viewer.py``): a private list
or message is, to anyone without access, exactly as absent as an unknown one.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from listkeeper.web import api, downloads, errors, feeds, login, pages, patch_pages, viewer
from listkeeper.web.admission import Admission
from listkeeper.web.page_cache import PageCache
from listkeeper.web.render import STATIC
from listkeeper.web.security import SecurityHeaders


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(
        title="listkeeper",
        summary="A mailing-list archive: lists, threads, messages and search as JSON.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.engine = engine
    app.state.page_cache = PageCache()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    app.include_router(api.router)
    app.include_router(patch_pages.api_router)
    routers = (login.router, downloads.router, feeds.router, patch_pages.router, pages.router)
    for router in routers:
        app.include_router(router, include_in_schema=False)
    viewer.install(app, engine)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Admission)
    return app
