"""Patch pages: a list's patches by state, a series with its versions, the
diff between two versions, trailers and who applied it; the latest version
as an mbox for `git am`; the same as JSON under /api/patches/."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection
from starlette.exceptions import HTTPException

from listkeeper.patches.am import am_mbox, patch_text
from listkeeper.patches.cli import patch_json
from listkeeper.patches.compare import versions_diff
from listkeeper.patches.reader import STATES, PatchInfo, Version, commit_url_template, list_patches
from listkeeper.patches.reader import patch_of, series_versions, state_counts
from listkeeper.patches.repos import commit_link
from listkeeper.store import reader
from listkeeper.store.access import Viewer
from listkeeper.web.api import ERRORS
from listkeeper.web.caching import Validators, etag_of, respond
from listkeeper.web.db import Conn
from listkeeper.web.errors import PageNotFound
from listkeeper.web.gone import require_list
from listkeeper.web.links import mid_path
from listkeeper.web.obfuscate import Verbatim, obfuscate_json
from listkeeper.web.render import templates
from listkeeper.web.viewer import Viewing

PATCHES_PER_PAGE = 50
MBOX_MEDIA_TYPE = "application/mbox"

router = APIRouter(default_response_class=HTMLResponse)
api_router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)


def patches_url(list_name: str, state: str | None = None) -> Verbatim:
    base = f"/{quote(list_name, safe='')}/patches/"
    return Verbatim(base + (f"?state={state}" if state else ""))


def series_url(list_name: str, message_id: str) -> Verbatim:
    return Verbatim(f"/{quote(list_name, safe='')}/s/{mid_path(message_id)}/")


def am_url(message_id: str) -> Verbatim:
    return Verbatim(f"/p/{mid_path(message_id)}.mbox")


templates.env.globals.update(
    patches_url=patches_url, series_url=series_url, am_url=am_url, commit_link=commit_link
)


def _validators(
    conn: Connection, viewer: Viewer, list_name: str | None, *parts: object
) -> Validators:
    """Patch states change only when mail arrives, or when the repo link is set."""
    stamp = reader.list_stamp(conn, viewer, list_name)
    template = commit_url_template(conn, list_name) if list_name else None
    return Validators(
        etag_of([list_name, *parts, template, *stamp.parts]), stamp.changed_at
    )


def _state(state: str | None) -> str | None:
    if state in (None, ""):
        return None
    if state not in STATES:
        raise HTTPException(400, f"state is one of {', '.join(STATES)}, not {state!r}")
    return state


def _series_of(
    conn: Connection, viewer: Viewer, message_id: str
) -> tuple[PatchInfo, list[Version]]:
    info = patch_of(conn, viewer, message_id)
    if info is None:
        normalized = reader.normalize_requested_id(message_id)
        raise PageNotFound(f"<{normalized}> posts no patch archived here.", message_id)
    return info, series_versions(conn, viewer, info.series_key)


@router.get("/{list_name}/patches/")
def patches_page(
    request: Request,
    list_name: str,
    conn: Conn,
    viewer: Viewing,
    state: str | None = None,
    page: int = 1,
) -> Response:
    require_list(conn, viewer, list_name)
    chosen, page = _state(state), max(page, 1)

    def render() -> Response:
        offset = (page - 1) * PATCHES_PER_PAGE
        found = list_patches(conn, viewer, list_name, chosen, PATCHES_PER_PAGE, offset)
        context = {
            "list_name": list_name,
            "patches": found,
            "state": chosen,
            "page": page,
            "counts": state_counts(conn, viewer, list_name),
            "has_more": len(found) == PATCHES_PER_PAGE,
        }
        return templates.TemplateResponse(request, "patches.html", context)

    return respond(request, _validators(conn, viewer, list_name, "patches", chosen, page), render)


@router.get("/{list_name}/s/{message_id:path}/")
def series_page(
    request: Request,
    list_name: str,
    message_id: str,
    conn: Conn,
    viewer: Viewing,
    a: int | None = None,
    b: int | None = None,
) -> Response:
    """A series; ``a`` and ``b`` pick the two versions compared (default: the last two)."""
    info, versions = _series_of(conn, viewer, message_id)
    if info.list_name != list_name:
        raise PageNotFound(f"<{info.message_id}> is not a patch in {list_name}.", message_id)
    numbers = [v.number for v in versions]
    older = a if a is not None else (numbers[-2] if len(numbers) > 1 else None)
    newer = b if b is not None else numbers[-1]
    for wanted in (older, newer):
        if wanted is not None and wanted not in numbers:
            raise HTTPException(
                400, f"this series has versions {', '.join(map(str, numbers))}, not {wanted}"
            )

    def render() -> Response:
        context = {
            "list_name": list_name,
            "info": info,
            "versions": versions,
            "template": commit_url_template(conn, list_name),
            "older": older,
            "newer": newer,
            "diff": _diff(conn, viewer, versions, older, newer) if older is not None else "",
        }
        return templates.TemplateResponse(request, "series.html", context)

    validators = _validators(conn, viewer, list_name, "series", info.series_key, older, newer)
    return respond(request, validators, render)


def _diff(conn: Connection, viewer: Viewer, versions: list[Version], older: int, newer: int) -> str:
    by_number = {v.number: v for v in versions}
    texts = {}
    for number in (older, newer):
        patches = [p for p in by_number[number].patches if p.position != 0]
        bodies = reader.anatomies(conn, viewer, [p.message_id for p in patches])
        texts[number] = "".join(
            patch_text(bodies[p.message_id]["blocks"]) for p in patches if p.message_id in bodies
        )
    return versions_diff(texts[older], texts[newer], f"v{older}", f"v{newer}")


def _latest_mbox(conn: Connection, viewer: Viewer, latest: Version) -> bytes:
    patches = [p for p in latest.patches if p.position != 0]
    bodies = reader.anatomies(conn, viewer, [p.message_id for p in patches])
    return am_mbox((p, bodies[p.message_id]["blocks"]) for p in patches if p.message_id in bodies)


@router.get("/p/{message_id:path}.mbox")
def am_download(request: Request, message_id: str, conn: Conn, viewer: Viewing) -> Response:
    """The latest version of the series, trailers added, ready for `git am`."""
    info, versions = _series_of(conn, viewer, message_id)
    shown = [p.message_id for p in versions[-1].patches]
    trailers = [len(p.trailers) for v in versions for p in v.patches]

    def render() -> Response:
        response = Response(_latest_mbox(conn, viewer, versions[-1]), media_type=MBOX_MEDIA_TYPE)
        response.headers["Content-Disposition"] = 'attachment; filename="series.mbox"'
        return response

    validators = _validators(conn, viewer, info.list_name, "am", *shown, *trailers)
    return respond(request, validators, render)


@api_router.get(
    "/patches/{message_id:path}", summary="The series a patch belongs to, every version"
)
def api_series(message_id: str, conn: Conn, viewer: Viewing) -> dict[str, Any]:
    info, versions = _series_of(conn, viewer, message_id)
    template = commit_url_template(conn, info.list_name)
    body = {
        "series": info.series_key,
        "list": info.list_name,
        "title": info.title,
        "mbox": am_url(info.message_id),
        "versions": [
            {
                "version": v.number,
                "state": v.state,
                "applied_in": v.applied_by.state_by if v.applied_by else None,
                "ref": v.applied_by.state_ref if v.applied_by else None,
                "ref_url": commit_link(template, v.applied_by.state_ref) if v.applied_by else None,
                "patches": [patch_json(p) for p in v.patches],
            }
            for v in versions
        ],
    }
    return obfuscate_json(body)


@api_router.get("/lists/{list_name}/patches", summary="A list's patches, newest first")
def api_list_patches(
    list_name: str,
    conn: Conn,
    viewer: Viewing,
    state: str | None = None,
    page: int = Query(1, ge=1),
) -> dict[str, Any]:
    require_list(conn, viewer, list_name)
    chosen = _state(state)
    offset = (page - 1) * PATCHES_PER_PAGE
    found = list_patches(conn, viewer, list_name, chosen, PATCHES_PER_PAGE, offset)
    body = {
        "list": list_name,
        "state": chosen,
        "page": page,
        "per_page": PATCHES_PER_PAGE,
        "has_more": len(found) == PATCHES_PER_PAGE,
        "patches": [patch_json(p) for p in found],
    }
    return obfuscate_json(body)
