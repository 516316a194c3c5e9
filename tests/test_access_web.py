"""Private lists over HTTP: every route of the app, tried with private
Message-IDs and the private list's name, anonymous and as a user without the
grant (session cookie and bearer token), answers exactly as for an unknown
one; the granted user reads it all; a cross-post shows through the public
list only; caches and ETags never hand one reader's page to another."""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import sync_playwright
from starlette.routing import BaseRoute, Mount, Route

from conftest import BACKENDS, CHROMIUM, CHROMIUM_ARGS, run_cli, throwaway_pg
from listkeeper.store.db import open_engine
from listkeeper.web.app import create_app
from listkeeper.web.links import author_token, mid_path, thread_url
from listkeeper.web.viewer import SESSION_COOKIE
from webserver import serving
from private_archive import (
    ATTACHMENT,
    CROSS_POST,
    CROSS_WORD,
    PASSWORDS,
    PRIVATE_AUTHOR,
    PRIVATE_CROSS_REPLY,
    PRIVATE_IDS,
    PRIVATE_LIST,
    PRIVATE_MONTH,
    PRIVATE_REPLY,
    PRIVATE_ROOT,
    PRIVATE_WORDS,
    PUBLIC_LIST,
    PUBLIC_ONLY_WORD,
    PrivateArchive,
    build,
)

PRIVATE_TOKEN = author_token(PRIVATE_AUTHOR)
# What each path parameter is filled with: private values to probe, and an
# unknown value of the same kind to compare against. A route with a new
# parameter fails here until it is given a private value.
PRIVATE_VALUES = {
    "message_id": list(PRIVATE_IDS),
    "list_name": [PRIVATE_LIST, PUBLIC_LIST],
    "token": [PRIVATE_TOKEN],
    "year": [str(PRIVATE_MONTH[0])],
    "month": [f"{PRIVATE_MONTH[1]:02d}"],
    "part_index": [str(ATTACHMENT[0])],
    "filename": [ATTACHMENT[1]],
}
UNKNOWN_VALUES = {
    "message_id": "nobody.9@nowhere.invalid",
    "list_name": "nolist",
    "token": "0123456789abcdef",
}
SEARCHED = "zanzibarite"  # a word only in a private message's body
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrivateArchive]:
    folder = tmp_path_factory.mktemp("private")
    if request.param == "sqlite":
        yield build(str(folder / "archive.sqlite3"), folder)
        return
    for url in throwaway_pg():
        yield build(url, folder)


@pytest.fixture(scope="module")
def app(archive: PrivateArchive) -> Iterator[FastAPI]:
    """The app whose routes are walked; requests go to a real server on the same database."""
    engine = open_engine(archive.db)
    yield create_app(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def server(archive: PrivateArchive) -> Iterator[str]:
    with serving(archive.db) as url:
        yield url


def client(server: str, **options: object) -> httpx.Client:
    return httpx.Client(base_url=server, **options)  # type: ignore[arg-type]


def signed_in(server: str, user: str) -> httpx.Client:
    """A client that logged in through the form, CSRF token and all."""
    client = httpx.Client(base_url=server)
    response = client.post(
        "/login",
        data={"name": user, "password": PASSWORDS[user], "csrf": _csrf(client, "/login")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def _csrf(client: httpx.Client, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found is not None
    return found.group(1)


def _bearer(server: str, archive: PrivateArchive, user: str) -> httpx.Client:
    return client(server, headers={"Authorization": f"Bearer {archive.tokens[user]}"})


@pytest.fixture(scope="module")
def outsiders(server: str, archive: PrivateArchive) -> dict[str, httpx.Client]:
    """Readers without access to the private list."""
    return {
        "anonymous": client(server),
        "bob (session)": signed_in(server, "bob"),
        "bob (token)": _bearer(server, archive, "bob"),
    }


@pytest.fixture(scope="module")
def alice(server: str, archive: PrivateArchive) -> dict[str, httpx.Client]:
    return {"session": signed_in(server, "alice"), "token": _bearer(server, archive, "alice")}


def _fill(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return mid_path(values[name]) if name == "message_id" else quote(values[name], safe="")

    return PARAM.sub(value, path)


def _private_combos(path: str) -> list[dict[str, str]]:
    """Every filling of the path's parameters that names something private."""
    names = PARAM.findall(path)
    combos = [
        dict(zip(names, values))
        for values in itertools.product(*(PRIVATE_VALUES[n] for n in names))
    ]
    return [
        c for c in combos if c.get("list_name") == PRIVATE_LIST or "message_id" in c or "token" in c
    ]


def _masked(text: str, values: dict[str, str]) -> str:
    """The response with the requested values replaced by their parameter names."""
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        for form in {
            value,
            quote(value, safe=""),
            quote(value, safe="/"),
            quote_plus(value),
            mid_path(value),
        }:
            text = text.replace(form, "{" + name + "}")
    return text


def _assert_nothing_private(text: str, where: str) -> None:
    lowered = text.lower()
    leaked = [word for word in PRIVATE_WORDS if word.lower() in lowered]
    assert not leaked, f"{where} shows {leaked}"


def _flat_routes(app: FastAPI) -> list[tuple[BaseRoute, str]]:
    """Every route with its full path (newer FastAPI keeps included routers nested)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:
        return [(route, getattr(route, "path", "")) for route in app.routes]
    return [(context.original_route, context.path) for context in contexts(app.routes)]


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route; a mount is probed with a file name."""
    walked = []
    for route, path in _flat_routes(app):
        if isinstance(route, Mount):
            walked.append(("GET", path + "/style.css"))
        else:
            assert isinstance(route, Route), f"unexpected route kind {route!r}"
            methods = route.methods or {"GET"}
            walked.append(("GET" if "GET" in methods else "POST", path))
    return walked


def test_every_route_hides_private_mail_from_outsiders(
    app: FastAPI, outsiders: dict[str, httpx.Client]
) -> None:
    probed = 0
    for (method, path), (who, client) in itertools.product(_routes(app), outsiders.items()):
        combos = _private_combos(path)
        if not combos:  # nothing to fill: the route must still show nothing private
            response = client.request(method, path, params={"q": SEARCHED, "list": PRIVATE_LIST})
            assert response.status_code < 500, (path, response.text)
            _assert_nothing_private(
                _masked(response.text, {"q": SEARCHED, "list": PRIVATE_LIST}), f"{who} {path}"
            )
            probed += 1
            continue
        for values in combos:
            url = _fill(path, values)
            response = client.request(method, url)
            assert response.status_code == 404, (who, url, response.status_code)
            unknown = {
                **values,
                **{
                    k: v
                    for k, v in UNKNOWN_VALUES.items()
                    if k in values and values[k] != PUBLIC_LIST
                },
            }
            same = client.request(method, _fill(path, unknown))
            assert same.status_code == 404
            body = _masked(response.text, {k: v for k, v in values.items() if v != PUBLIC_LIST})
            assert body == _masked(
                same.text, {k: v for k, v in unknown.items() if v != PUBLIC_LIST}
            ), (who, url)
            _assert_nothing_private(body, f"{who} {url}")
            probed += 1
    walked = {path for _, path in _routes(app)}
    for expected in (
        "/m/{message_id:path}/raw",
        "/t/{message_id:path}.mbox.gz",
        "/api/search",
        "/{list_name}/{year:int}/{month:int}/",
        "/{list_name}/f/{token}/",
    ):
        assert expected in walked
    assert probed > 100


def test_granted_user_reads_the_private_list(alice: dict[str, httpx.Client]) -> None:
    client = alice["session"]
    thread = client.get(f"/{PRIVATE_LIST}/t/{mid_path(PRIVATE_ROOT)}/")
    assert (
        thread.status_code == 200 and "zanzibarite" in thread.text and "Quarkmelon" in thread.text
    )
    assert "logged in as alice" in thread.text
    assert "Quarkmelon" in client.get(f"/{PRIVATE_LIST}/").text
    assert (
        "Quarkmelon"
        in client.get(f"/{PRIVATE_LIST}/{PRIVATE_MONTH[0]}/{PRIVATE_MONTH[1]:02d}/").text
    )
    assert "Quarkmelon" in client.get(f"/{PRIVATE_LIST}/new.atom").text
    assert "Quarkmelon" in client.get(f"/{PRIVATE_LIST}/f/{PRIVATE_TOKEN}/").text
    assert "quarkmelon deal" in client.get(f"/m/{mid_path(PRIVATE_ROOT)}/raw").text
    assert (
        "ledger-vortex"
        in client.get(f"/m/{mid_path(PRIVATE_ROOT)}/a/{ATTACHMENT[0]}/{ATTACHMENT[1]}").text
    )
    mbox = gzip.decompress(client.get(f"/t/{mid_path(PRIVATE_ROOT)}.mbox.gz").content)
    assert b"zanzibarite" in mbox and b"quarkmelon deal" in mbox
    assert "zanzibarite terms" in client.get("/", params={"q": SEARCHED}).text
    assert "zanzibarite terms" in client.get(f"/{PRIVATE_LIST}/patches/").text
    assert "zanzibarite terms" in client.get(f"/{PRIVATE_LIST}/s/{mid_path(PRIVATE_REPLY)}/").text
    assert "+new zanzibarite terms" in client.get(f"/p/{mid_path(PRIVATE_REPLY)}.mbox").text
    api = alice["token"]
    assert api.get(f"/api/patches/{mid_path(PRIVATE_REPLY)}").json()["list"] == PRIVATE_LIST
    assert api.get(f"/api/messages/{mid_path(PRIVATE_REPLY)}").json()["lists"] == [PRIVATE_LIST]
    assert api.get("/api/search", params={"q": SEARCHED}).json()["total"] == 1
    names = [item["name"] for item in api.get("/api/lists").json()["lists"]]
    assert names == [PRIVATE_LIST, PUBLIC_LIST]


def test_cross_post_shows_through_the_public_list_only(
    outsiders: dict[str, httpx.Client], alice: dict[str, httpx.Client]
) -> None:
    for who, client in outsiders.items():
        message = client.get(f"/api/messages/{mid_path(CROSS_POST)}").json()
        assert message["lists"] == [PUBLIC_LIST], who
        thread = client.get(f"/{PUBLIC_LIST}/t/{mid_path(CROSS_POST)}/")
        assert thread.status_code == 200 and "Cross posted budget" in thread.text
        _assert_nothing_private(thread.text, f"{who} public thread")
        assert client.get(f"/{PRIVATE_LIST}/t/{mid_path(CROSS_POST)}/").status_code == 404
        assert (
            client.get(
                f"/api/threads/{mid_path(CROSS_POST)}", params={"list": PRIVATE_LIST}
            ).status_code
            == 404
        )
        api_thread = client.get(f"/api/threads/{mid_path(CROSS_POST)}").json()
        assert [m["message_id"] for m in api_thread["messages"]] == [CROSS_POST]
        mbox = gzip.decompress(client.get(f"/t/{mid_path(CROSS_POST)}.mbox.gz").content)
        assert b"budget figures" in mbox and b"glimmerquill" not in mbox
        hits = client.get("/api/search", params={"q": CROSS_WORD}).json()
        assert hits["total"] == 1 and hits["results"][0]["lists"] == [PUBLIC_LIST]
        # l: and -l: on a private list reveal nothing about who is in it
        assert (
            client.get("/api/search", params={"q": f"l:{PRIVATE_LIST} {CROSS_WORD}"}).json()[
                "total"
            ]
            == 0
        )
        assert (
            client.get("/api/search", params={"q": f"-l:{PRIVATE_LIST} {CROSS_WORD}"}).json()[
                "total"
            ]
            == 1
        )
        lists = client.get("/api/lists").json()["lists"]
        assert lists == [{**lists[0], "name": PUBLIC_LIST, "messages": 2}]
        index = client.get("/")
        assert PUBLIC_LIST in index.text and PRIVATE_LIST not in index.text
    granted = alice["token"]
    assert granted.get(f"/api/messages/{mid_path(CROSS_POST)}").json()["lists"] == [
        PRIVATE_LIST,
        PUBLIC_LIST,
    ]
    assert (
        granted.get("/api/search", params={"q": f"l:{PRIVATE_LIST} {CROSS_WORD}"}).json()["total"]
        == 2
    )
    thread = granted.get(f"/api/threads/{mid_path(CROSS_POST)}").json()
    assert [m["message_id"] for m in thread["messages"]] == [CROSS_POST, PRIVATE_CROSS_REPLY]


def test_public_pages_are_unchanged_for_outsiders(outsiders: dict[str, httpx.Client]) -> None:
    for client in outsiders.values():
        page = client.get(f"/{PUBLIC_LIST}/")
        assert page.status_code == 200 and "Public planning notes" in page.text
        assert PUBLIC_ONLY_WORD in client.get(f"/{PUBLIC_LIST}/new.atom").text
        _assert_nothing_private(page.text, "public list page")
        for params in ({"q": SEARCHED}, {"q": SEARCHED, "x": "A"}, {"q": "d:2024-01-01.."}):
            found = client.get(f"/{PUBLIC_LIST}/", params=params)
            assert found.status_code == 200
            _assert_nothing_private(_masked(found.text, {"q": params["q"]}), f"search {params}")
            assert "Cross posted budget" in found.text or SEARCHED in params["q"]


def test_a_signed_in_page_is_never_served_to_anyone_else(
    server: str, alice: dict[str, httpx.Client]
) -> None:
    url = f"/{PRIVATE_LIST}/"
    seen = alice["session"].get(url)
    assert seen.status_code == 200
    assert seen.headers["cache-control"].startswith("private")
    anonymous = client(server)
    assert anonymous.get(url).status_code == 404  # not from the page cache
    index_as_alice = alice["session"].get("/")
    index = anonymous.get("/", headers={"If-None-Match": index_as_alice.headers["etag"]})
    assert index.status_code == 200 and "logged in as" not in index.text
    assert index.headers["cache-control"].startswith("public")
    assert index.headers["etag"] != index_as_alice.headers["etag"]
    again = alice["session"].get("/", headers={"If-None-Match": index_as_alice.headers["etag"]})
    assert again.status_code == 304


def test_post_without_the_csrf_token_is_refused(server: str) -> None:
    alice = signed_in(server, "alice")
    assert alice.post("/logout").status_code == 403
    assert alice.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert "logged in as alice" in alice.get("/").text
    refused = client(server).post("/login", data={"name": "alice", "password": PASSWORDS["alice"]})
    assert refused.status_code == 403 and "out of date" in refused.text
    assert alice.post("/logout", data={"csrf": _csrf(alice, "/")}).status_code == 303
    assert "logged in as" not in alice.get("/").text


def test_wrong_password_and_bad_token(server: str) -> None:
    anonymous = client(server)
    for name in ("alice", "zed"):
        wrong = anonymous.post(
            "/login", data={"name": name, "password": "nope", "csrf": _csrf(anonymous, "/login")}
        )
        assert wrong.status_code == 400 and "Unknown user or wrong password." in wrong.text
    bad = client(server, headers={"Authorization": "Bearer lk_not-a-token"}).get("/api/lists")
    assert bad.status_code == 401 and bad.json() == {
        "error": {"status": 401, "reason": "Unknown or revoked API token."}
    }


def test_login_redirects_only_within_the_site(server: str) -> None:
    bob = client(server)
    for target, landed in (
        (f"/{PUBLIC_LIST}/", f"/{PUBLIC_LIST}/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/login", "/"),
    ):
        form = {"name": "bob", "password": PASSWORDS["bob"], "next": target}
        response = bob.post("/login", data={**form, "csrf": _csrf(bob, "/login")})
        assert response.headers["location"] == landed


def test_session_cookie_flags_and_a_key_shared_by_workers_and_restarts(
    archive: PrivateArchive, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_cookie = client(server).get("/login").headers["set-cookie"].lower()
    assert set_cookie.startswith(SESSION_COOKIE + "=")
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie and "secure" not in set_cookie
    session = signed_in(server, "alice").cookies[SESSION_COOKIE]
    with serving(archive.db, workers=2) as other:  # other processes, as after a restart
        for _ in range(4):  # whichever worker answers
            assert (
                "logged in as alice"
                in client(other, cookies={SESSION_COOKIE: session}).get("/").text
            )
    monkeypatch.setenv("LISTKEEPER_HTTPS", "1")
    monkeypatch.setenv("LISTKEEPER_SECRET", "a key set by the operator")
    with serving(archive.db) as https_site:
        assert "secure" in client(https_site).get("/login").headers["set-cookie"].lower()
        # signed with the database's key, not this one: not accepted
        page = client(https_site, cookies={SESSION_COOKIE: session}).get("/").text
        assert "logged in as" not in page and ">log in</a>" in page


@pytest.mark.browser
def test_log_in_through_the_form_in_chromium(server: str) -> None:
    """No JavaScript needed: the header's link, the form, the redirect back, log out."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        thread = server + thread_url(PRIVATE_LIST, PRIVATE_ROOT)
        response = page.goto(thread)
        assert response is not None and response.status == 404
        assert "Quarkmelon" not in page.content()
        page.click("header.site .account a")
        page.wait_for_url("**/login?next=**")
        page.fill("#name", "alice")
        page.fill("#password", PASSWORDS["alice"])
        page.click("form.login button")
        page.wait_for_url(thread)
        assert page.locator("article.msg:not(.ghost)").count() == 2
        assert "zanzibarite" in page.locator("main").inner_text()
        assert page.locator("header.site .account").inner_text().startswith("logged in as alice")
        page.click("header.site .account button")
        page.wait_for_url(server + "/")
        assert PRIVATE_LIST not in page.locator("main").inner_text()
        assert page.locator("header.site .account a").inner_text() == "log in"
        response = page.goto(thread)
        assert response is not None and response.status == 404
        browser.close()


def test_a_removed_private_message_stays_unknown_to_outsiders(
    db_url: str, tmp_path: Path
) -> None:
    """Its 410 and reason would say a private message existed: outsiders get the 404."""
    archive = build(db_url, tmp_path)
    removed = run_cli("remove", PRIVATE_CROSS_REPLY, "--reason", "glimmerquill leak", db=db_url)
    assert removed.returncode == 0, removed.stderr.decode()
    message = f"/m/{mid_path(PRIVATE_CROSS_REPLY)}/"
    with serving(archive.db) as server:
        unknown = client(server).get(f"/m/{mid_path(UNKNOWN_VALUES['message_id'])}/")
        for name, outsider in (
            ("anonymous", client(server)),
            ("bob", _bearer(server, archive, "bob")),
        ):
            for path in (message, f"/api/messages/{mid_path(PRIVATE_CROSS_REPLY)}"):
                response = outsider.get(path)
                assert response.status_code == 404, (name, path)
                assert "glimmerquill" not in response.text
            public_thread = outsider.get(f"/{PUBLIC_LIST}/t/{mid_path(CROSS_POST)}/")
            assert public_thread.status_code == 200 and "glimmerquill" not in public_thread.text
        mine = {"message_id": PRIVATE_CROSS_REPLY}
        assert _masked(client(server).get(message).text, mine) == _masked(
            unknown.text, {"message_id": UNKNOWN_VALUES["message_id"]}
        )
        granted = _bearer(server, archive, "alice").get(message)
        assert granted.status_code == 410 and "glimmerquill leak" in granted.text
