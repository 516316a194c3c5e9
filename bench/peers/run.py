"""listkeeper side by side with public-inbox, notmuch, mhonarc (and mu) on one mbox.

    .venv/bin/python bench/peers/run.py [MBOX] [--limit N] [--runs N]
                                        [--tools listkeeper,public-inbox,...]
                                        [--timeout S] [--scratch DIR] [--keep]

Takes the first --limit messages of MBOX (default: the virtualization list's
2019 archive, 2000 messages), then for each tool imports and indexes them as a
whole process into a fresh store, timing wall seconds, the peak RSS of the
largest process (wait4's ru_maxrss, like GNU time's %M) and of the whole
process tree (sampled every 0.1 s), and the disk used by the result. Tools
that can search then run the same ~10 queries (translated to each tool's
syntax), each as a whole command-line process, once untimed and --runs times
timed, giving p50/p99 over all timed runs. Prints one Markdown table with
listkeeper/peer ratios. Install the peers first with bench/peers/install.sh.

Every step has a --timeout (default 300 s); a step that runs over is killed
(its whole process group) and reported as TIMEOUT. Only the standard library
is used, so any python3 ≥ 3.11 runs this; listkeeper is run from .venv.
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_MBOX = ROOT.parent / "shared/corpus/virtualization-list-2019/virtualization-2019.mbox.gz"
LISTKEEPER = ROOT / ".venv" / "bin" / "listkeeper"
TOOLS = ["listkeeper", "public-inbox", "notmuch", "mhonarc", "mu"]
INBOX = "bench"
HITS = 20  # results asked of every tool per query
PAGE = os.sysconf("SC_PAGE_SIZE")

# The same questions in each tool's language (None: the tool cannot ask it).
# listkeeper's bare words search subjects and the author's own (unquoted) text;
# the others' bare words search everything, quotes included, so counts differ.
# public-inbox, notmuch and mu stem English words; listkeeper does not.
QUERIES: list[dict[str, str | None]] = [
    {
        "listkeeper": "virtqueue",
        "public-inbox": "virtqueue",
        "notmuch": "virtqueue",
        "mu": "virtqueue",
    },
    {
        "listkeeper": "virtio balloon",
        "public-inbox": "virtio balloon",
        "notmuch": "virtio and balloon",
        "mu": "virtio and balloon",
    },
    {
        "listkeeper": "s:vhost",
        "public-inbox": "s:vhost",
        "notmuch": "subject:vhost",
        "mu": "subject:vhost",
    },
    {
        "listkeeper": "f:mst@redhat.com",
        "public-inbox": "f:mst@redhat.com",
        "notmuch": "from:mst@redhat.com",
        "mu": "from:mst@redhat.com",
    },
    {
        "listkeeper": 'f:"Jason Wang"',
        "public-inbox": 'f:"Jason Wang"',
        "notmuch": 'from:"Jason Wang"',
        "mu": "from:jasowang",
    },
    {
        "listkeeper": '"use after free"',
        "public-inbox": '"use after free"',
        "notmuch": '"use after free"',
        "mu": '"use after free"',
    },
    {
        "listkeeper": '"live migration"',
        "public-inbox": '"live migration"',
        "notmuch": '"live migration"',
        "mu": '"live migration"',
    },
    {
        "listkeeper": "d:2019-07-01..2019-07-31 virtio",
        "public-inbox": "d:2019-07-01..2019-07-31 virtio",
        "notmuch": "date:2019-07-01..2019-07-31 and virtio",
        "mu": "date:20190701..20190731 and virtio",
    },
    {
        "listkeeper": "vhost OR vdpa",
        "public-inbox": "vhost OR vdpa",
        "notmuch": "vhost or vdpa",
        "mu": "vhost or vdpa",
    },
    {
        "listkeeper": "virtio -s:net",
        "public-inbox": "virtio -s:net",
        "notmuch": "virtio and not subject:net",
        "mu": "virtio and not subject:net",
    },
    {"listkeeper": "virtq*", "public-inbox": "virtq*", "notmuch": "virtq*", "mu": "virtq*"},
    {
        "listkeeper": "vring_interrupt",
        "public-inbox": "vring_interrupt",
        "notmuch": "vring_interrupt",
        "mu": "vring_interrupt",
    },
]


@dataclass
class Measured:
    seconds: float
    max_rss: int  # bytes, largest single process (ru_maxrss)
    tree_rss: int  # bytes, largest sampled sum over the process group
    returncode: int
    timed_out: bool = False


@dataclass
class Row:
    tool: str
    step: str
    messages: int
    stored: int | None = None
    run: Measured | None = None
    disk: int | None = None
    search: list[float] = field(default_factory=list)
    search_hits: list[int | None] = field(default_factory=list)
    per_query: list[list[float]] = field(default_factory=list)  # timed runs of each query
    note: str = ""
    failed: str = ""
    env: dict[str, str] | None = None  # environment of the tool's commands
    kind: str = "import"  # or "in-process": search timed inside one process


def session_rss(sid: int) -> int:
    """Resident bytes of every process in session sid (one /proc scan)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            total += int(fields[21]) * PAGE
    return total


def measure(
    cmd: list[str],
    *,
    env: dict[str, str],
    log: Path,
    timeout: float,
    stdin: Path | None = None,
    stdout: Path | None = None,
    sample: bool = True,
) -> Measured:
    """Run cmd as a whole process in its own session; wall time and peak RSS."""
    with (
        open(log, "ab") as err,
        open(stdout or log, "ab") as out,
        open(stdin or os.devnull, "rb") as inp,
    ):
        err.write(f"### {' '.join(cmd)}\n".encode())
        err.flush()
        started = time.monotonic()
        proc = subprocess.Popen(
            cmd, stdin=inp, stdout=out, stderr=err, env=env, start_new_session=True
        )
        tree = 0
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if sample:
                tree = max(tree, session_rss(proc.pid))
            if time.monotonic() - started > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.1 if sample else 0.002)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        try:  # nothing of this step may outlive it (daemons that setsid escape this)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return Measured(
        seconds,
        usage.ru_maxrss * 1024,
        max(tree, usage.ru_maxrss * 1024),
        proc.returncode,
        timed_out,
    )


def disk_used(*paths: Path) -> int:
    """Allocated bytes (like du) of files and directory trees."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_blocks * 512
            continue
        for dirpath, _, files in os.walk(path):
            for name in files:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
    return total


def open_any(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".xz":
        return lzma.open(path, "rb")
    return open(path, "rb")


def first_messages(source: Path, limit: int, target: Path) -> tuple[int, int]:
    """Copy the first `limit` messages of an mbox; (messages, bytes)."""
    count = 0
    blank = True
    with open_any(source) as src, open(target, "wb") as out:
        for line in src:
            if blank and line.startswith(b"From "):
                count += 1
                if count > limit:
                    count = limit
                    break
            out.write(line)
            blank = line in (b"\n", b"\r\n")
    return count, target.stat().st_size


def mbox_to_maildir(mbox: Path, maildir: Path) -> int:
    """One file per message in maildir/cur, the From_ line dropped, >From un-escaped (mboxrd)."""
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    count = 0
    lines: list[bytes] = []

    def flush() -> None:
        nonlocal count
        if not lines:
            return
        if lines[-1] in (b"\n", b"\r\n"):
            lines.pop()  # the separator blank line belongs to the mbox, not the message
        (maildir / "cur" / f"{1_500_000_000 + count}.M{count}.bench:2,S").write_bytes(
            b"".join(lines)
        )
        lines.clear()
        count += 1

    blank = True
    with open(mbox, "rb") as src:
        for line in src:
            if blank and line.startswith(b"From "):
                flush()
                blank = False
                continue
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]
            lines.append(line)
            blank = line in (b"\n", b"\r\n")
    flush()
    return count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Bench:
    def __init__(self, args: argparse.Namespace, scratch: Path, mbox: Path, messages: int) -> None:
        self.args = args
        self.scratch = scratch
        self.mbox = mbox
        self.messages = messages
        self.logs = scratch / "logs"
        self.logs.mkdir(exist_ok=True)
        home = scratch / "home"
        self.env = dict(
            os.environ,
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local/share"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_RUNTIME_DIR=str(home / "run"),
            LC_ALL="C.UTF-8",
            GIT_AUTHOR_NAME="bench",
            GIT_AUTHOR_EMAIL="bench@bench.invalid",
            GIT_COMMITTER_NAME="bench",
            GIT_COMMITTER_EMAIL="bench@bench.invalid",
        )
        for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
            Path(self.env[key]).mkdir(parents=True, exist_ok=True, mode=0o700)
        self.rows: list[Row] = []

    # ---------------------------------------------------------------- helpers
    def step(self, row: Row, cmd: list[str], **kwargs) -> bool:
        env = kwargs.pop("env", self.env)
        run = measure(
            cmd, env=env, log=self.logs / f"{row.tool}.log", timeout=self.args.timeout, **kwargs
        )
        row.run = run
        if run.timed_out:
            row.failed = f"TIMEOUT after {self.args.timeout:.0f} s"
        elif run.returncode != 0:
            row.failed = f"exit {run.returncode}: {self.log_tail(row.tool)}"
        return not row.failed

    def log_tail(self, tool: str) -> str:
        lines = (self.logs / f"{tool}.log").read_text(errors="replace").strip().splitlines()
        return lines[-1][:160] if lines else ""

    def quick(self, cmd: list[str], env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            cmd,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=self.args.timeout,
            check=True,
        )
        return done.stdout

    def search(
        self, row: Row, commands: list[list[str] | None], hits: callable, ok: tuple[int, ...] = (0,)
    ) -> None:
        """Each query: one untimed run (hits), then --runs timed whole-process runs."""
        env = row.env or self.env
        for cmd in commands:
            row.per_query.append([])
            if cmd is None:
                row.search_hits.append(None)
                continue
            out = self.scratch / "search.out"
            out.unlink(missing_ok=True)
            first = measure(
                cmd,
                env=env,
                log=self.logs / f"{row.tool}.log",
                stdout=out,
                timeout=self.args.timeout,
                sample=False,
            )
            if first.returncode not in ok or first.timed_out:
                row.search_hits.append(None)
                row.note += f" query {cmd[-1]!r} failed ({self.log_tail(row.tool)});"
                continue
            row.search_hits.append(hits(cmd, out.read_bytes()))
            for _ in range(self.args.runs):
                timed = measure(
                    cmd,
                    env=env,
                    log=self.logs / f"{row.tool}.log",
                    stdout=os.devnull,
                    timeout=self.args.timeout,
                    sample=False,
                )
                row.search.append(timed.seconds)
                row.per_query[-1].append(timed.seconds)

    # ---------------------------------------------------------------- tools
    def listkeeper(self) -> None:
        row = Row("listkeeper", "import --json (parse, thread, store, FTS5), SQLite", self.messages)
        self.rows.append(row)
        if not LISTKEEPER.exists():
            row.failed = f"{LISTKEEPER} missing (scripts/demo installs .venv)"
            return
        db = self.scratch / "listkeeper" / "archive.sqlite3"
        db.parent.mkdir()
        tally_file = self.scratch / "listkeeper" / "tally.json"
        if not self.step(
            row,
            [str(LISTKEEPER), "--db", str(db), "import", "--json", str(self.mbox)],
            stdout=tally_file,
        ):
            return
        tally = json.loads(tally_file.read_text())
        row.stored = tally.get("imported")
        row.note = f"duplicates {tally.get('duplicates')}, quarantined {tally.get('quarantined')}"
        row.disk = disk_used(*db.parent.glob("archive.sqlite3*"))

        def hits(cmd: list[str], out: bytes) -> int | None:
            found = json.loads(out)
            return found.get("total") if isinstance(found, dict) else len(found)

        self.search(
            row,
            [
                [
                    str(LISTKEEPER),
                    "--db",
                    str(db),
                    "search",
                    "--json",
                    "--limit",
                    str(HITS),
                    q["listkeeper"],
                ]
                for q in QUERIES
            ],
            hits,
        )
        self.in_process(
            "listkeeper",
            "search in one process (listkeeper.search.run.search)",
            [
                str(LISTKEEPER.parent / "python"),
                str(HERE / "lk_search_inprocess.py"),
                str(db),
                str(self.args.runs),
            ]
            + [q["listkeeper"] for q in QUERIES],
            self.env,
        )

    def public_inbox(self) -> None:
        row = Row(
            "public-inbox", "v2 import_mbox (git + over.sqlite3 + Xapian, one pass)", self.messages
        )
        self.rows.append(row)
        if not shutil.which("public-inbox-init"):
            row.failed = "not installed (bench/peers/install.sh)"
            return
        base = self.scratch / "public-inbox"
        base.mkdir()
        env = dict(self.env, PI_CONFIG=str(base / "config"))
        row.env = env
        inbox = base / "inbox"
        try:
            self.quick(
                [
                    "public-inbox-init",
                    "-V2",
                    "-L",
                    "full",
                    INBOX,
                    str(inbox),
                    "http://127.0.0.1/bench",
                    "bench@bench.invalid",
                ],
                env,
            )
        except subprocess.CalledProcessError as failure:
            row.failed = f"public-inbox-init: {failure.stderr.strip()[:160]}"
            return
        if not self.step(
            row, ["perl", str(HERE / "pi_import.pl"), INBOX, "mboxrd"], env=env, stdin=self.mbox
        ):
            return
        with sqlite3.connect(inbox / "msgmap.sqlite3") as conn:
            row.stored = conn.execute("SELECT count(*) FROM msgmap").fetchone()[0]
        row.disk = disk_used(inbox)
        row.note = "dedup by content"

        reindex = Row(
            "public-inbox", "public-inbox-index --reindex (index only, from git)", row.stored or 0
        )
        self.rows.append(reindex)
        self.step(reindex, ["public-inbox-index", "--reindex", str(inbox)], env=env)

        def hits(cmd: list[str], out: bytes) -> int:
            return int(self.quick(["perl", str(HERE / "pi_search.pl"), "--count"] + cmd[2:], env))

        self.search(
            row,
            [
                ["perl", str(HERE / "pi_search.pl"), INBOX, str(HITS), q["public-inbox"]]
                for q in QUERIES
            ],
            hits,
        )
        self.in_process(
            "public-inbox",
            "search in one process (PublicInbox::Search mset + over.sqlite3)",
            ["perl", str(HERE / "pi_search.pl"), f"--repeat={self.args.runs}", INBOX, str(HITS)]
            + [q["public-inbox"] for q in QUERIES],
            env,
        )

    def in_process(self, tool: str, step: str, cmd: list[str], env: dict[str, str]) -> None:
        """A row of search timings measured inside one long-lived process."""
        row = Row(tool, step, 0, kind="in-process")
        self.rows.append(row)
        try:
            out = self.quick(cmd, env)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failure:
            row.failed = f"{' '.join(cmd[:2])}: {str(getattr(failure, 'stderr', '') or failure).strip()[:160]}"
            return
        row.search = [float(line) for line in out.split()]
        runs = self.args.runs
        row.per_query = [row.search[i : i + runs] for i in range(0, len(row.search), runs)]

    def maildir(self) -> tuple[Path, float]:
        target = self.scratch / "maildir"
        if not target.exists():
            started = time.monotonic()
            mbox_to_maildir(self.mbox, target)
            self.split_seconds = time.monotonic() - started
        return target, self.split_seconds

    def notmuch(self) -> None:
        row = Row(
            "notmuch", "notmuch new (Xapian) over a Maildir split from the mbox", self.messages
        )
        self.rows.append(row)
        if not shutil.which("notmuch"):
            row.failed = "not installed (bench/peers/install.sh)"
            return
        maildir, split = self.maildir()
        base = self.scratch / "notmuch"
        (base / "db").mkdir(parents=True)
        config = base / "config"
        config.write_text(
            f"[database]\nmail_root={maildir}\npath={base / 'db'}\n"
            "[user]\nname=Bench\nprimary_email=bench@bench.invalid\n"
            "[new]\ntags=inbox;\nignore=\n[search]\nexclude_tags=\n"
            "[maildir]\nsynchronize_flags=false\n"
        )
        env = dict(self.env, NOTMUCH_CONFIG=str(config))
        row.env = env
        if not self.step(row, ["notmuch", "new", "--quiet"], env=env):
            return
        row.stored = int(self.quick(["notmuch", "count", "*"], env))
        threads = int(self.quick(["notmuch", "count", "--output=threads", "*"], env))
        row.disk = disk_used(base / "db", maildir)
        row.note = (
            f"dedup by Message-ID, {threads} threads; disk = index "
            f"{disk_used(base / 'db') / 2**20:.0f} MiB + Maildir {disk_used(maildir) / 2**20:.0f} MiB; "
            f"mbox split {split:.1f} s not counted"
        )

        def hits(cmd: list[str], out: bytes) -> int:
            return int(self.quick(["notmuch", "count", cmd[-1]], env))

        self.search(
            row,
            [
                ["notmuch", "search", "--format=json", f"--limit={HITS}", q["notmuch"]]
                for q in QUERIES
            ],
            hits,
        )

    def mu(self) -> None:
        row = Row("mu", "mu index (Xapian) over the same Maildir", self.messages)
        self.rows.append(row)
        if not shutil.which("mu"):
            row.failed = "not installed (apt-get install maildir-utils)"
            return
        maildir, _ = self.maildir()
        home = self.scratch / "mu"
        row.env = self.env
        try:
            self.quick(["mu", "init", f"--muhome={home}", f"--maildir={maildir}"])
        except subprocess.CalledProcessError as failure:
            row.failed = f"mu init: {failure.stderr.strip()[:160]}"
            return
        if not self.step(row, ["mu", "index", "--quiet", f"--muhome={home}"]):
            return
        row.disk = disk_used(home, maildir)
        row.note = (
            f"one document per file; disk = index {disk_used(home) / 2**20:.0f} MiB + Maildir; "
            f"no stemming"
        )
        count_cmd = ["mu", "find", f"--muhome={home}", "--fields=i"]
        info = self.quick(["mu", "info", f"--muhome={home}"])
        for line in info.splitlines():
            if "messages in store" in line:
                row.stored = int(line.split("|")[2].strip())

        def hits(cmd: list[str], out: bytes) -> int:
            done = subprocess.run(
                count_cmd + [cmd[-1]], env=self.env, capture_output=True, check=False
            )
            return len(done.stdout.splitlines())

        self.search(
            row,
            [["mu", "find", f"--muhome={home}", f"--maxnum={HITS}", q["mu"]] for q in QUERIES],
            hits,
            ok=(0, 4),
        )  # 4: no matches

    def mhonarc(self) -> None:
        row = Row("mhonarc", "mbox -> HTML pages + thread index (no search)", self.messages)
        self.rows.append(row)
        if not shutil.which("mhonarc"):
            row.failed = "not installed (bench/peers/install.sh)"
            return
        out = self.scratch / "mhonarc"
        out.mkdir()
        if not self.step(row, ["mhonarc", "-quiet", "-outdir", str(out), str(self.mbox)]):
            return
        row.stored = len(list(out.glob("msg*.html")))
        row.disk = disk_used(out)
        row.note = "dedup by Message-ID; no search"


# -------------------------------------------------------------------- report
def mib(value: int | None) -> str:
    return "–" if value is None else f"{value / 2**20:.0f}"


def ratio(mine: float | None, theirs: float | None) -> str:
    if not mine or not theirs:
        return "–"
    return f"{mine / theirs:.2f}"


def table(rows: list[Row]) -> str:
    head = (
        "| tool / step | messages in / stored | seconds | msg/s | peak RSS MiB (largest / tree) "
        "| disk MiB | search p50 / p99 ms | listkeeper/peer: time · RSS · disk · p50 | notes |"
    )
    lines = [head, "|" + "|".join(["---"] * 9) + "|"]
    reference = {
        kind: next(
            (r for r in rows if r.tool == "listkeeper" and r.kind == kind and not r.failed), None
        )
        for kind in ("import", "in-process")
    }

    def p50(row: Row) -> float | None:
        return percentile(row.search, 0.5) if row.search else None

    for row in rows:
        name = f"**{row.tool}** {row.step}"
        mine = reference[row.kind]
        if row.kind == "in-process" and not row.failed:
            search = f"{p50(row) * 1000:.1f} / {percentile(row.search, 0.99) * 1000:.1f}"
            ratios = (
                "(reference)"
                if row is mine
                else f"– · – · – · {ratio(p50(mine) if mine else None, p50(row))}"
            )
            lines.append(f"| {name} | | | | | | {search} | {ratios} | {row.note.strip()} |")
            continue
        if row.failed:
            lines.append(f"| {name} | {row.messages} | FAILED | | | | | | {row.failed} |")
            continue
        run = row.run
        rate = f"{row.messages / run.seconds:.0f}" if run.seconds else "–"
        search = "–"
        if row.search:
            search = f"{p50(row) * 1000:.0f} / {percentile(row.search, 0.99) * 1000:.0f}"
        ratios = "(reference)" if row is mine else "–"
        if mine and row is not mine:
            ratios = " · ".join(
                [
                    ratio(mine.run.seconds, run.seconds),
                    ratio(mine.run.max_rss, run.max_rss),
                    ratio(mine.disk, row.disk),
                    ratio(p50(mine), p50(row)),
                ]
            )
        stored = "" if row.stored is None else f" / {row.stored}"
        lines.append(
            f"| {name} | {row.messages}{stored} | {run.seconds:.1f} | {rate} | "
            f"{mib(run.max_rss)} / {mib(run.tree_rss)} | {mib(row.disk)} | {search} | {ratios} | "
            f"{row.note.strip()} |"
        )
    return "\n".join(lines)


def query_table(rows: list[Row]) -> str:
    """Hits and median milliseconds of every query, per tool."""
    searching = [r for r in rows if r.per_query and not r.failed]
    if not searching:
        return ""
    names = [
        f"{r.tool} {'in-process ms' if r.kind == 'in-process' else 'hits · CLI ms'}"
        for r in searching
    ]
    lines = [
        "| query (listkeeper syntax) | " + " | ".join(names) + " |",
        "|" + "---|" * (len(searching) + 1),
    ]
    for index, query in enumerate(QUERIES):
        cells = []
        for row in searching:
            runs = row.per_query[index] if index < len(row.per_query) else []
            ms = f"{statistics.median(runs) * 1000:.0f}" if runs else "–"
            if row.kind == "in-process":
                cells.append(f"{statistics.median(runs) * 1000:.1f}" if runs else "–")
                continue
            hits = row.search_hits[index] if index < len(row.search_hits) else None
            cells.append(f"{'–' if hits is None else hits} · {ms}")
        lines.append(f"| `{query['listkeeper']}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def versions() -> str:
    packages = ["public-inbox", "notmuch", "mhonarc", "maildir-utils", "libxapian30"]
    try:
        listed = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *packages],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except OSError:
        return "?"
    return ", ".join(listed.split("\n")).strip(", ")


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PHYS_PAGES") * PAGE / 2**30
    return (
        f"{platform.node()}: {os.cpu_count()} × {model}, {mem:.0f} GiB RAM, {platform.platform()}"
    )


def load() -> str:
    """uptime, and the share of the last minute that runnable tasks waited for a CPU."""
    line = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    try:
        some = Path("/proc/pressure/cpu").read_text().split("\n", 1)[0]
        wait = dict(kv.split("=") for kv in some.split()[1:])["avg60"]
        line += f"; CPU pressure avg60 {wait} %"
    except (OSError, KeyError, ValueError):
        pass
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mbox", nargs="?", type=Path, default=DEFAULT_MBOX)
    parser.add_argument("--limit", type=int, default=2000, help="first N messages (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per query (default 3)")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help=f"comma list (default {','.join(TOOLS)})"
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds per step (default 300)")
    parser.add_argument("--scratch", type=Path, help="work directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")

    if args.scratch:
        args.scratch.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="peers-", dir=args.scratch))
    else:
        scratch = Path(tempfile.mkdtemp(prefix="listkeeper-peers-"))
    try:
        mbox = scratch / "input.mbox"
        messages, size = first_messages(args.mbox, args.limit, mbox)
        with open(mbox, "rb") as warm:  # page cache warm for every tool alike
            while warm.read(1 << 20):
                pass
        started = datetime.now(UTC)
        load_before = load()
        print(f"# {started:%Y-%m-%d %H:%M} UTC, {machine()}", file=sys.stderr)
        print(
            f"# input: first {messages} messages of {args.mbox.name} ({size / 2**20:.1f} MiB)",
            file=sys.stderr,
        )
        bench = Bench(args, scratch, mbox, messages)
        for tool in tools:
            print(f"== {tool}", file=sys.stderr, flush=True)
            getattr(bench, tool.replace("-", "_"))()
        load_after = load()

        print(f"Measured {started:%Y-%m-%d %H:%M} UTC on {machine()}.")
        print(
            f"Input: the first {messages} messages ({size / 2**20:.1f} MiB) of `{args.mbox.name}`; "
            f"{len(QUERIES)} queries × {args.runs} timed runs per tool, {HITS} results each, "
            "every import and query a whole process."
        )
        print(f"Load before: `{load_before}`; after: `{load_after}`.")
        print(f"Versions: {versions()}.")
        print()
        print(table(bench.rows))
        print()
        print(
            "Ratios are listkeeper's value divided by the peer's: below 1 means listkeeper "
            "is faster / smaller. RSS ratio uses the largest process."
        )
        print()
        print(
            "Per query: hits (listkeeper: total matches; public-inbox: `pi_search.pl --count`; "
            "notmuch: `notmuch count`; mu: `mu find` lines) and median ms of the timed runs:"
        )
        print()
        print(query_table(bench.rows))
        results = [
            {
                "tool": r.tool,
                "step": r.step,
                "messages": r.messages,
                "stored": r.stored,
                "seconds": r.run.seconds if r.run else None,
                "max_rss": r.run.max_rss if r.run else None,
                "tree_rss": r.run.tree_rss if r.run else None,
                "disk": r.disk,
                "search_seconds": r.search,
                "search_hits": r.search_hits,
                "per_query_seconds": r.per_query,
                "note": r.note,
                "failed": r.failed,
                "kind": r.kind,
            }
            for r in bench.rows
        ]
        (scratch / "results.json").write_text(json.dumps(results, indent=1))
        if args.keep:
            print(
                f"\n(work directory kept: {scratch}; logs in {scratch / 'logs'})", file=sys.stderr
            )
    finally:
        if shutil.which("lei"):  # in case anything started lei's daemon under our HOME
            subprocess.run(
                ["lei", "daemon-kill"],
                check=False,
                env=dict(
                    os.environ,
                    HOME=str(scratch / "home"),
                    XDG_RUNTIME_DIR=str(scratch / "home/run"),
                ),
                capture_output=True,
            )
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
