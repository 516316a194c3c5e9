"""The hostile corpus (tests/data/hostile/, ≥ 50 messages) served and opened in
a real headless Chromium: every page that shows them (lists, months, threads
nested and flat, messages, raw bytes, authors, searches, error pages, a
removed message's 410 and placeholder) must run no script from the mail and
open no dialog. Downloads never come back as HTML.

What counts as "a script ran": a dialog; a call to alert/confirm/prompt or a
write to ``window.__xss`` (payloads that avoid dialogs); a script-src CSP
violation or Chromium's console saying it refused a script (markup got
through and only the policy stopped it); a page error;
a request leaving the server; a <script> other than our own, an on* attribute
or a javascript:/data: link in the DOM. A control test proves the watch sees
each of these.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from conftest import BACKENDS, run_cli, throwaway_pg
from listkeeper.store.access import OPERATOR
from listkeeper.store import reader
from listkeeper.store.db import open_engine
from listkeeper.web import links
from listkeeper.web.downloads import INLINE_TEXT_TYPES
from webserver import serving

HOSTILE = Path(__file__).parent / "data" / "hostile"
ALERT = "<script>alert(document.domain)</script>"
REMOVED = "subject-script@hostile.listkeeper.test"  # has a hostile reply: a placeholder in a thread
REMOVAL_REASON = f"{ALERT}<img src=x onerror=alert(1)>"
SEARCHES = [
    "script", "alert", "onerror", "javascript", "s:script", "f:mallory", '"alert 1"',
    ALERT, '"><svg onload=alert(1)>', "s:(<img src=x onerror=alert(1)>",  # the last is a 400
]
# Error pages echoing hostile text: a missing message, a missing list, a bad month.
ERROR_PAGES = [
    str(links.message_url('"><script>alert(1)</script>@evil.example')),
    str(links.message_url("<img src=x onerror=alert(1)>")),
    "/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
    str(links.thread_url("hostile", '"><script>alert(1)</script>')),
]

# Runs in every frame before the page's own scripts: records what mail could do.
WATCH = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  const original = window[name];
  window[name] = function (...args) { window.__xss.push(name + ":" + args.join(",")); return original.apply(this, args); };
}
document.addEventListener("securitypolicyviolation", (e) => {
  if (e.violatedDirective.startsWith("script-src")) window.__xss.push("csp:" + e.violatedDirective + ":" + e.blockedURI);
});
"""
# After load: what the DOM holds that only injected markup could put there.
DOM_CHECK = """
(ownScript) => {
  const found = [...window.__xss];
  for (const s of document.querySelectorAll("script")) {
    if (s.src !== ownScript) found.push("script element: " + (s.src || s.textContent.slice(0, 80)));
  }
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith("on")) found.push("handler " + attr.name + " on " + el.tagName);
      if (["href", "src", "action", "formaction", "xlink:href", "srcdoc"].includes(attr.name)
          && (value.startsWith("javascript:") || value.startsWith("data:") || value.startsWith("vbscript:")))
        found.push(attr.name + "=" + value.slice(0, 60));
    }
  }
  for (const tag of ["iframe", "object", "embed", "frame", "base", "meta[http-equiv]", "link:not([href^='/'])"]) {
    if (document.querySelector(tag)) found.push("element " + tag);
  }
  for (const form of document.forms) {  // our search box posts to our own pages only
    if (!(form.getAttribute("action") || "/").startsWith("/")) found.push("form to " + form.action);
  }
  return found;
}
"""


@dataclass
class Watch:
    """Everything a page did that mail must not make it do."""

    base: str
    seen: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _dialog(self, dialog) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        """Chromium's own word that it refused a script (the CSP caught markup)."""
        text = message.text
        if "Content Security Policy" in text and "script" in text.lower():
            self.seen.append(f"console: {text[:160]}")

    def _request(self, request) -> None:  # type: ignore[no-untyped-def]
        if not request.url.startswith(self.base) and not request.url.startswith("about:"):
            self.seen.append(f"request left the server: {request.url[:100]}")

    def visit(self, page: Page, path: str) -> tuple[int, list[str]]:
        """Open a page: its status, and what it did wrong, each prefixed with the path."""
        self.seen.clear()
        response = page.goto(self.base + path, wait_until="load")
        assert response is not None, path
        page.wait_for_timeout(20)  # timers and handlers that fire right after load
        found = [*self.seen, *page.evaluate(DOM_CHECK, self.base + "/static/nav.js")]
        return response.status, [f"{path}: {what}" for what in found]


@dataclass
class Served:
    db: str
    url: str


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # A folder of only the messages: its name is the list of mail without a List-Id.
    folder = tmp_path_factory.mktemp("mail") / "hostile"
    folder.mkdir()
    for path in HOSTILE.glob("*.eml"):
        shutil.copy(path, folder)
    databases = (
        iter([str(tmp_path_factory.mktemp("db") / "hostile.sqlite3")])
        if request.param == "sqlite"
        else throwaway_pg()
    )
    for db in databases:
        imported = run_cli("import", str(folder), db=db)
        assert imported.returncode == 0 and "quarantined 0" in imported.stdout.decode()
        removed = run_cli("remove", REMOVED, "--reason", REMOVAL_REASON, db=db)
        assert removed.returncode == 0, removed.stderr.decode()
        with serving(db) as url:
            yield Served(db, url)


@dataclass
class Pages:
    html: list[str]  # pages opened in the browser
    raw: list[str]
    attachments: list[tuple[str, str]]  # (url, the part's declared content type)


def every_page(db: str) -> Pages:
    """Every URL that shows a hostile message, read from the archive itself."""
    html = ["/"]
    raw, attachments = [], []
    with open_engine(db).connect() as conn:
        for summary in reader.list_summaries(conn, OPERATOR):
            name = summary.name
            html += [str(links.list_url(name))]
            html += [f"{links.list_url(name)}{y}/{m:02d}/" for y, m, _ in reader.list_months(conn, OPERATOR, name)]
            senders = {e.summary.from_addr for e in reader.latest_messages(conn, OPERATOR, name, 100_000)}
            html += [str(links.author_url(name, addr)) for addr in sorted(senders)]
            html += [str(links.search_url(name, q)) for q in SEARCHES]
            for thread in reader.latest_threads(conn, OPERATOR, name, 10_000):
                html += [str(links.thread_url(name, thread.root)), str(links.flat_thread_url(name, thread.root))]
                view = reader.thread_view(conn, OPERATOR, thread.root, name)
                assert view is not None
                for entry in view.messages:
                    html.append(str(links.message_url(entry.message_id)))
                    raw.append(str(links.raw_url(entry.message_id)))
                    message = reader.message_view(conn, OPERATOR, entry.message_id)
                    assert message is not None
                    attachments += [
                        (str(links.attachment_url(entry.message_id, a["part_index"], a["filename"])), a["content_type"])
                        for a in message.anatomy["attachments"]
                    ]
    html += [str(links.search_url(None, q)) for q in SEARCHES]
    html += ERROR_PAGES + [str(links.message_url(REMOVED))]
    return Pages(list(dict.fromkeys(html)), list(dict.fromkeys(raw)), attachments)


def test_the_watch_sees_what_a_script_does(browser: Browser, served: Served) -> None:
    """Control: on a page of ours with a script injected, every signal fires."""
    page = browser.new_page()
    watch = Watch(served.url)
    watch.attach(page)
    watch.visit(page, "/")  # an origin of ours, then make it hostile
    page.evaluate("""() => {
        alert("control");
        const a = document.createElement("a"); a.href = "javascript:void(0)"; document.body.append(a);
        const img = document.createElement("img"); img.setAttribute("onerror", "x()"); img.src = "x"; document.body.append(img);
        const s = document.createElement("script"); s.textContent = "1"; document.body.append(s);
    }""")
    page.wait_for_timeout(200)
    found = watch.seen + page.evaluate(DOM_CHECK, served.url + "/static/nav.js")
    page.close()
    text = "\n".join(found)
    for expected in ("dialog alert: control", "alert:control", "csp:script-src", "console: ",
                     "handler onerror", "href=javascript:", "script element"):
        assert expected in text, (expected, text)


def test_no_page_showing_hostile_mail_runs_a_script(browser: Browser, served: Served) -> None:
    pages = every_page(served.db)
    assert len(pages.html) > 200  # 80 messages, their threads twice, lists, searches, errors
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(served.url)
    watch.attach(page)
    problems: list[str] = []
    statuses: dict[int, int] = {}
    for path in pages.html + pages.raw:
        status, found = watch.visit(page, path)
        problems += found
        statuses[status] = statuses.get(status, 0) + 1
    context.close()
    assert problems == [], "\n".join(problems)
    # Every list, month, thread, message, author and raw page answered; only the
    # error pages did not (and searches the query parser refused, with a 400).
    assert set(statuses) <= {200, 400, 404, 410}
    assert statuses[404] == len(ERROR_PAGES) and statuses[410] == 1
    assert statuses[200] >= len(pages.html) + len(pages.raw) - len(ERROR_PAGES) - 1 - 2 * len(SEARCHES)


def test_removed_message_shows_only_its_hostile_reason_escaped(served: Served) -> None:
    gone = httpx.get(served.url + str(links.message_url(REMOVED)))
    assert gone.status_code == 410
    assert "removed: &lt;script&gt;alert(document.domain)&lt;/script&gt;&lt;img" in gone.text
    thread = httpx.get(served.url + str(links.thread_url("hostile", "reply-to-hostile@hostile.listkeeper.test")))
    assert thread.status_code == 200
    assert '<p class="dim">removed: &lt;script&gt;alert(document.domain)' in thread.text


def test_content_security_policy_has_no_inline_script(served: Served) -> None:
    for path in ("/", "/hostile/", str(links.message_url(REMOVED)), "/api/lists"):
        policy = httpx.get(served.url + path).headers["content-security-policy"]
        directives = dict(
            (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
        )
        script = directives.get("script-src", directives["default-src"])
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert not any(source.startswith(("'nonce-", "'sha")) for source in script)
        assert directives["object-src" if "object-src" in directives else "default-src"] == ["'none'"]


def test_raw_and_attachments_never_come_back_as_html(served: Served) -> None:
    pages = every_page(served.db)
    assert len(pages.attachments) >= 10
    with httpx.Client(base_url=served.url) as http:
        for path in pages.raw:
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/plain"), path
            assert response.headers["x-content-type-options"] == "nosniff"
        for path, declared in pages.attachments:
            response = http.get(path)
            assert response.status_code == 200, path
            served_type = response.headers["content-type"].split(";")[0].strip()
            assert "html" not in served_type and "svg" not in served_type and "xml" not in served_type, path
            disposition = response.headers["content-disposition"]
            if served_type in INLINE_TEXT_TYPES:
                assert declared.split(";")[0].strip().lower() in INLINE_TEXT_TYPES, path
            else:
                assert disposition.startswith("attachment;"), (path, disposition)
            assert "\r" not in disposition and "\n" not in disposition
