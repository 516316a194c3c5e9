"""Snippets: the stretch of a body around the first searched word."""

from __future__ import annotations

from listkeeper.search.run import SNIPPET_CHARS, snippet


def _body(text: str, kind: str = "text", depth: int = 0) -> dict:
    return {"kind": kind, "depth": depth, "text": text}


def test_the_word_sits_a_third_of_the_way_in_with_white_space_made_one() -> None:
    text = "lorem ipsum\n" * 100 + "the\tvirtqueue_add_sgs()   call\n\nfails" + "\ndolor sit" * 100
    found = snippet([_body(text)], ["virtqueue_add_sgs"])
    assert found.startswith("…") and found.endswith("…")
    assert "the virtqueue_add_sgs() call fails" in found
    assert "\n" not in found and "  " not in found
    assert SNIPPET_CHARS // 4 < found.index("virtqueue") < SNIPPET_CHARS // 2


def test_a_word_is_found_whatever_its_case_but_not_inside_another() -> None:
    text = "a pre_kmalloc here, then KMALLOC there"
    assert snippet([_body(text)], ["kmalloc"]).index("KMALLOC") > 0
    assert snippet([_body("only pre_kmalloc")], ["kmalloc"]) == "only pre_kmalloc"


def test_own_text_first_then_quoted_then_the_start() -> None:
    blocks = [_body("> a quoted balloon", "quote", 1), _body("my own words about nothing")]
    assert "balloon" in snippet(blocks, ["balloon"])
    assert snippet(blocks, ["absent"]) == "my own words about nothing"
    assert snippet(blocks, []) == "my own words about nothing"


def test_a_letter_that_lowers_to_two_does_not_shift_the_stretch() -> None:
    text = "İstanbul " * 50 + "hypervisor" + " tail" * 50
    assert "hypervisor" in snippet([_body(text)], ["hypervisor"])
