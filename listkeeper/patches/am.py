"""A patch as `git am` wants it: commit message, collected trailers, diff.

The mail is rebuilt rather than copied: an attached patch, a quoted-printable
body or a list footer would otherwise end up in the commit. The commit
message is the author's own text above the patch (up to git format-patch's
"---"); trailers given in replies are added after the message's own, each
once, as b4 does.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from listkeeper.mail.regions import BlockDict
from listkeeper.patches.reader import PatchInfo
from listkeeper.patches.replies import Trailer, trailers_in
from listkeeper.sources.mbox import write_mboxrd
from listkeeper.sources.raw import RawMail

AM_ENVELOPE = "git@z Thu Jan  1 00:00:00 1970"  # what git format-patch and b4 write
_POLICY = policy.default.clone(linesep="\n", max_line_length=998)


def patch_text(blocks: Iterable[BlockDict]) -> str:
    """The diff a message posts: its own patch blocks, in order."""
    return "".join(b["text"] for b in blocks if b["kind"] == "patch" and b["depth"] == 0)


def commit_message(blocks: list[BlockDict]) -> tuple[str, str]:
    """(commit message, what follows git's "---" such as the diffstat)."""
    text = ""
    for block in blocks:
        if block["depth"] != 0:
            continue
        if block["kind"] == "patch":
            break
        if block["kind"] == "text":
            text += block["text"]
    message, separator, notes = text.partition("\n---\n")
    if not separator and text.startswith("---\n"):
        message, notes = "", text[4:]
    return message.strip("\n"), notes.strip("\n")


def with_trailers(message: str, collected: Iterable[Trailer]) -> str:
    """The message with collected trailers after its own, none twice."""
    own = set(trailers_in(message))
    extra = [t for t in dict.fromkeys(collected) if t not in own]
    if not extra:
        return message
    lines = [f"{t.name}: {t.value}" for t in extra]
    last_paragraph = message.rsplit("\n\n", 1)[-1]
    ends_in_trailers = bool(message) and all(
        trailers_in(line) for line in last_paragraph.splitlines()
    )
    glue = "\n" if ends_in_trailers else ("\n\n" if message else "")
    return message + glue + "\n".join(lines)


def am_message(info: PatchInfo, blocks: list[BlockDict]) -> bytes:
    """One patch mail for `git am`."""
    message, notes = commit_message(blocks)
    message = with_trailers(message, (Trailer(t.name, t.value) for t in info.trailers))
    body = message + "\n---\n" + (notes + "\n\n" if notes else "") + patch_text(blocks)
    mail = EmailMessage(policy=_POLICY)
    mail["From"] = formataddr((info.from_name, info.from_addr))
    mail["Date"] = format_datetime(info.date)
    mail["Subject"] = f"[PATCH v{info.version} {info.position}/{info.total}] {info.title}"
    mail["Message-ID"] = f"<{info.message_id}>"
    mail.set_content(body if body.endswith("\n") else body + "\n", charset="utf-8", cte="8bit")
    return mail.as_bytes(policy=_POLICY)


def am_mbox(mails: Iterable[tuple[PatchInfo, list[BlockDict]]]) -> bytes:
    """The patches (never a cover letter) as one mboxrd, in the order given."""
    out = io.BytesIO()
    write_mboxrd(
        (RawMail(am_message(info, blocks), AM_ENVELOPE, info.message_id) for info, blocks in mails),
        out,
    )
    return out.getvalue()
