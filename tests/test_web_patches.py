"""The file list shown above a patch: paths and +/- counts, from hunk counts."""

from __future__ import annotations

from conftest import ROOT
from listkeeper.web.patches import FileStat, touched_files
from listkeeper.web.obfuscate import obfuscate

GIT_SEND_EMAIL = (ROOT / "tests/data/body/git-send-email-patch.txt").read_text()


def test_git_patch_ends_before_the_signature() -> None:
    # "-- " after the last hunk is git's signature, not a removed line.
    assert touched_files(GIT_SEND_EMAIL) == [FileStat("mm/vmalloc.c", 1, 0)]


def test_new_and_deleted_files_and_renames() -> None:
    patch = (
        "diff --git a/test.md b/test.md\nnew file mode 100644\n--- /dev/null\n+++ b/test.md\n"
        "@@ -0,0 +1,2 @@\n+# Hello\n+\n"
        "diff --git a/test.txt b/test.txt\ndeleted file mode 100644\n--- a/test.txt\n+++ /dev/null\n"
        "@@ -1 +0,0 @@\n-Hello\n"
    )
    assert touched_files(patch) == [FileStat("test.md", 2, 0), FileStat("test.txt", 0, 1)]


def test_wrong_hunk_counts_still_find_the_next_file() -> None:
    patch = "--- a/x.h\n+++ b/x.h\n@@ -1,7 +1,9 @@\n-old\n+new\n--- a/y.c\n+++ b/y.c\n@@ -5,2 +5,3 @@\n a\n+b\n c\n"
    assert touched_files(patch) == [FileStat("x.h", 1, 1), FileStat("y.c", 1, 0)]


def test_obfuscation_keeps_the_local_part_and_top_level_domain() -> None:
    assert (
        obfuscate("Gerd Hoffmann <kraxel@suse.de> wrote:") == "Gerd Hoffmann <kraxel@s…de> wrote:"
    )
    assert obfuscate("mail a.b+c@mail.example.co.uk now") == "mail a.b+c@m…uk now"
    assert obfuscate("no address here @ all") == "no address here @ all"
