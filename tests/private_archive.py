"""An archive with a public and a private list, built with the real CLI.

publist:  a public thread, and a message cross-posted to both lists.
hushlist: private; the cross-post, a private thread (one message with an
          attachment, answered by a patch) and a private reply to the cross-post.
Users: alice (granted hushlist), bob (no grant), each with a bearer token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import run_cli
from listkeeper.web.links import author_token

PUBLIC_LIST = "publist"
PRIVATE_LIST = "hushlist"
PASSWORDS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}

PUBLIC_ROOT = "pub-root.1@example.org"
CROSS_POST = "cross.1@example.org"
PRIVATE_ROOT = "secret-root.1@hush.example"
PRIVATE_REPLY = "secret-reply.2@hush.example"
PRIVATE_CROSS_REPLY = "secret-cross-reply.3@hush.example"
PRIVATE_IDS = (PRIVATE_ROOT, PRIVATE_REPLY, PRIVATE_CROSS_REPLY)
PRIVATE_AUTHOR = "sybil@hush.example"
PRIVATE_MONTH = (2024, 2)  # only private mail that month
ATTACHMENT = (1, "ledger.txt")  # part index and name of the private attachment

# Any of these in a response to a reader without the grant is a leak.
PRIVATE_WORDS = (
    "quarkmelon",
    "zanzibarite",
    "glimmerquill",
    "ledger-vortex",
    "sybil",
    "hector",
    "hush.example",
    PRIVATE_LIST,
    author_token(PRIVATE_AUTHOR),
)
PUBLIC_ONLY_WORD = "zephyrine"
CROSS_WORD = "budget"


def _mail(message_id: str, sender: str, date: str, subject: str, body: str, extra: str = "") -> str:
    return (
        f"From {sender.split('<')[-1].rstrip('>')} {date}\n"
        f"From: {sender}\nTo: lists@lists.example.org\nDate: {date}\n"
        f"Subject: {subject}\nMessage-ID: <{message_id}>\n{extra}"
        f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n\n"
    )


PUBLIC_MAIL = _mail(
    PUBLIC_ROOT,
    "Paula Public <paula@example.org>",
    "Tue, 05 Mar 2024 10:00:00 +0000",
    "Public planning notes",
    "Everyone can read the zephyrine plan.",
)
CROSS_MAIL = _mail(
    CROSS_POST,
    "Carl Cross <carl@example.org>",
    "Wed, 06 Mar 2024 10:00:00 +0000",
    "Cross posted budget",
    "The budget figures, for every reader.",
)
PRIVATE_ROOT_MAIL = (
    f"From sybil@hush.example Sat, 10 Feb 2024 09:00:00 +0000\n"
    f"From: Sybil Secret <{PRIVATE_AUTHOR}>\nTo: lists@lists.example.org\n"
    "Date: Sat, 10 Feb 2024 09:00:00 +0000\nSubject: Quarkmelon acquisition\n"
    f"Message-ID: <{PRIVATE_ROOT}>\nMIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="b1"\n\n'
    "--b1\nContent-Type: text/plain; charset=utf-8\n\n"
    "Confidential: the quarkmelon deal closes Friday.\n"
    "--b1\nContent-Type: text/plain; charset=utf-8\n"
    f'Content-Disposition: attachment; filename="{ATTACHMENT[1]}"\n\n'
    "ledger-vortex figures\n--b1--\n\n"
)
PRIVATE_REPLY_MAIL = _mail(
    PRIVATE_REPLY,
    f"Sybil Secret <{PRIVATE_AUTHOR}>",
    "Sun, 11 Feb 2024 09:00:00 +0000",
    "[PATCH] quarkmelon: zanzibarite terms",
    # A patch, so the patch pages, /p/ mbox and /api/patches are walked with a private one.
    "Agreed on the zanzibarite terms.\n\n"
    "Signed-off-by: Sybil Secret <sybil@hush.example>\n---\n"
    "diff --git a/terms.txt b/terms.txt\n--- a/terms.txt\n+++ b/terms.txt\n"
    "@@ -1 +1 @@ quarkmelon_terms\n-old zanzibarite terms\n+new zanzibarite terms\n",
    f"In-Reply-To: <{PRIVATE_ROOT}>\nReferences: <{PRIVATE_ROOT}>\n",
)
PRIVATE_CROSS_REPLY_MAIL = _mail(
    PRIVATE_CROSS_REPLY,
    "Hector Hidden <hector@hush.example>",
    "Thu, 07 Mar 2024 10:00:00 +0000",
    "Re: Cross posted budget",
    "Between us: the glimmerquill numbers are off.",
    f"In-Reply-To: <{CROSS_POST}>\nReferences: <{CROSS_POST}>\n",
)


@dataclass(frozen=True, slots=True)
class PrivateArchive:
    db: str
    tokens: dict[str, str]  # user name -> bearer token


def _cli(db: str, *args: str, input: bytes | None = None) -> str:
    result = run_cli(*args, db=db, input=input)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def build(db: str, folder: Path) -> PrivateArchive:
    public = folder / "public.mbox"
    public.write_text(PUBLIC_MAIL + CROSS_MAIL)
    private = folder / "private.mbox"
    private.write_text(
        CROSS_MAIL + PRIVATE_ROOT_MAIL + PRIVATE_REPLY_MAIL + PRIVATE_CROSS_REPLY_MAIL
    )
    _cli(db, "list", "create", PRIVATE_LIST, "--private")
    _cli(db, "import", str(public), "--list", PUBLIC_LIST)
    _cli(db, "import", str(private), "--list", PRIVATE_LIST)
    tokens = {}
    for user, password in PASSWORDS.items():
        _cli(db, "user", "add", user, "--password-stdin", input=f"{password}\n".encode())
        tokens[user] = _cli(db, "token", "create", user, "--label", "tests").strip()
    _cli(db, "grant", "alice", PRIVATE_LIST)
    return PrivateArchive(db, tokens)
