"""Body anatomy: cut a text body into blocks of text, quote, attribution,
signature, list footer, patch and log.

How: the text is split into lines once and each line gets a quote depth and a
kind in two lists. What to paint there is found by a few scans of the whole
text with precompiled regexes that start at a newline (the regex engine looks
for the newline in C, so a scan costs little per line): runs of quoted lines,
lines that may open a patch, a log, a signature or an Outlook header, lines
ending in a colon (every "wrote:"). Python looks only at those hits. Every
change of kind or depth happens at the edge of something painted, so blocks are
cut at those edges without walking the lines again. Nothing recurses or
backtracks over user data: time is linear in the size of the text.

The blocks' texts, joined, are the body exactly: line ends ("\\n", "\\r\\n") and
a last line without one are kept. Blank lines belong to the block above them
(so blank lines between two quotes of one depth join them into one block);
blank lines at the top belong to the block below.

Decisions: the "---" separator and the diffstat of git format-patch are text,
a patch starts at "diff" (or "Index:", or "--- "/"+++ "/"@@"); patches, logs and
signatures are only found in the author's own (unquoted) text: quoted, they
stay quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate, count, pairwise
from operator import add

from listkeeper.mail import attribution as attr
from listkeeper.mail.blocks import Block, BlockKind

TEXT = BlockKind.TEXT
QUOTE = BlockKind.QUOTE
ATTRIBUTION = BlockKind.ATTRIBUTION
SIGNATURE = BlockKind.SIGNATURE
FOOTER = BlockKind.FOOTER
PATCH = BlockKind.PATCH
LOG = BlockKind.LOG

# Kinds the author typed themselves, for top-posting.
_OWN_KINDS = frozenset({TEXT, PATCH, LOG})

# A list footer is a rule and a handful of lines: a longer tail is the author's.
FOOTER_MAX_LINES = 10
# A signature under "--" without its space is taken only when it is this short.
BROKEN_SIGNATURE_MAX_LINES = 8
# "On ... wrote:" may be separated from its quote by a blank line or two.
ATTRIBUTION_MAX_BLANKS = 3
# A mail client wraps long log lines: up to this many lines between two log
# lines (no blank line among them) are the parts it wrapped off.
WRAP_MAX_LINES = 3
# A log line that goes on below: "ffffffff80110424 - func ... pda_init -", or
# one with a trailing space where a mailer broke it (as syzbot's mail has).
WRAP_MARKS = (" -", " ", "\t")

# ------------------------------------------------------------------ quotes

# A run of lines with the very same quote marks (none deeper): one hit per run.
_QUOTE_RUN = re.compile(rf"\n({attr.QUOTE_MARKS})[^\n]*(?:\n\1(?![ \t]*>)[^\n]*)*")

# ------------------------------------------------------------------ patches

_PATCH_OPENERS = ("diff ", "Index: ", "--- ")
# A line that may stand in a unified diff: hunk lines, hunk and file headers.
# "-- " alone is the signature marker that ends a git send-email patch.
_DIFF_LINE = (
    r"(?:[ +\\]|-(?!-[ \t\r]*(?:\n|\Z))|@@|diff |index |Index: |new file mode|deleted file mode"
    r"|old mode|new mode|similarity index|dissimilarity index|rename from|rename to|copy from"
    r"|copy to|Binary files|GIT binary patch|RCS file:|retrieving revision|={20,})[^\n]*"
)
# The longest run of diff lines. Blank lines (context lines whose space a
# mailer ate) stay in only when the diff goes on after them, and not when a
# "---" follows (b4 puts one before "base-commit:"). A "diff" or "@@" line
# that a mailer wrapped keeps its tail when the diff goes on after it.
_PATCH_RUN = re.compile(
    rf"(?:(?:diff |@@ )[^\n]*\n(?!{_DIFF_LINE})[^\n]+\n(?={_DIFF_LINE})"
    rf"|{_DIFF_LINE}(?:\n|\Z)"
    rf"|(?:[ \t\r]*\n)+(?=(?!---[ \t\r]*(?:\n|\Z)){_DIFF_LINE}))*+"
)
# "diff" or "Index:" opens a patch only if a hunk or a git header follows.
_PATCH_CONFIRM = re.compile(
    r"\n(?:@@ -|similarity index |new file mode |deleted file mode |Binary files "
    r"|GIT binary patch|old mode )"
)
# A bare "--- file" opens a patch only as "--- a\n+++ b\n@@ -".
_UNIFIED_HEAD = re.compile(r"--- [^\n]*\n\+\+\+ [^\n]*\n@@ -")

# ------------------------------------------------------------------ logs

# Lines that only a console, an oops or a traceback prints: they open a log.
_LOG_OPENERS = [
    r"#+[ \t]*\(XEN\)",
    r"\(XEN\)",
    r"\[[ \t]*\d+\.\d{3,}\]",  # printk time stamp
    r"<\d>\[[ \t]*\d+\.\d{3,}\]",
    r"BUG: ",
    r"kernel BUG at ",
    r"Oops: [^\n]*\[#\d+\]",
    r"WARNING: CPU: ",
    r"WARNING: at ",
    r"general protection fault",
    r"Unable to handle kernel ",
    r"Kernel panic - not syncing",
    r"Call Trace:",
    r"Code: [0-9a-fA-F<(]{2}",
    r"CPU: \d+ (?:UID: \d+ )?PID: \d+",
    r"RIP: ?[0-9a-fA-F]{4}:",
    r"Modules linked in:",
    r"Hardware name: ",
    r"-+\[ (?:cut here|end trace|end Kernel panic)",
    r"Traceback \(most recent call last\):",
    r"The above exception was the direct cause",
    r"During handling of the above exception",
]
_LOG_START = re.compile(r"[ \t]*(?:" + "|".join(_LOG_OPENERS) + ")")
# Lines that go on with a log once it started, but could be prose on their own.
_LOG_MORE = re.compile(
    r"[ \t]+\S"  # indented: stack frames, code lines of a traceback
    r"|(?:0x)?[0-9a-fA-F]{8,}\b"  # hex words, "ffffffff80116f9b - func ..."
    r"|\[<[0-9a-fA-F]+>\]"  # "[<ffffffff8010734a>] func+0x1/0x2"
    r"|[A-Za-z][A-Za-z0-9]{1,3}: ?[0-9a-fA-F]{4,}"  # register dump: "rax: 0000...", "RSP: 0018:"
    r"|[\w.]+\+0x[0-9a-fA-F]+/0x[0-9a-fA-F]+"  # a frame: "func+0x12/0x40"
    r"|</?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>"
    r"|[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt)\b"  # a traceback's last line
    r"|(?:PGD|PUD|PMD|PTE|P4D) [0-9a-fA-F]|#PF: |Workqueue: |Tainted: "
    r"|[^\n]*\b0x[0-9a-fA-F]{8,}"  # an address: "unreferenced object 0xffff8881..."
)

# ------------------------------------------------------------------ line-start scan

_SIGNATURE_MARK = r"--[ \t\r]*(?=\n|\Z)"
_LINE_OPENERS = [
    *(re.escape(opener) for opener in _PATCH_OPENERS),
    _SIGNATURE_MARK,
    *_LOG_OPENERS,
    *attr.HEADER_OPENERS,
]


def _first_chars(alternatives: list[str]) -> str:
    """A character class of the first characters the alternatives can match.

    A lookahead on it lets the regex engine skip most lines with one test
    instead of trying every alternative.
    """
    firsts = {alt[:2] if alt[0] == "\\" else re.escape(alt[0]) for alt in alternatives}
    return "[" + "".join(sorted(firsts)) + "]"


# Lines (quoted or not) that may open a patch, signature, log or Outlook header.
_LINE_START_SCAN = re.compile(
    r"\n[ >\t]*+(?=" + _first_chars(_LINE_OPENERS) + ")(?:" + "|".join(_LINE_OPENERS) + ")"
)

# ------------------------------------------------------------------ footer

FOOTER_RULE_MIN = 20  # underscores in a list footer's rule
_RULE = re.compile(f"_{{{FOOTER_RULE_MIN},}}")
_RULE_START = "\n" + "_" * FOOTER_RULE_MIN
# Words only a list server's footer has (looked for in lower case).
_FOOTER_WORDS = ("mailing list", "/listinfo", "mailman", "unsubscribe", "lists.")
_GOOGLE_GROUPS = "You received this message because you are subscribed to the Google Groups"

# ------------------------------------------------------------------ attributions

# Lines ending in a colon: every "wrote:" and its translations are among them.
_COLON_END_SCAN = re.compile(r":[ \t\r]*(?=\n|\Z)")
# What stands for quoted text cut out: "[...]", "...", "<snip>".
_ELISION = re.compile(r"\s*[\[<(]?\s*(?:\.{2,}|…|snip|snipped|cut)\s*[\]>)]?\s*$", re.IGNORECASE)
# Attribution forms sure enough to stand without the quote they introduced.
_SURE_STYLES = frozenset({attr.STYLE_ON_DATE_WROTE, attr.STYLE_LOCALIZED})


def segment(text: str) -> list[Block]:
    """Cut a body into blocks; their texts joined give the body back exactly."""
    if not text:
        return []
    body = _Body(text)
    body.mark_quotes()
    body.mark_groupwise()
    body.mark_footer()
    body.mark_header_blocks()
    body.mark_unquoted_originals()
    body.mark_patches()
    body.mark_logs()
    body.mark_attributions()
    body.mark_signature()
    return body.blocks()


def is_top_posted(blocks: list[Block]) -> bool:
    """Whether the author wrote above the quote and nothing of their own below it."""
    first_quote = next((i for i, b in enumerate(blocks) if b.kind is QUOTE), None)
    if first_quote is None:
        return False
    above = any(_is_own(b) and b.kind is TEXT for b in blocks[:first_quote])
    below = any(_is_own(b) for b in blocks[first_quote + 1 :])
    return above and not below


def _is_own(block: Block) -> bool:
    return block.kind in _OWN_KINDS and block.depth == 0 and not block.text.isspace()


def _opener_kind(opener: str, line: str) -> BlockKind:
    """What a line found by the line-start scan may open, from what the scan
    matched after the quote marks (the opener) and the line itself."""
    if opener.startswith(_PATCH_OPENERS):
        return PATCH
    if opener.rstrip() == "--":
        return SIGNATURE
    if opener[:1] in "-_" and attr.is_header_separator(attr.unquote(line)):
        return ATTRIBUTION
    return LOG


def _is_blank(line: str) -> bool:
    return not line.strip()


class _Body:
    """A body's lines with the quote depth and kind of each, painted pass by pass.

    A kind of None means "not claimed": text at depth 0, quote deeper.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # With a "\n" in front every line starts right after one, so each scan
        # regex starts with "\n": the engine finds that first character fast.
        self.scan = "\n" + text
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()  # the text ended with "\n": no line after it
        self.lines = lines  # without their "\n" (a "\r" stays)
        self.starts = [0, *map(add, accumulate(map(len, lines)), count(1))]
        self.depths = [0] * len(lines)
        self.kinds: list[BlockKind | None] = [None] * len(lines)
        self.edges = {0, len(lines)}  # lines where kind or depth may change
        self.end = len(lines)  # where the list footer starts
        self.attributions: set[int] = set()  # first lines of attributions
        self.headers: list[tuple[int, int]] = []  # unquoted GroupWise and Outlook attributions
        self.openers: dict[BlockKind, list[int]] = {
            PATCH: [],
            SIGNATURE: [],
            ATTRIBUTION: [],
            LOG: [],
        }
        for match in _LINE_START_SCAN.finditer(self.scan):
            line = self._line_of(match.start() + 1)
            if line < len(lines):
                self.openers[_opener_kind(match.group().lstrip("\n >\t"), lines[line])].append(line)

    # -------------------------------------------------------------- helpers

    def _line_of(self, scan_offset: int) -> int:
        """The line holding this offset of `scan` (offsets of `text` plus one)."""
        return bisect_right(self.starts, scan_offset - 1) - 1

    def paint(self, start: int, stop: int, kind: BlockKind | None, depth: int) -> None:
        self.kinds[start:stop] = [kind] * (stop - start)
        self.depths[start:stop] = [depth] * (stop - start)
        self.edges.update((start, stop))

    def paint_attribution(self, start: int, stop: int, depth: int) -> None:
        """Attributions stay one block each, even next to another of their depth."""
        self.paint(start, stop, ATTRIBUTION, depth)
        self.attributions.add(start)

    def is_own_text(self, line: int) -> bool:
        """Unquoted, unclaimed text: where patches, logs and signatures may be."""
        return line < self.end and self.kinds[line] is None and self.depths[line] == 0

    def content(self, line: int) -> str:
        return attr.unquote(self.lines[line])

    def next_content(self, line: int) -> int:
        """The first line from here whose content (quoted or not) is not blank;
        the footer's start if there is none."""
        while line < self.end and _is_blank(self.content(line)):
            line += 1
        return line

    # -------------------------------------------------------------- passes

    def mark_quotes(self) -> None:
        """Quote depth: the '>' marks a line starts with."""
        text = self.text
        if not (text.startswith((">", " >")) or "\n>" in text or "\n >" in text):
            return
        for run in _QUOTE_RUN.finditer(self.scan):
            first = self._line_of(run.start() + 1)
            last = self._line_of(run.end())
            self.depths[first : last + 1] = [run.group(1).count(">")] * (last + 1 - first)
            self.edges.update((first, last + 1))

    def mark_groupwise(self) -> None:
        """ ">>> Name <addr> 14.11.06 12:50 >>>" is an attribution, not a depth-3 quote."""
        if " >>>" not in self.text:
            return
        for match in attr.GROUPWISE_SCAN.finditer(self.scan):
            line = self._line_of(match.start())
            depth = attr.groupwise_depth(self.lines[line])
            if depth is not None:
                self.paint_attribution(line, line + 1, depth)
                if depth == 0:
                    self.headers.append((line, line + 1))

    def mark_footer(self) -> None:
        """A list footer: a rule and list lines (or Google Groups' "--" notice) at the end."""
        last = len(self.lines) - 1
        while last >= 0 and _is_blank(self.lines[last]):
            last -= 1
        lowest = max(last - FOOTER_MAX_LINES, 0)
        floor = self.starts[lowest]  # in `scan`, the "\n" before line `lowest`
        candidates = [self._line_of(offset + 1) for offset in self._rfind_all(_RULE_START, floor)]
        google = self.scan.rfind("\n" + _GOOGLE_GROUPS, floor)
        if google >= 0:
            candidates.append(self._line_of(google + 1) - 1)
        # The topmost one: crossposted messages carry two footers.
        found = [line for line in candidates if line >= lowest and self._opens_footer(line, last)]
        if found:
            start = min(found)
            self.paint(start, len(self.lines), FOOTER, 0)
            self.end = start

    def _rfind_all(self, needle: str, floor: int) -> list[int]:
        """Offsets in `scan` of a needle, from the end down to offset `floor`
        (the search never reads the text above it)."""
        found = []
        offset = self.scan.rfind(needle, floor)
        while offset >= 0:
            found.append(offset)
            offset = self.scan.rfind(needle, floor, offset)
        return found

    def _opens_footer(self, line: int, last: int) -> bool:
        if line < 0 or any(self.depths[line : last + 1]):
            return False  # a footer is unquoted through and through
        first = self.lines[line].strip()
        if first == "--":
            return line < last and self.lines[line + 1].startswith(_GOOGLE_GROUPS)
        if not _RULE.fullmatch(first) or attr.header_block_length(self.lines[line : line + 2]):
            return False  # no rule, or Outlook's "____\nFrom:" header
        tail = "\n".join(self.lines[line + 1 : last + 1]).lower()
        return any(word in tail for word in _FOOTER_WORDS)

    def mark_header_blocks(self) -> None:
        """Outlook's "-----Original Message-----" and the From:/Sent: fields under it."""
        for line in self.openers[ATTRIBUTION]:
            if line >= self.end or self.kinds[line] is not None:
                continue
            depth = self.depths[line]
            window = []
            for below in range(line, min(line + attr.MAX_HEADER_LINES, self.end)):
                if self.depths[below] != depth:
                    break
                window.append(self.content(below))
            length = attr.header_block_length(window)
            if length:
                self.paint_attribution(line, line + length, depth)
                if depth == 0:
                    self.headers.append((line, line + length))

    def mark_unquoted_originals(self) -> None:
        """Quote what GroupWise and Outlook top-posters paste unquoted under a header.

        An unquoted header followed by unquoted text (not by a quote) heads
        the original message: everything below it, down to the footer, goes
        one level deeper, and one more under each such header of an unquoted
        Outlook chain. A quoted header is left as it is: what follows it may
        be the quote it introduces or an original pasted unquoted, and nothing
        tells which.
        """
        heads = sorted(stop for _, stop in self.headers if self._heads_unquoted_text(stop))
        shift = 0
        for line in range(heads[0] if heads else self.end, self.end):
            while shift < len(heads) and heads[shift] <= line:
                shift += 1
            if not _is_blank(self.lines[line]):  # blank lines join the block above anyway
                self.depths[line] += shift
                self.edges.update((line, line + 1))

    def _heads_unquoted_text(self, line: int) -> bool:
        below = self.next_content(line)
        return below < self.end and self.depths[below] == 0 and self.kinds[below] is None

    def mark_patches(self) -> None:
        """Inline unified diffs in the author's own text."""
        covered = 0
        for line in self.openers[PATCH]:
            if line < covered or not self.is_own_text(line):
                continue
            covered, is_patch = self._diff_run(line)
            if is_patch:
                self.paint(line, covered, PATCH, 0)

    def _diff_run(self, line: int) -> tuple[int, bool]:
        """Where the run of diff lines from here ends, and whether it is a patch.

        A run that is none holds no patch further down either (it has no hunk),
        so the caller can skip it whole.
        """
        offset = self.starts[line]
        bare = self.lines[line].startswith("--- ")
        if bare and not _UNIFIED_HEAD.match(self.text, offset):
            return line + 1, False
        end = _PATCH_RUN.match(self.text, offset).end()
        stop = max(min(bisect_left(self.starts, end), self.end), line + 1)
        return stop, bare or _PATCH_CONFIRM.search(self.text, offset, end) is not None

    def mark_logs(self) -> None:
        """Console logs, oopses and tracebacks in the author's own text."""
        covered = 0
        for line in self.openers[LOG]:
            if line < covered or not self.is_own_text(line):
                continue
            covered = self._log_end(line)
            self.paint(line, covered, LOG, 0)

    def _log_end(self, line: int) -> int:
        """The line after the log that starts here.

        A log goes on over lines only a log has, over the lines a mail client
        wrapped off its long lines, and over blank lines when a log line follows.
        """
        end = line + 1
        while self.is_own_text(end):
            text = self.lines[end]
            if _is_blank(text):
                after = self.next_content(end)
                if not (self.is_own_text(after) and _LOG_START.match(self.lines[after])):
                    break
                end = after + 1
            elif self._is_log_line(end) or self.lines[end - 1].rstrip("\r").endswith(WRAP_MARKS):
                end += 1
            else:
                resumed = self._after_wrapped(end)
                if resumed is None:
                    break
                end = resumed
        return end

    def _is_log_line(self, line: int) -> bool:
        text = self.lines[line]
        return _LOG_START.match(text) is not None or _LOG_MORE.match(text) is not None

    def _after_wrapped(self, line: int) -> int | None:
        """Where the log resumes after a few lines (no blank one) that a mail
        client wrapped off the log lines above; None if it does not."""
        for below in range(line, line + WRAP_MAX_LINES + 1):
            if not self.is_own_text(below) or _is_blank(self.lines[below]):
                return None
            if self._is_log_line(below):
                return below
        return None

    def mark_attributions(self) -> None:
        """ "On ... wrote:" and its kin, where they introduce a quote."""
        for match in _COLON_END_SCAN.finditer(self.scan):
            line = self._line_of(match.start())
            if (
                line >= self.end
                or self.kinds[line] is not None
                or not attr.may_end_attribution(self.lines[line])
            ):
                continue
            found = self._attribution_span(line)
            if found and self._introduces_quote(*found):
                start, stop, _ = found
                self.paint_attribution(start, stop, self.depths[line])

    def _attribution_span(self, line: int) -> tuple[int, int, str] | None:
        """The lines and style of the attribution that ends on this line, if it
        is one: this line, or with the line above when a client wrapped it."""
        text = self.content(line).strip()
        above = line - 1
        if above >= 0 and self.depths[above] == self.depths[line] and self.kinds[above] is None:
            first = self.content(above).strip()
            style = attr.is_wrapped_start(first) and attr.attribution_style(first + " " + text)
            if style:
                return above, line + 1, style
        style = attr.attribution_style(text)
        return (line, line + 1, style) if style else None

    def _introduces_quote(self, start: int, stop: int, style: str) -> bool:
        """Whether an attribution line is one, not prose that says "wrote:".

        It is when a deeper quote follows (after a blank line or two, or an
        elision mark), or nothing but the footer does. Inside a quote, the
        quote it introduced may have been trimmed away: there a sure form ("On
        <date>, <name> wrote:", a name with an address) is enough, or a line
        that is a paragraph of its own.
        """
        depth = self.depths[start]
        below = self._after_gap(stop)
        if below is None:
            return False
        if below >= self.end or self.depths[below] > depth:
            return True
        if depth == 0:
            return False
        sure = style in _SURE_STYLES or "@" in self.lines[start] or "@" in self.lines[stop - 1]
        return sure or (
            self._ends_paragraph(start - 1, depth) and self._ends_paragraph(stop, depth)
        )

    def _after_gap(self, line: int) -> int | None:
        """The first line from here that is neither blank nor an elision mark
        ("[...]"); None if more than ATTRIBUTION_MAX_BLANKS of those come first."""
        for _ in range(ATTRIBUTION_MAX_BLANKS + 1):
            if line >= self.end or not (
                _is_blank(self.lines[line]) or _ELISION.match(self.content(line))
            ):
                return line
            line += 1
        return None

    def _ends_paragraph(self, line: int, depth: int) -> bool:
        """Whether this line (next to a quoted one of this depth) breaks its paragraph."""
        return (
            not 0 <= line < self.end or self.depths[line] != depth or _is_blank(self.content(line))
        )

    def mark_signature(self) -> None:
        """From the last unquoted "-- " down to the footer, a quote or the end.

        The broken form "--" (its space eaten) also opens a signature, but
        only a short one: "--" is also a separator in prose and robot reports.
        """
        for start in reversed(self.openers[SIGNATURE]):
            if not self.is_own_text(start):
                continue
            proper = self.lines[start].startswith("-- ")
            stop = self._own_text_end(
                start, None if proper else start + BROKEN_SIGNATURE_MAX_LINES + 1
            )
            if proper or stop - start <= BROKEN_SIGNATURE_MAX_LINES:
                self.paint(start, stop, SIGNATURE, 0)
                return

    def _own_text_end(self, line: int, limit: int | None) -> int:
        """The end of the run of own text from here, looking no further than limit."""
        stop = min(self.end, limit) if limit is not None else self.end
        while line < stop and self.is_own_text(line):
            line += 1
        return line

    # -------------------------------------------------------------- result

    def blocks(self) -> list[Block]:
        """Cut at the painted edges; blank lines join the block above."""
        spans: list[list] = []  # [kind, depth, first line, line after]
        for start, stop in pairwise(sorted(self.edges)):
            depth = self.depths[start]
            kind = self.kinds[start] or (QUOTE if depth else TEXT)
            if kind is TEXT and depth == 0:
                start = self._give_blanks_above(spans, start, stop)
                if start == stop:
                    continue
            if (
                spans
                and spans[-1][0] is kind
                and spans[-1][1] == depth
                and start not in self.attributions
            ):
                spans[-1][3] = stop
            else:
                spans.append([kind, depth, start if spans else 0, stop])
        if not spans:  # nothing but blank lines
            return [Block(TEXT, 0, self.text)]
        text, starts = self.text, self.starts
        return [Block(kind, depth, text[starts[a] : starts[b]]) for kind, depth, a, b in spans]

    def _give_blanks_above(self, spans: list[list], start: int, stop: int) -> int:
        """Hand the blank lines that open a text run to the block above it and
        return where the text run now starts. At the top there is no block
        above: an all-blank run then waits for the next block, which will
        start at line 0."""
        first = start
        while first < stop and _is_blank(self.lines[first]):
            first += 1
        if spans:
            spans[-1][3] = first
            return first
        return stop if first == stop else start
