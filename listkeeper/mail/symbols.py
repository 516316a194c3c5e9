"""Function symbols named by crash dumps, oopses and tracebacks (`sym:`).

People search for the function a crash happened in; the addresses and
registers around it are noise. Each pattern below is one way a log names a
function, seen on real lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from listkeeper.mail.regions import BlockDict

_IDENT = r"[A-Za-z_][A-Za-z0-9_.$]*"
_PATTERNS = (
    # Linux/Xen: "[<ffffffff80123456>] xen_pt_switch+0x3f/0x90", "RIP: 0010:func+0x1/0x2"
    re.compile(rf"(?<![\w.])({_IDENT})\+0x[0-9a-f]+(?:/0x[0-9a-f]+)?", re.I),
    # Python: 'File "x.py", line 3, in func'
    re.compile(rf"File \"[^\"]*\", line \d+, in ({_IDENT})"),
    # Java, JavaScript, gdb: "at func (file:line)", "#3 0x... in func ("
    re.compile(rf"\bat ({_IDENT})\s*\("),
    re.compile(rf"\bin ({_IDENT}) \("),
    # Xen guest-stack decodes: "ffffffff80116f9b - func ffffffff80116f4a + 51 xen_pt_switch"
    re.compile(rf"\bfunc [0-9a-f]+ \+ [0-9a-f]+ ({_IDENT})"),
    re.compile(rf"^\s*call ({_IDENT})\s*$", re.M),
    # Xen hypervisor dumps: "(XEN)    [<ffff82d08023a1b2>] do_page_fault+0x1b2/0x4f0", "<func>"
    re.compile(rf"\[<[0-9a-f]+>\][ \t]+(?:[?F][ \t]+)?<?({_IDENT})>?", re.I),
)
_NOT_SYMBOLS = frozenset({"in", "at", "func", "call", "0x"})


def log_symbols(text: str) -> list[str]:
    """Function names a log text mentions, each once, in order."""
    found: dict[str, None] = {}
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            name = match.group(1).rstrip(".")
            if name and name not in _NOT_SYMBOLS and not re.fullmatch(r"[0-9a-fA-F]+", name):
                found.setdefault(name, None)
    return list(found)


def block_symbols(blocks: Iterable[BlockDict]) -> list[str]:
    """Symbols of the message's own (unquoted) log blocks."""
    found: dict[str, None] = {}
    for block in blocks:
        if block["kind"] == "log" and block["depth"] == 0:
            found.update(dict.fromkeys(log_symbols(block["text"])))
    return list(found)
