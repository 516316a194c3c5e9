"""How well does threading recover reply structure when clients drop headers?

    .venv/bin/python bench/thread_fidelity.py CORPUS [--seed N]

Takes a real archive, uses its own References/In-Reply-To as ground truth,
removes those headers from all messages (and, in a second run, from a random
30%), imports the result with listkeeper and prints the share of parent links
recovered, next to two subject-only baselines (parent = first message of the
subject, as JWZ's subject grouping does; parent = previous message of the
subject). A first run with headers intact must agree 100%.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from listkeeper.ingest import Tally, import_mails, repair_threads
from listkeeper.mail.parse import parse_message
from listkeeper.mail.subject import subject_key
from listkeeper.sources.detect import open_source
from listkeeper.sources.raw import RawMail
from listkeeper.store.db import open_engine
from listkeeper.store.schema import thread_nodes
from listkeeper.threader import header_links

THREADING_HEADER = re.compile(rb"^(references|in-reply-to):", re.IGNORECASE)
PARTIAL_SHARE = 0.3
LIST = "bench"
ARRIVAL = datetime(2000, 1, 1, tzinfo=timezone.utc)


def strip_threading_headers(raw: bytes) -> bytes:
    """The message without References/In-Reply-To (continuation lines too)."""
    head, sep, body = raw.partition(b"\n\n")
    kept: list[bytes] = []
    dropping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and dropping:
            continue
        dropping = bool(THREADING_HEADER.match(line))
        if not dropping:
            kept.append(line)
    return b"\n".join(kept) + sep + body


def ground_truth(mails: list[RawMail]) -> tuple[dict[str, str], list[tuple[str, str, datetime]]]:
    """Header parents (only those archived in the corpus) and (id, subject, date)."""
    parents: dict[str, str] = {}
    seen: list[tuple[str, str, datetime]] = []
    for mail in mails:
        parsed = parse_message(mail.data, mail.envelope, ARRIVAL)
        links = header_links(parsed.message_id, parsed.references, parsed.in_reply_to)
        seen.append((parsed.message_id, parsed.subject, parsed.date))
        if links.parent:
            parents[parsed.message_id] = links.parent
    archived = {mid for mid, _, _ in seen}
    return {m: p for m, p in parents.items() if p in archived}, seen


def subject_baselines(truth: dict[str, str], seen: list[tuple[str, str, datetime]]) -> tuple[float, float]:
    first: dict[str, str] = {}
    previous: dict[str, str] = {}
    as_root = as_previous = 0
    for mid, subject, _ in sorted(seen, key=lambda s: (s[2], s[0])):
        key = subject_key(subject)
        if mid in truth:
            as_root += first.get(key) == truth[mid]
            as_previous += previous.get(key) == truth[mid]
        first.setdefault(key, mid)
        previous[key] = mid
    return as_root / len(truth), as_previous / len(truth)


def listkeeper_parents(mails: list[RawMail], workdir: Path, name: str) -> tuple[dict[str, str | None], float]:
    engine = open_engine(str(workdir / f"{name}.sqlite3"))
    started = time.monotonic()
    tally = Tally()
    import_mails(engine, iter(mails), LIST, LIST, tally)
    repair_threads(engine, tally.lists_touched)
    seconds = time.monotonic() - started
    with engine.connect() as conn:
        rows = conn.execute(select(thread_nodes.c.message_id, thread_nodes.c.parent, thread_nodes.c.parent_found_by))
        found = {r.message_id: (r.parent, r.parent_found_by) for r in rows}
    engine.dispose()
    return found, seconds


def score(truth: dict[str, str], found: dict, only: set[str] | None = None) -> tuple[float, Counter]:
    wanted = [m for m in truth if only is None or m in only]
    right = sum(found.get(m, (None, None))[0] == truth[m] for m in wanted)
    how = Counter(found.get(m, (None, None))[1] for m in wanted if found.get(m, (None, None))[0] == truth[m])
    return right / len(wanted), how


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    mails = list(open_source(args.corpus))
    truth, seen = ground_truth(mails)
    as_root, as_previous = subject_baselines(truth, seen)
    print(f"{args.corpus.name}: {len(mails)} messages, {len(truth)} parent links in headers")
    print(f"subject-only baseline, parent = first of subject:    {as_root:6.1%}")
    print(f"subject-only baseline, parent = previous of subject: {as_previous:6.1%}")
    rng = random.Random(args.seed)
    stripped_ids: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        found, seconds = listkeeper_parents(mails, workdir, "intact")
        share, _ = score(truth, found)
        print(f"listkeeper, headers intact:            {share:6.1%}  ({seconds:.1f} s)")
        bare = [RawMail(strip_threading_headers(m.data), m.envelope, m.origin) for m in mails]
        found, seconds = listkeeper_parents(bare, workdir, "none")
        share, how = score(truth, found)
        print(f"listkeeper, all headers removed:       {share:6.1%}  ({seconds:.1f} s) found by {dict(how)}")
        partial = []
        for mail, (mid, _, _) in zip(mails, seen):
            if rng.random() < PARTIAL_SHARE:
                stripped_ids.add(mid)
                partial.append(RawMail(strip_threading_headers(mail.data), mail.envelope, mail.origin))
            else:
                partial.append(mail)
        found, seconds = listkeeper_parents(partial, workdir, "partial")
        share, _ = score(truth, found)
        stripped_share, how = score(truth, found, stripped_ids)
        print(
            f"listkeeper, 30% of headers removed:    {share:6.1%} overall, "
            f"{stripped_share:6.1%} of the stripped ({seconds:.1f} s) found by {dict(how)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
