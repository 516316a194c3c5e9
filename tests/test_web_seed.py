"""The seed thread as web pages: HTTP checks and a real headless Chromium."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from conftest import ROOT, SEED_EXPECTED, SEED_MBOX, SEED_ROOT
from listkeeper.sources.detect import open_source
from listkeeper.web.links import anchor, message_url, raw_url, thread_url
from webserver import serving

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(seeded_db: str) -> Iterator[str]:
    with serving(seeded_db) as url:
        yield url


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def test_raw_returns_original_bytes(server: str) -> None:
    for mail in open_source(SEED_MBOX):
        message_id = mail.data.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode()
        response = httpx.get(server + raw_url(message_id))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert hashlib.sha256(response.content).digest() == hashlib.sha256(mail.data).digest()


def test_missing_message_is_a_404_page(server: str) -> None:
    response = httpx.get(server + message_url("missing@example.org"))
    assert response.status_code == 404
    assert "missing@example.org" in response.text
    assert httpx.get(server + "/no-such-list/").status_code == 404


def test_thread_page_in_chromium(server: str, browser: Browser, seeded_db: str) -> None:
    backend = "pg" if "postgresql" in seeded_db else "sqlite"
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + thread_url("xen-devel", SEED_ROOT))
    articles = page.locator("article.msg:not(.ghost)")
    assert articles.count() == 22
    expected_order = [m["message_id"] for m in SEED_EXPECTED["messages"]]
    shown_ids = [articles.nth(i).get_attribute("id") for i in range(22)]
    assert sorted(shown_ids) == sorted(anchor(mid) for mid in expected_order)
    assert shown_ids[0] == anchor(SEED_ROOT)
    # Authors and dates are on every message.
    assert articles.nth(0).locator(".from").inner_text() == "Gerd Hoffmann"
    assert articles.nth(0).locator("time").get_attribute("datetime").startswith("2006-11-13T15:41")
    # Quotes are set apart and the list footer is dimmed.
    quote = page.locator("blockquote.quote").first
    assert quote.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"
    footer = page.locator("pre.blk.footer").first
    assert "Xen-devel mailing list" in footer.inner_text()
    assert float(footer.evaluate("e => getComputedStyle(e).opacity")) < 1
    # The whole page once (the backends render the same HTML; a full-page shot of
    # 22 messages takes Chromium seconds), scrolled to the top, where it is fastest.
    full_page = backend == "sqlite"
    page.screenshot(path=_artifact(f"seed-thread-desktop-{backend}.png"), full_page=full_page)
    # Follow an "in reply to" link: it lands on the parent on the same page.
    reply = page.locator(f"#{anchor('C1824F6A.4D2E%keir@xensource.com')} a.in-reply-to")
    reply.click()
    assert page.url.endswith("#" + anchor("455897A4.8060306@suse.de"))
    target = page.locator(":target")
    assert target.get_attribute("id") == anchor("455897A4.8060306@suse.de")
    page.set_viewport_size(PHONE)
    page.screenshot(path=_artifact(f"seed-thread-phone-{backend}.png"))
    page.close()


def test_search_from_the_search_box(server: str, browser: Browser) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + "/xen-devel/")
    page.fill("form.search input[name=q]", "dfn:pgtable.h")
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_url("**/xen-devel/?q=*")
    results = page.locator("ol.results > li")
    assert results.count() == 2
    page.fill("form.search input[name=q]", "xen_pt_switch")
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_url("**q=xen_pt_switch*")
    assert page.locator("ol.results mark").first.inner_text() == "xen_pt_switch"
    page.locator("ol.results > li a").first.click()
    assert "/m/4558911E.2030904@suse.de/" in page.url
    page.close()


def test_bad_query_is_a_400_with_the_reason(server: str) -> None:
    response = httpx.get(server + "/xen-devel/", params={"q": "s:(compat"})
    assert response.status_code == 400
    assert "s: needs a value at position 1" in response.text


def test_every_in_reply_to_link_lands_on_its_parent(server: str, browser: Browser) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + thread_url("xen-devel", SEED_ROOT))
    replies = [m for m in SEED_EXPECTED["messages"] if m["parent"]]
    assert len(replies) == 21
    for message in replies:
        page.locator(f"#{anchor(message['message_id'])} > header a.in-reply-to").click()
        assert page.locator(":target").get_attribute("id") == anchor(message["parent"]), message[
            "message_id"
        ]
    page.close()


def test_quotes_fold_and_unfold(server: str, browser: Browser) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + thread_url("xen-devel", SEED_ROOT))
    folded = page.locator("blockquote.quote details").first
    hidden = folded.locator("pre")
    assert folded.get_attribute("open") is None and not hidden.is_visible()
    folded.locator("summary").click()
    assert hidden.is_visible()
    folded.locator("summary").click()
    assert not hidden.is_visible()
    page.close()


def test_keyboard_moves_between_messages(server: str, browser: Browser) -> None:
    page = browser.new_page(viewport=DESKTOP)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(server + thread_url("xen-devel", SEED_ROOT))
    ids = page.locator("article.msg").evaluate_all("list => list.map(a => a.id)")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("location.hash") == "#" + ids[1]
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.evaluate("location.hash") == "#" + ids[1]
    page.fill("form.search input[name=q]", "jk")  # typing in the box does not navigate
    assert page.evaluate("location.hash") == "#" + ids[1]
    assert errors == []  # no Content-Security-Policy violation, no script error
    page.close()


def test_thread_page_works_without_javascript(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(server + thread_url("xen-devel", SEED_ROOT) + "?flat=1")
    assert page.locator("article.msg").count() == 22
    page.locator("blockquote.quote details summary").first.click()
    assert page.locator("blockquote.quote details[open]").count() == 1
    context.close()


def test_message_page_in_chromium(server: str, browser: Browser, seeded_db: str) -> None:
    backend = "pg" if "postgresql" in seeded_db else "sqlite"
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + message_url("4559DD44.5000003@suse.de"))
    assert (
        page.locator("h1")
        .inner_text()
        .startswith("Re: [Xen-devel] CONFIG_XEN_COMPAT_030002 broken?")
    )
    assert page.locator("dl.headers a.author").inner_text() == "Gerd Hoffmann"
    assert "kraxel@s…de" in page.locator("dl.headers").inner_text()
    assert (
        page.locator("ul.files .path").first.inner_text()
        == "include/asm-x86_64/mach-xen/asm/pgtable.h"
    )
    attachment = page.locator("a.attachment")
    assert attachment.inner_text() == "xen-compat-page-user.diff"
    with page.expect_download() as download:
        attachment.click()
    assert download.value.suggested_filename == "xen-compat-page-user.diff"
    page.screenshot(path=_artifact(f"message-desktop-{backend}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=_artifact(f"message-phone-{backend}.png"))
    page.locator("a.in-reply-to").click()
    assert page.url.endswith(message_url("4559C8F9.76E4.0078.0@novell.com"))
    page.close()


def test_404_page_in_chromium(server: str, browser: Browser, seeded_db: str) -> None:
    backend = "pg" if "postgresql" in seeded_db else "sqlite"
    page = browser.new_page(viewport=DESKTOP)
    response = page.goto(server + message_url("4558911E.2030904@suse.de-missing"))
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert page.locator("form.search input[name=q]").is_visible()
    page.screenshot(path=_artifact(f"not-found-desktop-{backend}.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=_artifact(f"not-found-phone-{backend}.png"))
    page.locator("a.search-mid").click()
    page.wait_for_url("**/?q=m*")
    assert (
        page.locator("form.search input[name=q]").input_value()
        == "m:4558911E.2030904@suse.de-missing"
    )
    assert page.locator("ol.results > li").count() == 0
    page.close()
