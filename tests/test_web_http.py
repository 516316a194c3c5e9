"""The web archive over HTTP on a live server holding the seed thread: the JSON
API and its one error envelope, Atom feeds, cache validators, security headers,
address obfuscation, and what the pages show."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest

from conftest import SEED_EXPECTED, SEED_ROOT, run_cli
from listkeeper.web.errors import error_body
from listkeeper.web.links import anchor, author_url, message_url, raw_url, thread_url
from listkeeper.web.obfuscate import obfuscate_json
from webserver import serving

ATOM = "{http://www.w3.org/2005/Atom}"
SEED_IDS = [m["message_id"] for m in SEED_EXPECTED["messages"]]
WITH_PATCH = "4559DD44.5000003@suse.de"  # has xen-compat-page-user.diff attached
# An address as it appears in mail text, not inside a URL or an id attribute.
SHOWN_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}\b")


@pytest.fixture(scope="module")
def client(seeded_db: str) -> Iterator[httpx.Client]:
    with serving(seeded_db) as url, httpx.Client(base_url=url) as http:
        yield http


def _cli_json(db: str, *args: str) -> dict:
    result = run_cli(*args, "--json", db=db)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


# --- JSON API ---------------------------------------------------------------


def test_api_lists(client: httpx.Client) -> None:
    body = client.get("/api/lists").json()
    assert body == {
        "lists": [
            {
                "name": "xen-devel",
                "messages": 22,
                "first": "2006-11-13T15:41:00Z",
                "last": "2006-11-15T10:31:00Z",
            }
        ]
    }


def test_api_threads_of_a_list(client: httpx.Client) -> None:
    body = client.get("/api/lists/xen-devel/threads", params={"page": 1}).json()
    assert body["list"] == "xen-devel" and body["page"] == 1 and body["has_more"] is False
    (thread,) = body["threads"]
    assert thread["root"] == SEED_ROOT
    assert thread["messages"] == 22
    assert thread["participants"] == 3
    assert client.get("/api/lists/xen-devel/threads", params={"page": 2}).json()["threads"] == []


def test_api_thread_is_the_cli_shape(client: httpx.Client, seeded_db: str) -> None:
    body = client.get(f"/api/threads/{SEED_ROOT}").json()
    assert body == obfuscate_json(_cli_json(seeded_db, "thread", SEED_ROOT))
    assert [m["message_id"] for m in body["messages"]][0] == SEED_ROOT
    assert sorted(m["message_id"] for m in body["messages"]) == sorted(SEED_IDS)
    assert body["messages"][0]["from"] == {"name": "Gerd Hoffmann", "addr": "kraxel@s…de"}


def test_api_message_is_the_cli_shape(client: httpx.Client, seeded_db: str) -> None:
    body = client.get(f"/api/messages/<{WITH_PATCH}>").json()
    assert body == obfuscate_json(_cli_json(seeded_db, "show", WITH_PATCH))
    assert body["attachments"] == [
        {
            "filename": "xen-compat-page-user.diff",
            "content_type": "text/x-patch",
            "size": 927,
            "is_patch": True,
        }
    ]
    assert {b["kind"] for b in body["blocks"]} >= {"text", "quote", "patch", "footer"}
    assert not any(SHOWN_ADDRESS.search(b["text"]) for b in body["blocks"])


def test_api_search_is_the_cli_shape(client: httpx.Client, seeded_db: str) -> None:
    body = client.get("/api/search", params={"q": "dfn:pgtable.h", "list": "xen-devel"}).json()
    cli = _cli_json(seeded_db, "search", "dfn:pgtable.h", "--list", "xen-devel")
    assert body == obfuscate_json(cli)
    assert body["total"] == 2


def test_search_one_result_per_thread(client: httpx.Client, seeded_db: str) -> None:
    body = client.get("/api/search", params={"q": "xen", "threads": "true"}).json()
    assert body == obfuscate_json(_cli_json(seeded_db, "search", "xen", "--threads"))
    page = client.get("/xen-devel/", params={"q": "xen", "threads": "1"})
    assert page.status_code == 200
    assert "1 thread found" in page.text
    hits = body["results"][0]["thread_hits"]
    assert f"{hits} in its thread</a>" in page.text
    assert "sort=date&amp;threads=1" in page.text  # the choice sticks to the other links


@pytest.mark.parametrize(
    ("path", "params", "status", "reason"),
    [
        (
            "/api/messages/missing@example.org",
            {},
            404,
            "No message <missing@example.org> is archived here.",
        ),
        ("/api/lists/no-such-list/threads", {}, 404, "There is no list named 'no-such-list' here."),
        ("/api/search", {"q": "s:(compat"}, 400, "Bad query: s: needs a value at position 1"),
        ("/api/search", {}, 422, "query.q: Field required"),
        ("/api/lists/xen-devel/threads", {"page": "zero"}, 422, None),
        ("/api/no/such/endpoint", {}, 404, "Not Found"),
    ],
)
def test_every_api_error_has_one_envelope(
    client: httpx.Client, path: str, params: dict, status: int, reason: str | None
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == error_body(status, body["error"]["reason"])
    assert list(body) == ["error"] and list(body["error"]) == ["status", "reason"]
    if reason is not None:
        assert body["error"]["reason"] == reason


def test_openapi_documents_the_api(client: httpx.Client) -> None:
    doc = client.get("/api/openapi.json").json()
    paths = doc["paths"]
    assert set(paths) == {
        "/api/lists",
        "/api/lists/{list_name}/threads",
        "/api/threads/{message_id}",
        "/api/messages/{message_id}",
        "/api/search",
        "/api/patches/{message_id}",
        "/api/lists/{list_name}/patches",
    }
    search = paths["/api/search"]["get"]["responses"]
    assert search["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SearchOut")
    for status in ("400", "404", "422"):
        assert search[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    message = doc["components"]["schemas"]["MessageOut"]["properties"]
    assert {"from", "blocks", "attachments", "thread_root"} <= set(message)


# --- downloads --------------------------------------------------------------


def test_patch_attachment_is_inline_plain_text(client: httpx.Client) -> None:
    page = client.get(thread_url("xen-devel", SEED_ROOT)).text
    link = re.search(r'href="(/m/4559DD44\.5000003@suse\.de/a/\d+/[^"]+)"', page)
    assert link is not None
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"].startswith(
        'inline; filename="xen-compat-page-user.diff"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.text.startswith(("diff", "---", "Index", "--- ")) or "+++ " in response.text
    assert len(response.content) == 927
    assert (
        client.get(f"/m/{WITH_PATCH}/a/0/body.txt").status_code == 404
    )  # the body is not a listed attachment


# --- Atom -------------------------------------------------------------------


def _atom(client: httpx.Client, path: str, **params: str) -> ET.Element:
    response = client.get(path, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith(path) or params
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}id").text.startswith("mid:")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}author/{ATOM}name").text
        assert (
            entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://127.0.0.1:")
        )
        assert not SHOWN_ADDRESS.search(entry.find(f"{ATOM}content").text or "")
    return feed


def test_list_feed(client: httpx.Client) -> None:
    feed = _atom(client, "/xen-devel/new.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 22
    newest = entries[0]
    assert newest.find(f"{ATOM}id").text == "mid:C184948C.4F33%25keir@xensource.com"
    assert newest.find(f"{ATOM}updated").text == feed.find(f"{ATOM}updated").text
    link = newest.find(f"{ATOM}link").get("href")
    assert link.endswith(
        thread_url("xen-devel", "C184948C.4F33%keir@xensource.com")
        + "#"
        + anchor("C184948C.4F33%keir@xensource.com")
    )


def test_thread_feed(client: httpx.Client) -> None:
    feed = _atom(client, thread_url("xen-devel", SEED_ROOT) + "atom")
    ids = {e.find(f"{ATOM}id").text.removeprefix("mid:") for e in feed.findall(f"{ATOM}entry")}
    assert len(ids) == 22
    assert f"mid:{SEED_ROOT}" in {e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")}


def test_search_feed(client: httpx.Client) -> None:
    feed = _atom(client, "/xen-devel/", q="dfn:pgtable.h", x="A")
    assert len(feed.findall(f"{ATOM}entry")) == 2
    assert client.get("/xen-devel/", params={"q": "s:(", "x": "A"}).status_code == 400


# --- cache validators -------------------------------------------------------

CACHED_PAGES = [
    thread_url("xen-devel", SEED_ROOT),
    message_url(SEED_ROOT),
    raw_url(SEED_ROOT),
    "/xen-devel/",
    "/xen-devel/2006/11/",
    "/xen-devel/new.atom",
    f"/t/{SEED_ROOT}.mbox.gz",
]


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_etag_and_last_modified_answer_304(client: httpx.Client, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', etag)
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert (
        client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code
        == 200
    )


def test_views_of_one_thread_have_their_own_etags(client: httpx.Client) -> None:
    nested = client.get(thread_url("xen-devel", SEED_ROOT)).headers["etag"]
    flat = client.get(thread_url("xen-devel", SEED_ROOT), params={"flat": 1}).headers["etag"]
    assert nested != flat


# --- headers, obfuscation, pages -------------------------------------------


def test_content_security_policy_allows_no_inline_script(client: httpx.Client) -> None:
    response = client.get(thread_url("xen-devel", SEED_ROOT))
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text and " style=" not in response.text
    assert '<script src="/static/nav.js" defer></script>' in response.text
    assert client.get("/static/nav.js").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/", "/xen-devel/", thread_url("xen-devel", SEED_ROOT), message_url(WITH_PATCH), "/?q=compat"],
)
def test_no_page_shows_an_address(client: httpx.Client, path: str) -> None:
    html = client.get(path).text
    text = re.sub(r'(href|id|value)="[^"]*"', "", html)
    # Message-IDs may be shown as they are: they are identifiers.
    for message_id in SEED_IDS:
        text = text.replace("&lt;" + message_id + "&gt;", "")
    assert SHOWN_ADDRESS.findall(text) == []
    assert "kraxel@s…de" in client.get(thread_url("xen-devel", SEED_ROOT)).text


def test_thread_page_outline_views_and_patch_files(client: httpx.Client) -> None:
    html = client.get(thread_url("xen-devel", SEED_ROOT)).text
    outline = html.split('<details class="outline"', 1)[1].split("</details>", 1)[0]
    assert outline.count('<a href="#m') == 22
    assert '<span class="path">include/asm-x86_64/mach-xen/asm/pgtable.h</span>' in html
    assert re.search(r'<span class="pa">\+\d+</span> <span class="pd">-\d+</span>', html)
    # A quote links to the message it came from (the parent threading found).
    parent = SEED_EXPECTED["messages"][1]["parent"]
    assert f'<a class="quote-src" href="#{anchor(parent)}">' in html
    flat = client.get(thread_url("xen-devel", SEED_ROOT), params={"flat": 1}).text
    dates = re.findall(
        r'<article class="msg depth-0" id="m\w+" data-depth="\d+">\s*<header>\s*'
        r'<span class="from">[^<]*</span>\s*<time datetime="([^"]+)"',
        flat,
    )
    assert len(dates) == 22 and dates == sorted(dates)


def test_list_page_shows_replies_participants_and_months(client: httpx.Client) -> None:
    html = client.get("/xen-devel/").text
    assert "21 replies · 3 participants: Gerd Hoffmann, Keir Fraser, Jan Beulich" in html
    assert '<a href="/xen-devel/2006/11/">2006-11</a> <span class="dim">(22)</span>' in html
    index = client.get("/").text
    assert "<td>22</td><td>2006-11-13 15:41 UTC</td><td>2006-11-15 10:31 UTC</td>" in index


def test_author_page(client: httpx.Client) -> None:
    page = client.get(message_url(SEED_ROOT)).text
    link = re.search(r'<a class="author" href="([^"]+)">Gerd Hoffmann</a>', page)
    assert link is not None and link.group(1) == author_url("xen-devel", "kraxel@suse.de")
    assert "suse.de" not in link.group(1)
    author = client.get(link.group(1))
    assert author.status_code == 200
    gerd = [m for m in SEED_EXPECTED["messages"] if m["from"] == "Gerd Hoffmann"]
    assert author.text.count('<li><a href="/m/') == len(gerd)
    assert client.get("/xen-devel/f/0000000000000000/").status_code == 404
    assert client.get(f"{link.group(1)}?page=99").status_code == 404  # past the author's mail


def test_404_page_offers_a_search_for_the_message_id(client: httpx.Client) -> None:
    response = client.get(message_url("lost.1234@example.org"))
    assert response.status_code == 404
    assert 'href="/?q=m%3Alost.1234%40example.org"' in response.text
    assert '<form class="search"' in response.text
    assert 'value="m:lost.1234@example.org"' not in response.text  # the box starts empty
    thread = client.get(thread_url("xen-devel", "lost.1234@example.org"))
    assert thread.status_code == 404 and "m%3Alost.1234%40example.org" in thread.text


def test_bad_query_on_every_list_is_a_400(client: httpx.Client) -> None:
    response = client.get("/", params={"q": "(("})
    assert response.status_code == 400
    assert 'role="alert"' in response.text
