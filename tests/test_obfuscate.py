"""Address obfuscation: the fast scan gives what the plain regex gives."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from listkeeper.web.obfuscate import obfuscate

# The definition, as one regex: a local part not preceded by another
# local-part character, "@", a domain ending in a label that starts with a letter.
ADDRESS = re.compile(r"(?<![\w.+'%-])([\w.+'%-]+)@([\w-]+)((?:\.[\w-]+)*\.([A-Za-z][\w-]*))")


def reference(text: str) -> str:
    return ADDRESS.sub(lambda m: f"{m[1]}@{m[2][0]}…{m[4]}", text)


def test_addresses_are_cut_and_everything_else_kept() -> None:
    text = "Gerd <kraxel@suse.de> wrote to xen-devel@lists.xensource.com:\n@@ -1,3 +1,4 @@ a@b"
    assert obfuscate(text) == (
        "Gerd <kraxel@s…de> wrote to xen-devel@l…com:\n@@ -1,3 +1,4 @@ a@b"
    )


# Characters that make and break addresses, and a few beyond ASCII.
MAIL_ALPHABET = st.sampled_from(list("ab1_.+'%-@ \n<>xé٣Z"))


@settings(max_examples=3000)
@given(st.text(MAIL_ALPHABET, max_size=60))
# A second "@" whose local part runs back into the address before it; one
# with no local part; a domain cut short by a label that is not a TLD.
@example("a@b.com+x@y.org")
@example("@b.com@c.org")
@example("a@b.c.1x@d.org")
def test_same_as_the_regex_on_any_text(text: str) -> None:
    assert obfuscate(text) == reference(text)
