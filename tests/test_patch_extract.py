"""Reading patches, logs and replies: symbols, diff lines, tags, trailers, "applied"."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, datetime

import pygit2
import pytest
from conftest import CORPUS
from hypothesis import given
from hypothesis import strategies as st

from listkeeper.mail import patch
from listkeeper.mail.blocks import BlockKind
from listkeeper.mail.parse import parse_message
from listkeeper.mail.patch import diff_text
from listkeeper.mail.symbols import log_symbols
from listkeeper.patches.replies import (
    APPLIED_VERBS,
    Applied,
    AppliedItem,
    Trailer,
    applied_in,
    casefold_like_re,
    trailers_in,
)
from listkeeper.patches.tags import PatchTag, patch_tag
from listkeeper.sources.detect import open_source

ARRIVAL = datetime(2000, 1, 1, tzinfo=UTC)


def _searchable(found: patch.DiffText) -> tuple[list[str], list[str], list[str]]:
    return found.functions, found.removed, found.added

GIT_DIFF = """diff --git a/x.c b/x.c
index 1111111..2222222 100644
--- a/x.c
+++ b/x.c
@@ -1,3 +1,3 @@ static int probe(struct device *dev)
 a
-old_call();
+new_call();
 d
"""


def test_log_symbols_from_every_kind_of_trace() -> None:
    log = """[<ffffffff80123456>] xen_pt_switch+0x3f/0x90
RIP: 0010:do_thing+0x12/0x40
  File "/usr/lib/x.py", line 12, in main_loop
    at com.foo.Bar.baz (Bar.java:12)
#3  0x00007f in g_main_loop_run (loop=0x1)
ffffffff80110424 - func ffffffff80110357 + cd pda_init -
(XEN)    [<ffff82d08023a1b2>] do_page_fault+0x1b2/0x4f0
"""
    assert log_symbols(log) == [
        "xen_pt_switch", "do_thing", "do_page_fault", "main_loop", "com.foo.Bar.baz",
        "g_main_loop_run", "pda_init",
    ]


def test_well_formed_and_mangled_diffs_give_the_same_lines() -> None:
    strict = diff_text(GIT_DIFF)
    assert (strict.functions, strict.removed, strict.added) == (
        ["static int probe(struct device *dev)"], ["old_call();"], ["new_call();"]
    )
    mangled = diff_text(GIT_DIFF.replace("@@ -1,3 +1,3 @@", "@@ -1,9 +1,9 @@"))  # counts wrong
    assert (mangled.functions, mangled.removed, mangled.added) == (
        strict.functions, strict.removed, strict.added
    )


@pytest.mark.parametrize(
    "text",
    [
        GIT_DIFF.replace("old_call", "old\x00call"),  # libgit2: "invalid patch instruction"
        GIT_DIFF.replace("-1,3", "-1,99999999999999999999"),
        "GIT binary patch\nliteral 5\nzzz\n",  # libgit2: NotFoundError
        GIT_DIFF.replace("x.c", "\udcff.c"),  # a surrogate: libgit2 cannot take the text
        "\x00" * 10,
    ],
)
def test_what_libgit2_refuses_is_read_as_before(text: str) -> None:
    assert _searchable(diff_text(text)) == _searchable(patch._with_unidiff(text))


@pytest.mark.parametrize(
    "corpus",
    [
        "virtualization-list-2019/virtualization-2019.mbox.gz",
        "linux-kbuild-list-2026/linux-kbuild-2025-2026.mbox.gz",
    ],
)
def test_libgit2_reads_most_real_patches_as_unidiff_does(corpus: str) -> None:
    """libgit2 is the fast path: it must give unidiff's lines on every real
    patch it reads, and read nearly all of them."""
    texts = [
        block.text
        for mail in open_source(CORPUS / corpus)
        for block in parse_message(mail.data, mail.envelope, ARRIVAL).blocks
        if block.kind is BlockKind.PATCH and block.depth == 0
    ]
    read = 0
    for text in texts:
        with suppress(pygit2.GitError):
            diff = pygit2.Diff.parse_diff(text)
            if len(diff):
                assert _searchable(patch._lines_of(diff)) == _searchable(
                    patch._with_unidiff(text)
                )
                read += 1
    assert len(texts) > 1000 and read / len(texts) > 0.95


@pytest.mark.parametrize(
    ("subject", "tag"),
    [
        ("[PATCH v2 3/7] kbuild: foo", PatchTag(2, 3, 7, "kbuild: foo")),
        ("[RFC PATCH] x", PatchTag(None, 1, 1, "x")),
        ("[PATCH net-next] y z", PatchTag(None, 1, 1, "y z")),
        ("[PATCH v3 0/19] Series", PatchTag(3, 0, 19, "Series")),
        ("[Xen-devel] [PATCH] a", PatchTag(None, 1, 1, "a")),
        ("Re: [PATCH] z", None),
        ("[Xen-devel] no patch here", None),
    ],
)
def test_patch_tags(subject: str, tag: PatchTag | None) -> None:
    assert patch_tag(subject) == tag


def test_trailers_once_each_in_canonical_spelling() -> None:
    text = "Looks good.\n\nReviewed-by: A B <a@b.org>\nacked-by: C <c@d>\nReviewed-by: A B <a@b.org>\nFixes: 123456789abc (\"x\")\n"
    assert trailers_in(text) == [
        Trailer("Reviewed-by", "A B <a@b.org>"), Trailer("Acked-by", "C <c@d>"),
        Trailer("Fixes", '123456789abc ("x")'),
    ]


@pytest.mark.parametrize(
    ("text", "applied"),
    [
        ("I've applied a version.\nChangeset 12404:bb76a76985fe. It would", Applied("12404:bb76a76985fe")),
        ("Applied to kbuild (next), thanks!\n\n[1/1] kbuild: x\n  https://git.kernel.org/c/0123456789abcdef\n", Applied("0123456789abcdef", (AppliedItem(1, "kbuild: x", "0123456789abcdef"),))),
        ("Thanks, applied.\n", Applied(None)),
        ("This series was applied to riscv/linux.git (fixes)\n", Applied(None)),
        ("Can this be applied?\n", None),
        ("It will be applied later.\n", None),
        ("I applied it locally and it fails to build.\n", None),
        # Case-blind matching takes letters that only fold to ASCII ones.
        ("Puſhed to master, thanks.\n", Applied(None)),
        ("APPLİED, thanks\n", Applied(None)),
        ("See changeset 12404:bb76a76985fe\n", Applied("12404:bb76a76985fe")),
    ],
)
def test_applied_is_said_not_asked(text: str, applied: Applied | None) -> None:
    assert applied_in(text) == applied


# Words with the letters that fold oddly, in every case, among other text.
_ODD_CASE_TEXT = st.lists(
    st.sampled_from(
        [*APPLIED_VERBS, "s", "i", "k", "ſ", "ı", "İ", "\u212a", "S", "I", "K", "ß", " ", "\n", "é"]
    )
    | st.text(max_size=4),
    max_size=12,
).map("".join)


@given(_ODD_CASE_TEXT, st.sampled_from(APPLIED_VERBS))
def test_a_word_found_case_blind_is_in_the_folded_text(text: str, verb: str) -> None:
    """applied_in looks for its verbs in casefold_like_re's text before it
    runs its regex: that must never skip a text the regex would match."""
    odd = text.translate(str.maketrans("sik", "ſı\u212a")) + verb.upper().replace("I", "İ")
    for candidate in (text, odd):
        if re.search(verb, candidate, re.IGNORECASE):
            assert verb in casefold_like_re(candidate)


def test_a_b4_thank_you_names_each_patch_and_its_commit() -> None:
    text = (
        "Applied to\n\n  https://git.kernel.org/pub/scm/linux/kernel/git/kbuild/linux.git kbuild-next\n\n"
        "Thanks!\n\n[1/2] kbuild: move the rule\n      https://git.kernel.org/kbuild/c/9c72d26e9fe3b\n"
        "[2/2] kbuild: add support\n      (no commit info)\n"
    )
    assert applied_in(text) == Applied(
        "9c72d26e9fe3b",
        (AppliedItem(1, "kbuild: move the rule", "9c72d26e9fe3b"), AppliedItem(2, "kbuild: add support", None)),
    )
