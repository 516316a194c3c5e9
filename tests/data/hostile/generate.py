"""Writes the hostile .eml files, README.md and expected.json of this folder.

    .venv/bin/python tests/data/hostile/generate.py

Each message is named after its hazard. expected.json says, per file, what the
archive must have stored (decoded) from it: text the subject, the sender's name
and the body text must contain. The README lists each file and what it tries.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

HERE = Path(__file__).parent
ALERT = "<script>alert(document.domain)</script>"
DATE = "Mon, 13 Nov 2006 15:41:00 +0000"
FILES: dict[str, dict] = {}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def message(
    name: str,
    tries: str,
    *,
    subject: str = "hostile",
    from_: str = '"Mallory" <mallory@evil.example>',
    body: bytes | str = "plain body\n",
    headers: str = "",
    content_type: str = "text/plain; charset=utf-8",
    cte: str = "8bit",
    message_id: str | None = None,
    expect_subject: str | None = None,
    expect_from: str | None = None,
    expect_body: list[str] | None = None,
    raw_head: bytes = b"",
) -> None:
    mid = message_id if message_id is not None else f"<{name}@hostile.listkeeper.test>"
    head = (
        f"From: {from_}\nTo: xen-devel@lists.example.org\nSubject: {subject}\nDate: {DATE}\n"
        f"Message-ID: {mid}\nMIME-Version: 1.0\n{headers}"
    )
    if content_type:
        head += f"Content-Type: {content_type}\nContent-Transfer-Encoding: {cte}\n"
    data = raw_head + head.encode("utf-8", "surrogateescape") + b"\n" + (body.encode("utf-8") if isinstance(body, str) else body)
    (HERE / f"{name}.eml").write_bytes(data)
    FILES[f"{name}.eml"] = {
        "tries": tries,
        "subject": expect_subject,
        "from_name": expect_from,
        "body": expect_body or [],
    }


def multipart(kind: str, boundary: str, parts: list[str]) -> str:
    return "".join(f"--{boundary}\n{part}\n" for part in parts) + f"--{boundary}--\n"


def html(name: str, tries: str, markup: str, visible: str) -> None:
    """An HTML-only message: its readable text must keep ``visible``."""
    message(
        name, tries, subject=f"HTML only: {name}", content_type="text/html; charset=utf-8",
        body=f"<html><body><p>{visible}</p>{markup}</body></html>\n", expect_body=[visible],
    )


# ---------------------------------------------------------------- subject
message("subject-script", "a <script> element as the Subject",
        subject=ALERT, expect_subject=ALERT)
message("subject-img-onerror", "an <img onerror> in the Subject",
        subject="<img src=x onerror=alert(1)>", expect_subject="<img src=x onerror=alert(1)>")
message("subject-attribute-breakout", "quotes and > to break out of an HTML attribute (title=, value=)",
        subject="\"'><svg onload=alert(1)>", expect_subject="\"'><svg onload=alert(1)>")
message("subject-rfc2047-base64-script", "an RFC 2047 B-encoded word that decodes to <script>",
        subject=f"=?utf-8?b?{b64(ALERT)}?=", expect_subject=ALERT)
message("subject-rfc2047-qp-script", "an RFC 2047 Q-encoded word that decodes to <script>",
        subject="=?iso-8859-1?q?=3Cscript=3Ealert=281=29=3C/script=3E?=",
        expect_subject="<script>alert(1)</script>")
message("subject-rfc2047-utf7-script", "an RFC 2047 word in UTF-7: +ADw-script+AD4-",
        subject="=?utf-7?q?+ADw-script+AD4-alert(1)+ADw-/script+AD4-?=",
        expect_subject="<script>alert(1)</script>")
message("subject-utf7-raw", "UTF-7 text as the raw Subject (must stay literal, not be decoded)",
        subject="+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
        expect_subject="+ADw-script+AD4-alert(1)+ADw-/script+AD4-")
message("subject-template-injection", "template syntax: Jinja2, JS template literal, SSI",
        subject="{{ config }} {% raw %} ${alert(1)} <!--#exec cmd=\"id\"-->",
        expect_subject="{{ config }} {% raw %} ${alert(1)} <!--#exec cmd=\"id\"-->")
message("subject-fullwidth-brackets", "fullwidth ＜script＞ that a normaliser might fold to <script>",
        subject="＜script＞alert(1)＜/script＞", expect_subject="＜script＞alert(1)＜/script＞")
message("subject-bidi-override", "RIGHT-TO-LEFT OVERRIDE and zero-width characters around a script",
        subject="\u202e<script>\u200balert(1)</script>\u202c",
        expect_subject="\u202e<script>\u200balert(1)</script>\u202c")
message("subject-encoded-newline-header-injection", "an encoded CR LF trying to start a new header or body",
        subject=f"=?utf-8?b?{b64('x' + chr(13) + chr(10) + 'X-Injected: 1' + chr(10) + chr(10) + ALERT)}?=",
        expect_subject="alert(document.domain)")
# ------------------------------------------------------------------- from
message("from-name-script", "<script> as the From display name",
        from_=f'"{ALERT}" <mallory@evil.example>', expect_from=ALERT)
message("from-name-rfc2047-script", "an RFC 2047 display name that decodes to <script>",
        from_=f"=?utf-8?b?{b64(ALERT)}?= <mallory@evil.example>", expect_from=ALERT)
message("from-name-attribute-breakout", "a display name that closes an attribute and adds onmouseover",
        from_='"\\" onmouseover=alert(1) x=\\"" <mallory@evil.example>', expect_from="onmouseover=alert(1)")
message("from-addr-javascript", "a javascript: URL in the address itself (mailto: links)",
        from_='"Mallory" <"javascript:alert(1)//"@evil.example>', expect_from="Mallory")
message("to-cc-script", "<script> in To and Cc display names",
        headers=f'Cc: "{ALERT}" <cc@evil.example>, "<img src=x onerror=alert(2)>" <cc2@evil.example>\n')
# ------------------------------------------------------------------- body
message("body-text-script", "<script> in a plain-text body",
        body=f"Hello,\n\n{ALERT}\n<img src=x onerror=alert(1)>\n", expect_body=[ALERT, "<img src=x onerror=alert(1)>"])
message("body-text-entities", "HTML entities in plain text: must show as written, not be unescaped",
        body="&lt;script&gt;alert(1)&lt;/script&gt; &#x3C;script&#x3E; &#60;svg onload=alert(1)&#62;\n",
        expect_body=["&lt;script&gt;alert(1)&lt;/script&gt;", "&#x3C;script&#x3E;"])
message("body-text-javascript-urls", "javascript: and data: URLs in plain text, which a linkifier must not link",
        body="See javascript:alert(1) and <javascript:alert(2)> and\n"
             "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== and\n"
             "data:text/html,<script>alert(3)</script> and JaVaScRiPt:alert(4)\n"
             "http://example.org/\"><script>alert(5)</script>\n",
        expect_body=["javascript:alert(1)", "data:text/html,<script>alert(3)</script>"])
message("body-quote-attribution-script", "<script> in an attribution line and in quoted text",
        body=f"On Mon, 13 Nov 2006, \"{ALERT}\" <x@evil.example> wrote:\n> {ALERT}\n>> <svg onload=alert(1)>\n\nreply\n",
        expect_body=["<svg onload=alert(1)>", "reply"])
message("body-patch-script", "a patch that adds <script> lines (patch highlighting)",
        subject="[PATCH] add <script>alert(1)</script>",
        body="Signed-off-by: Mallory <mallory@evil.example>\n---\n"
             "diff --git a/\"><script>alert(1)<\\/script>.html b/\"><script>alert(1)<\\/script>.html\n"
             "--- a/x.html\n+++ b/x.html\n@@ -1,1 +1,2 @@\n <p>\n"
             f"+{ALERT}\n", expect_subject="[PATCH] add <script>alert(1)</script>", expect_body=[ALERT])
message("body-signature-script", "<script> in a signature block",
        body=f"text\n\n-- \n{ALERT}\n", expect_body=[ALERT])
message("body-list-footer-script", "<script> inside a mailing-list footer",
        body="text\n\n_______________________________________________\n"
             f"Xen-devel mailing list\nXen-devel@lists.xensource.com\n{ALERT}\n"
             "http://lists.xensource.com/xen-devel\n", expect_body=[ALERT])
message("body-format-flowed-split-tag", "format=flowed soft breaks that join into <script> only when unflowed",
        content_type="text/plain; charset=utf-8; format=flowed; delsp=yes",
        body="<scr \nipt>alert(1)</scr \nipt>\n", expect_body=["<script>alert(1)</script>"])
message("body-quoted-printable-script", "<script> hidden by quoted-printable",
        cte="quoted-printable", body="=3Cscript=3Ealert(1)=3C/script=3E\n=3Cimg src=3Dx onerror=3Dalert(1)=3E\n",
        expect_body=["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
message("body-base64-script", "<script> hidden by base64",
        cte="base64", body=base64.encodebytes(f"{ALERT}\n".encode()).decode(), expect_body=[ALERT])
message("body-charset-utf7", "a body declared UTF-7: +ADw-script+AD4- decodes to <script>",
        content_type="text/plain; charset=utf-7", cte="7bit",
        body="+ADw-script+AD4-alert(1)+ADw-/script+AD4-\n", expect_body=["<script>alert(1)</script>"])
message("body-overlong-utf8", "overlong UTF-8 for < and > (C0 BC, C0 BE), invalid UTF-8 that naive decoders read as <",
        body=b"\xc0\xbcscript\xc0\xbealert(1)\xc0\xbc/script\xc0\xbe\n", expect_body=["alert(1)"])
message("body-charset-utf16", "a UTF-16 body (NUL bytes everywhere if read as 8-bit)",
        content_type="text/plain; charset=utf-16", cte="8bit",
        body=f"{ALERT}\n".encode("utf-16"), expect_body=[ALERT])
message("body-nul-inside-tag", "a NUL byte inside <scr\\0ipt>, which some parsers drop",
        body=b"<scr\x00ipt>alert(1)</scr\x00ipt>\n", expect_body=["alert(1)"])
message("body-charset-label-script", "the charset parameter itself is a <script>",
        content_type=f'text/plain; charset="{ALERT}"', body="body text\n", expect_body=["body text"])
# ------------------------------------------------------------ HTML only
html("html-script", "<script> in an HTML-only message", ALERT + "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
     "visible-html-script")
html("html-img-onerror", "<img onerror>", "<img src=x onerror=alert(1)><IMG SRC=x OnErRoR=alert(2)>",
     "visible-img-onerror")
html("html-svg-onload", "<svg onload> and <svg><script>", "<svg onload=alert(1)><script>alert(2)</script></svg>",
     "visible-svg-onload")
html("html-iframe", "<iframe src=javascript:> and srcdoc", "<iframe src=\"javascript:alert(1)\"></iframe>"
     "<iframe srcdoc=\"&lt;script&gt;alert(2)&lt;/script&gt;\"></iframe>", "visible-iframe")
html("html-meta-refresh", "<meta http-equiv=refresh> to a javascript: and a data: URL",
     "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">"
     "<meta http-equiv=\"refresh\" content=\"0;url=data:text/html,<script>alert(2)</script>\">", "visible-meta-refresh")
html("html-css-expression", "CSS expression() in a style attribute and a <style> element",
     "<div style=\"width: expression(alert(1))\">x</div><style>p { width: expression(alert(2)) }</style>",
     "visible-css-expression")
html("html-css-url-javascript", "CSS url(javascript:) and @import",
     "<div style=\"background:url(javascript:alert(1))\">x</div>"
     "<style>@import 'javascript:alert(2)'; body{background:url(\"javascript:alert(3)\")}</style>",
     "visible-css-url")
html("html-a-href-javascript", "<a href=javascript:>, entity-obfuscated and with a tab inside",
     "<a href=\"javascript:alert(1)\">a</a><a href=\"jav&#x09;ascript:alert(2)\">b</a>"
     "<a href=\"&#106;&#97;&#118;&#97;script:alert(3)\">c</a><a href=\" JaVaScRiPt:alert(4)\">d</a>",
     "visible-a-javascript")
html("html-a-href-data-url", "<a href=data:text/html> and <img src=data:image/svg+xml> with script",
     "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">a</a>"
     "<img src=\"data:image/svg+xml,<svg onload=alert(2)>\">", "visible-data-url")
html("html-object-embed", "<object>, <embed>, <applet>", "<object data=\"javascript:alert(1)\"></object>"
     "<embed src=\"data:text/html,<script>alert(2)</script>\"><applet code=x></applet>", "visible-object")
html("html-form-action", "<form action=javascript:>, <button formaction>, <input onfocus autofocus>",
     "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(2)\">x</button>"
     "<input onfocus=alert(3) autofocus></form>", "visible-form")
html("html-base-href", "<base href> that would re-target every relative link", "<base href=\"javascript:alert(1)//\">"
     "<a href=\"x\">x</a>", "visible-base-href")
html("html-comment-breakout", "a comment that a sloppy sanitizer ends in the wrong place",
     "<!--<img src=\"--><img src=x onerror=alert(1)//\">", "visible-comment")
html("html-namespace-confusion", "math/svg namespace confusion (mXSS) with <style> and <mglyph>",
     "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>"
     "<svg></p><style><a id=\"</style><img src=1 onerror=alert(2)>\">", "visible-namespace")
html("html-event-handlers", "a dozen on* handlers and a javascript: in srcset / xlink:href",
     "<body onload=alert(1)><div onmouseover=alert(2) onclick=alert(3)>x</div>"
     "<img srcset=\"javascript:alert(4)\"><svg><a xlink:href=\"javascript:alert(5)\"><text>t</text></a></svg>"
     "<details open ontoggle=alert(6)><video><source onerror=alert(7)></video>", "visible-handlers")
message("html-alternative-evil-html", "multipart/alternative: harmless text, hostile HTML alternative",
        content_type="multipart/alternative; boundary=\"alt\"", cte="7bit",
        body=multipart("alternative", "alt", [
            "Content-Type: text/plain; charset=utf-8\n\nvisible-alternative-text\n",
            f"Content-Type: text/html; charset=utf-8\n\n<p>html</p>{ALERT}<img src=x onerror=alert(1)>\n",
        ]), expect_body=["visible-alternative-text"])
message("html-attachment", "a text/html attachment full of script next to a text part",
        content_type="multipart/mixed; boundary=\"mix\"", cte="7bit",
        body=multipart("mixed", "mix", [
            "Content-Type: text/plain; charset=utf-8\n\nsee attached\n",
            "Content-Type: text/html; charset=utf-8\nContent-Disposition: attachment; filename=\"page.html\"\n\n"
            f"{ALERT}\n",
        ]), expect_body=["see attached"])
message("svg-attachment-script", "an image/svg+xml attachment with <script> (served inline it would run)",
        content_type="multipart/mixed; boundary=\"mix\"", cte="7bit",
        body=multipart("mixed", "mix", [
            "Content-Type: text/plain; charset=utf-8\n\nan image\n",
            "Content-Type: image/svg+xml\nContent-Disposition: inline; filename=\"x.svg\"\n\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>\n",
        ]), expect_body=["an image"])
# ------------------------------------------------------------ attachments


def attachment(name: str, tries: str, disposition: str, ctype: str = "text/plain") -> None:
    message(name, tries, content_type="multipart/mixed; boundary=\"mix\"", cte="7bit",
            body=multipart("mixed", "mix", [
                "Content-Type: text/plain; charset=utf-8\n\nvisible-" + name + "\n",
                f"Content-Type: {ctype}\nContent-Disposition: {disposition}\n\nattached bytes\n",
            ]), expect_body=["visible-" + name])


attachment("attachment-filename-script", "<script> as an attachment file name",
           f'attachment; filename="{ALERT}.txt"')
attachment("attachment-filename-traversal", "../../ path traversal in a file name (downloads, Content-Disposition)",
           'attachment; filename="../../../../etc/passwd"')
attachment("attachment-filename-windows-traversal", "..\\ and absolute paths, a drive letter",
           'attachment; filename="..\\\\..\\\\C:\\\\Windows\\\\win.ini"')
attachment("attachment-filename-rfc2231-script", "an RFC 2231 encoded file name that decodes to <script> and ../",
           "attachment; filename*=utf-8''%3Cscript%3Ealert(1)%3C%2Fscript%3E%2F..%2F..%2Fx.patch")
attachment("attachment-filename-rfc2047-script", "an RFC 2047 encoded file name that decodes to <script>",
           f'attachment; filename="=?utf-8?b?{b64(ALERT + ".txt")}?="')
attachment("attachment-filename-header-injection", "quotes and CR LF in a file name (a Content-Disposition header on download)",
           'attachment; filename="a\\".html\\r\\nContent-Type: text/html\\r\\n\\r\\n<script>alert(1)</script>"')
attachment("attachment-content-type-script", "a Content-Type that is itself markup",
           'attachment; filename="x.bin"', ctype=f"application/x-{ALERT}")
attachment("attachment-filename-bidi", "a file name using RIGHT-TO-LEFT OVERRIDE to hide .exe as .txt",
           "attachment; filename*=utf-8''evil%E2%80%AEtxt.exe")
# ------------------------------------------------------------ Message-IDs
message("message-id-quotes", "quotes in a Message-ID (href=\"/m/...\" attribute breakout)",
        message_id="<\"'onmouseover=alert(1)'\"@evil.example>")
message("message-id-path-traversal", "/ and ../ in a Message-ID (URL paths, file names)",
        message_id="<../../../etc/passwd/@evil.example>")
message("message-id-percent", "%-escapes in a Message-ID that decode to < / and ..",
        message_id="<%3Cscript%3E%2e%2e%2f%00@evil.example>")
message("message-id-query-fragment", "? and # in a Message-ID (truncate a URL if not escaped)",
        message_id="<a?q=<x>#frag&x=1@evil.example>")
message("message-id-javascript", "a Message-ID that is a javascript: URL",
        message_id="<javascript:alert(document.domain)//@evil.example>")
message("message-id-data-url", "a Message-ID that is a data: URL",
        message_id="<data:text/html,%3Cscript%3Ealert(1)%3C/script%3E@evil.example>")
message("message-id-nested-angle", "<script> inside the angle brackets of a Message-ID",
        message_id="<<script>alert(1)</script>@evil.example>")
message("message-id-backslash-space", "backslashes, spaces and a tab in a Message-ID",
        message_id="<a\\b c\td\\\\@evil.example>")
message("message-id-unicode", "non-ASCII and a bidi override in a Message-ID",
        message_id="<\u202eélève\u200b@evil.example>")
_rng = random.Random(8)
LONG_ID = "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(3000))
message("message-id-3000-random-bytes", "a 3,000-byte incompressible Message-ID (index row size limits)",
        message_id=f"<{LONG_ID}@evil.example>", subject="long id", expect_subject="long id")
message("in-reply-to-hostile", "hostile ids in In-Reply-To (the \"in reply to\" link)",
        headers="In-Reply-To: <javascript:alert(1)//@evil.example> (\"><script>alert(2)</script>)\n",
        expect_body=["plain body"])
message("references-hostile", "References naming every hostile id above, and a script between them",
        headers="References: <\"'onmouseover=alert(1)'\"@evil.example> <../../../etc/passwd/@evil.example>\n"
                " <%3Cscript%3E%2e%2e%2f%00@evil.example> <javascript:alert(document.domain)//@evil.example>\n"
                f" {ALERT} <data:text/html,%3Cscript%3Ealert(1)%3C/script%3E@evil.example>\n"
                " <subject-script@hostile.listkeeper.test>\n")
message("message-id-tag-breakout", "a Message-ID that closes an attribute and opens a <script>",
        message_id="<\"><script>alert(1)</script><x y=\"@evil.example>")
message("reply-to-hostile", "a hostile reply to a hostile message, so thread pages nest them",
        subject=f"Re: {ALERT}", from_='"<img src=x onerror=alert(1)>" <replier@evil.example>',
        headers="In-Reply-To: <subject-script@hostile.listkeeper.test>\n"
                "References: <subject-script@hostile.listkeeper.test>\n",
        body=f"> {ALERT}\n\nreply-to-hostile {ALERT}\n", expect_subject=ALERT,
        expect_body=["reply-to-hostile"])
# ------------------------------------------------- more HTML and charsets
html("html-style-tricks", "<style> that closes early, <link> to javascript:, -moz-binding, behavior",
     "<style>p{color:red}</style><script>alert(1)</script><style>"
     "x{-moz-binding:url(http://evil.example/xss.xml#x);behavior:url(x.htc)}</style>"
     "<link rel=\"stylesheet\" href=\"javascript:alert(2)\"><p style=\"x:\\65xpression(alert(3))\">e</p>",
     "visible-style-tricks")
html("html-vbscript-and-entities", "vbscript: and livescript: URLs, &colon; and NUL-split schemes",
     "<a href=\"vbscript:msgbox(1)\">v</a><a href=\"livescript:alert(1)\">l</a>"
     "<a href=\"javascript&colon;alert(2)\">c</a><a href=\"java\0script:alert(3)\">n</a>",
     "visible-vbscript")
message("html-charset-utf7", "an HTML part declared UTF-7: +ADw-script+AD4- becomes <script> when decoded",
        subject="HTML only: html-charset-utf7", content_type="text/html; charset=utf-7", cte="7bit",
        body="<p>visible-html-utf7</p>+ADw-script+AD4-alert(1)+ADw-/script+AD4-\n",
        expect_body=["visible-html-utf7"])
message("html-overlong-utf8", "an HTML part with overlong UTF-8 < and > around script",
        subject="HTML only: html-overlong-utf8", content_type="text/html; charset=utf-8",
        body=b"<p>visible-html-overlong</p>\xc0\xbcscript\xc0\xbealert(1)\xc0\xbc/script\xc0\xbe\n",
        expect_body=["visible-html-overlong"])
attachment("attachment-charset-breakout", "a text attachment whose charset parameter breaks out of the header",
           'attachment; filename="notes.txt"', ctype='text/plain; charset="utf-8\"><script>alert(1)</script>"')
attachment("attachment-html-named-txt", "an HTML document named .txt and typed text/html",
           'attachment; filename="readme.txt"', ctype="text/html")
# --------------------------------------------------------------- others
message("list-id-script", "a List-Id that is markup (the list name comes from it: URLs, titles)",
        headers="List-Id: \"><script>alert(1)</script> <<svg onload=alert(2)>.lists.evil.example>\n")
message("list-id-name-300-chars", "a List-Id whose name is longer than the lists.name column (200)",
        headers=f"List-Id: <{'l' * 300}>\n")
message("date-script", "a Date header that is markup (falls back to the envelope or arrival date)",
        headers="", subject="date", raw_head=f"X-Note: the Date below is not a date\nDate: {ALERT}\n".encode())
message("header-8bit-latin1-script", "8-bit Latin-1 bytes around <script> in a raw Subject",
        subject="caf\udce9 <script>alert(1)</script>", expect_subject="<script>alert(1)</script>")


README_HEAD = """# Hostile messages

Each `.eml` here tries to make the archive run a script, break a page or a URL, or
lose the message. All of them must be imported (archived, or quarantined with a
reason, never an exception: `tests/test_hostile_import.py`), stored faithfully (the
stored subject, sender and body are the decoded hostile text, see `expected.json`),
and every page showing them must run no script (the browser test of the web layer).

`generate.py` writes the files, this README and `expected.json`; edit it, not them.

| file | what it tries |
|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> None:
    lines = [f"| `{name}` | {_cell(entry['tries'])} |" for name, entry in sorted(FILES.items())]
    (HERE / "README.md").write_text(README_HEAD + "\n".join(lines) + "\n")
    expected = {name: {k: v for k, v in entry.items() if k != "tries"} for name, entry in sorted(FILES.items())}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(FILES)} messages")


if __name__ == "__main__":
    main()
