"""Benchmark: the live preview, from saving a document to the refreshed page in the browser.

The contributor's loop (issue 17): a document open in the browser under `kb serve --watch`,
its Markdown saved in an editor, the page showing the change. For each content size (the
starter content of the checkout under test, then the same with --docs documents added,
`harness.realistic_corpus`'s), in a temporary copy:

  builds   `kb index` and `kb build` once each (a full build: `kb check`, then MkDocs), then
           `mkdocs build` of the same content, a change to one document and
           `mkdocs build --dirty` (MkDocs rebuilds only the pages whose source is newer than
           their output): what a partial rebuild would save, and whether its page holds the
           change (labelled "partial build")
  kb       `kb serve --watch` on a free port (the site and index above; the code under test)
  mkdocs   `mkdocs serve` on the same content (MkDocs' own live reload, with the supportkb
           plugin from mkdocs.yml; the README's other suggestion): the baseline. Skipped with
           --no-baseline

Debian's headless Chromium (Playwright) opens the page of one document (KB-0010,
kb/printing/printer-offline.md) and a second page. Then --edits times (after one warm-up
edit, reported apart: the first rebuild of a fresh process is a cold one) the bench writes a
new unique marker word at the end of the document's body, as an editor saves (in place), and
measures, from the end of the write:

  live     until the OPEN page's text holds the marker, the bench never reloading it (a live
           reload: the server tells the page). A page that does not show it within --timeout
           seconds, or --grace seconds after a fresh navigation already showed it (the rebuild
           was done: no live reload is coming), is a failed edit
  fresh    until a fresh navigation to the page shows it: the fallback figure, a number even
           where there is no live reload. The bench asks for the page's HTML every 0.1 s and,
           once it holds the marker, navigates the second page to it (a browser reloading the
           page several times a second would slow the rebuild it waits for, on two cores)

Both are taken in the page (Date.now() when the text first holds the marker, at
DOMContentLoaded or on a change of the document) against the wall clock of the save. When two
edits in a row are shown by neither page, the server is taken as not picking up changes and
its remaining edits are counted as failed without waiting.

Meanwhile a thread requests a few pages (and /api/search from `kb serve`, the static
search index from `mkdocs serve`) every 50 ms: every answer other than 200, and every
connection error or answer slower than 5 s, is a failed request: "failed requests: K of M".

Prints per case and server p50 and p95 of live and fresh, the ratio kb / mkdocs, the targets
(live p50 <= 3 s on the starter content, <= 15 s with 1,000 documents: met / not met) and the
load average. Exits 0 when a target is missed (a measurement, not a test); 77 without
Chromium or Playwright (run_all.py reports it skipped).

    python bench/preview_speed.py [--docs 1000] [--edits 5] [--no-baseline] [--timeout 60]
                                  [--grace 15] [--gap 1] [--content CHECKOUT] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
from harness import AS_OF, percentile

CHROMIUM, SKIPPED = harness.CHROMIUM, harness.SKIPPED
EDITED = "kb/printing/printer-offline.md"  # KB-0010, in the starter content
PAGE = "/kb/printing/printer-offline/"
TARGETS = {"starter": 3.0, "generated": 15.0}  # s, save -> refreshed page, p50 (issue 17)
MARKER_PREFIX = "kbpreview"
# what a copy of a checkout leaves out: the code, its tests, tools' caches and outputs
NOT_CONTENT = {
    ".git",
    ".venv",
    ".ci",
    ".hypothesis",
    ".kb-analytics",
    ".kb-index",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".vscode",
    "__pycache__",
    "bench",
    "site",
    "test-artifacts",
    "tests",
    "tools",
}
POLL_SECONDS = 0.05
REQUEST_TIMEOUT = 5.0
FRESH_EVERY = 0.1

# Installed in every page before its own scripts: reports each marker word the document's text
# holds, with the page's wall clock, once per document (at DOMContentLoaded, then on changes)
PROBE = (
    r"""
(() => {
  const seen = new Set();
  function look() {
    if (!document.body) return;
    const found = document.body.textContent.match(/PREFIX[0-9a-z]+/g) || [];
    const now = Date.now();
    for (const marker of found) {
      if (!seen.has(marker)) { seen.add(marker); window.__kbPreviewSeen(marker, now); }
    }
  }
  let queued = false;
  function later() {
    if (!queued) { queued = true; setTimeout(() => { queued = false; look(); }, 10); }
  }
  document.addEventListener("DOMContentLoaded", () => {
    look();
    new MutationObserver(later).observe(document.documentElement,
      { childList: true, subtree: true, characterData: true });
  });
})();
"""
).replace("PREFIX", MARKER_PREFIX)


# -- the content ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One content size: `key` names its target (TARGETS)."""

    label: str
    key: str
    root: Path
    documents: int


def copy_content(source: Path, root: Path) -> None:
    """The checkout's content (kb/, sops/, docs/, mkdocs.yml, owners.yml, ...), not its code."""
    if not (source / "mkdocs.yml").is_file() or not (source / EDITED).is_file():
        sys.exit(f"{source} is not a supportkb checkout with the starter content ({EDITED})")
    root.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name in NOT_CONTENT or entry.name.startswith(".kb-"):
            continue
        if entry.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(entry, root / entry.name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(entry, root / entry.name)


def count_documents(root: Path) -> int:
    return sum(1 for folder in ("kb", "sops") for _ in (root / folder).rglob("*.md"))


def prepare_cases(work: Path, source: Path, docs: int) -> list[Case]:
    starter = work / "starter"
    if not starter.exists():
        copy_content(source, starter)
    cases = [Case("starter content", "starter", starter, count_documents(starter))]
    if docs:
        grown = work / f"generated-{docs}"
        if not grown.exists():
            print(f"generating {docs} documents beside the starter content ...", flush=True)
            copy_content(source, grown)
            generated = work / f"corpus-{docs}"
            harness.realistic_corpus(generated, docs)
            shutil.copytree(generated / "kb", grown / "kb", dirs_exist_ok=True)
            shutil.rmtree(generated)
        label = f"starter + {docs:,} generated"
        cases.append(Case(label, "generated", grown, count_documents(grown)))
    for case in cases:  # the edited document as shipped, should a kept run have stopped
        shutil.copy2(source / EDITED, case.root / EDITED)
    return cases


def kb_args(case: Case) -> list[str]:
    return [*harness.kb_command(), "-C", str(case.root)]


def mkdocs_args(case: Case) -> list[str]:
    return [sys.executable, "-m", "mkdocs"]


# -- builds: what the full rebuild costs, what a partial one would save ---------------------------


@dataclass(frozen=True)
class BuildCosts:
    index: float  # `kb index`, the first (full) one
    kb_build: float  # `kb build`: kb check, then MkDocs
    mkdocs_full: float  # `mkdocs build`
    mkdocs_dirty: float  # `mkdocs build --dirty` after one document changed
    dirty_shows_change: bool  # the changed page in the partial build holds the change


def run_timed(args: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def write_marker(path: Path, original: str, marker: str) -> None:
    """The document as an editor saves it (in place): its text and one new last paragraph."""
    path.write_text(f"{original.rstrip()}\n\n{marker}\n", encoding="utf-8")


def measure_builds(case: Case, env: dict[str, str], work: Path, dirty: bool) -> BuildCosts:
    print(f"\n== {case.label} ({case.documents} documents): builds", flush=True)
    index = run_timed([*kb_args(case), "index"], env, case.root)
    site = case.root / "site"
    args = [*kb_args(case), "build", "--site-dir", str(site), "--as-of", AS_OF.isoformat()]
    kb_build = run_timed(args, env, case.root)
    full = dirty_seconds = float("nan")
    shows = False
    if dirty:
        output = work / f"mkdocs-site-{case.key}"
        build = [*mkdocs_args(case), "build", "-q", "-d", str(output)]
        full = run_timed(build, env, case.root)
        edited = case.root / EDITED
        original = edited.read_text(encoding="utf-8")
        marker = f"{MARKER_PREFIX}dirty{secrets.token_hex(4)}"
        write_marker(edited, original, marker)
        dirty_seconds = run_timed([*build, "--dirty"], env, case.root)
        page = output / PAGE.strip("/") / "index.html"
        shows = page.is_file() and marker in page.read_text(encoding="utf-8")
        edited.write_text(original, encoding="utf-8")
        shutil.rmtree(output, ignore_errors=True)
    costs = BuildCosts(index, kb_build, full, dirty_seconds, shows)
    print(f"  kb index (full):                      {costs.index:6.1f} s")
    print(f"  kb build (kb check, then MkDocs):     {costs.kb_build:6.1f} s")
    if dirty:
        print(f"  mkdocs build (full):                  {costs.mkdocs_full:6.1f} s")
        print(
            f"  partial build: mkdocs build --dirty after one change: {costs.mkdocs_dirty:.1f} s"
            f" (the page {'holds' if shows else 'does NOT hold'} the change)"
        )
    return costs


# -- the servers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """A preview server of a case: how to start it, what to poll while it rebuilds."""

    label: str
    name: str  # "kb" or "mkdocs"
    args: list[str]
    port: int
    polled: tuple[str, ...]


def servers(case: Case, port: int, baseline: bool) -> list[Server]:
    kb = [*kb_args(case), "serve", "--watch", "--port", str(port), "--workers", "2"]
    kb += ["--site-dir", str(case.root / "site"), "--no-analytics"]
    kb += ["--as-of", AS_OF.isoformat()]
    pages = ("/", PAGE, "/kb/")
    search = harness.search_path("印表機 離線")
    chosen = [Server("kb serve --watch", "kb", kb, port, (*pages, search))]
    if baseline:
        mkdocs = [*mkdocs_args(case), "serve", "-a", f"127.0.0.1:{port}"]
        label = "mkdocs serve (baseline)"
        static_index = "/search/search_index.json"
        chosen.append(Server(label, "mkdocs", mkdocs, port, (*pages, static_index)))
    return chosen


def status(url: str, timeout: float) -> str:
    """The answer's status ("200", "404", ...) or the error's name."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            answer.read()
            return str(answer.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return type(reason).__name__


def page_html(url: str) -> str:
    """The page's HTML as a fresh load gets it, "" when it cannot be had."""
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as answer:
            return str(answer.read().decode("utf-8", errors="replace"))
    except (OSError, ValueError):
        return ""


@contextmanager
def running(server: Server, case: Case, env: dict[str, str], log: Path) -> Iterator[str]:
    """The server, in a session of its own, answering its document page."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            server.args,
            cwd=case.root,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{server.port}"
    try:
        deadline = time.monotonic() + 300
        while status(base + PAGE, 2) != "200":
            if process.poll() is not None:
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                sys.exit(f"{server.label} exited early ({process.returncode}):\n{tail}")
            if time.monotonic() > deadline:
                sys.exit(f"{server.label} did not serve {PAGE} in 300 s (see {log})")
            time.sleep(0.3)
        yield base
    finally:
        harness.stop_server(process)


@dataclass
class RequestCount:
    """Requests made while the edits ran, and the failed ones by what went wrong."""

    made: int = 0
    failed: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        what = ", ".join(f"{reason} x{n}" for reason, n in self.failed.most_common(4))
        return f"failed requests: {sum(self.failed.values())} of {self.made}" + (
            f" ({what})" if what else ""
        )


@contextmanager
def requesting(base: str, paths: Sequence[str]) -> Iterator[RequestCount]:
    """A thread asking for `paths` in turn, one every POLL_SECONDS, until the block ends."""
    count = RequestCount()
    stop = threading.Event()

    def loop() -> None:
        turn = 0
        while not stop.is_set():
            path = paths[turn % len(paths)]
            turn += 1
            answer = status(base + path, REQUEST_TIMEOUT)
            count.made += 1
            if answer != "200":
                count.failed[f"{answer} {path.split('?')[0]}"] += 1
            stop.wait(POLL_SECONDS)

    thread = threading.Thread(target=loop, name="kb-bench-requests", daemon=True)
    thread.start()
    try:
        yield count
    finally:
        stop.set()
        thread.join()


# -- the edits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One save: seconds until the open page showed it (live), until a fresh navigation did;
    None when it did not."""

    live: float | None
    fresh: float | None


class Watcher:
    """Both pages of one server and the times each first showed each marker."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context(locale="zh-TW", viewport={"width": 1366, "height": 768})
        self.seen: dict[tuple[str, str], float] = {}
        self.context.expose_binding("__kbPreviewSeen", self._seen)
        self.context.add_init_script(PROBE)
        self.url = base + PAGE
        self.live = self.context.new_page()
        self.fresh = self.context.new_page()
        self.blocked: list[str] = []  # the open page's Content-Security-Policy violations
        self.live.on("console", self._console)
        self.live.goto(self.url, wait_until="load")
        self.navigations = 0

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.blocked.append(message.text)

    def _seen(self, source: dict[str, Any], marker: str, at: float) -> None:
        role = "live" if source["page"] == self.live else "fresh"
        self.seen.setdefault((role, marker), at / 1000)

    def look_fresh(self) -> None:
        """Navigate the second page anew (a new URL each time: nothing from a cache)."""
        from playwright.sync_api import Error

        self.navigations += 1
        url = f"{self.url}?fresh={self.navigations}"
        with contextlib.suppress(Error):  # one failing mid-rebuild: the next one tries again
            self.fresh.goto(url, wait_until="domcontentloaded", timeout=10_000)

    def edit(self, path: Path, original: str, timeout: float, grace: float) -> Edit:
        marker = f"{MARKER_PREFIX}{secrets.token_hex(6)}"
        write_marker(path, original, marker)
        saved = time.time()
        next_fresh = 0.0
        while True:
            now = time.time()
            live = self.seen.get(("live", marker))
            fresh = self.seen.get(("fresh", marker))
            if live is not None and fresh is not None:
                break
            if now - saved > timeout:
                break
            if fresh is not None and now - fresh > grace:
                break
            if fresh is None and now >= next_fresh:
                # navigate once the server's HTML has the change (asked cheaply, every
                # FRESH_EVERY s: a browser loading the page four times a second would slow the
                # rebuild it waits for on two cores)
                if marker in page_html(self.url):
                    self.look_fresh()
                next_fresh = time.time() + FRESH_EVERY
            else:
                self.live.wait_for_timeout(POLL_SECONDS * 1000)  # the page's reports come in
        return Edit(
            None if live is None else live - saved, None if fresh is None else fresh - saved
        )

    def close(self) -> None:
        self.context.close()


@dataclass(frozen=True)
class ServerRun:
    """A server's edits on one case."""

    case: Case
    server: Server
    warm_up: Edit | None
    edits: list[Edit]
    requests: RequestCount
    not_tried: int  # edits counted failed without waiting (the server picked up none)

    def live(self) -> list[float]:
        return [e.live for e in self.edits if e.live is not None]

    def fresh(self) -> list[float]:
        return [e.fresh for e in self.edits if e.fresh is not None]

    @property
    def attempted(self) -> int:
        return len(self.edits) + self.not_tried


def show(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.2f} s"


def measure_server(
    browser: Any,
    server: Server,
    case: Case,
    options: argparse.Namespace,
    env: dict[str, str],
    work: Path,
) -> ServerRun:
    print(f"\n== {case.label}: {server.label}, {options.edits} edits", flush=True)
    document = case.root / EDITED
    original = document.read_text(encoding="utf-8")
    log = work / f"{server.name}-{case.key}.log"
    edits: list[Edit] = []
    warm_up: Edit | None = None
    missed_in_a_row = 0
    not_tried = 0
    with running(server, case, env, log) as base:
        watcher = Watcher(browser, base)
        try:
            with requesting(base, server.polled) as requests:
                planned = ["warm-up"] * options.warm_up + list(range(1, options.edits + 1))
                for number in planned:
                    if missed_in_a_row >= 2:
                        not_tried = options.edits - len(edits)
                        print(
                            f"  two edits in a row never shown: {server.label} picks up no "
                            f"change to {EDITED}; the other {not_tried} edits count as failed"
                        )
                        break
                    time.sleep(options.gap)
                    edit = watcher.edit(document, original, options.timeout, options.grace)
                    missed_in_a_row = missed_in_a_row + 1 if edit.fresh is None else 0
                    print(
                        f"  edit {number}: open page (live) {show(edit.live)}, "
                        f"fresh navigation {show(edit.fresh)}",
                        flush=True,
                    )
                    if number == "warm-up":
                        warm_up = edit
                    else:
                        edits.append(edit)
            if watcher.blocked:  # e.g. a live-reload script the page's own policy refuses
                print(
                    f"  the open page's console: {len(watcher.blocked)} Content-Security-Policy "
                    f"violations, the first: {watcher.blocked[0][:160]}"
                )
        finally:
            watcher.close()
            document.write_text(original, encoding="utf-8")
    run = ServerRun(case, server, warm_up, edits, requests, not_tried)
    print(f"  {requests.line()}")
    return run


# -- the report -----------------------------------------------------------------------------------


def p50_p95(values: Sequence[float]) -> str:
    if not values:
        return f"{'-':>7}{'-':>7}"
    return f"{percentile(values, 0.5):>7.2f}{percentile(values, 0.95):>7.2f}"


def report(runs: Sequence[ServerRun], costs: dict[str, BuildCosts]) -> None:
    print("\nsave -> the page shows the change, seconds (p50, p95); shown: edits shown, of those")
    print("tried; live: the open page, never reloaded by the bench; fresh: a new navigation")
    header = f"  {'case':<28}{'server':<25}{'live p50':>9}{'p95':>7}{'shown':>7}"
    print(header + f"{'fresh p50':>10}{'p95':>7}{'shown':>7}  requests failed")
    for run in runs:
        live, fresh = run.live(), run.fresh()
        failed = sum(run.requests.failed.values())
        print(
            f"  {run.case.label:<28}{run.server.label:<25}{p50_p95(live)}"
            f"{f'{len(live)}/{run.attempted}':>7}{' ' * 3}{p50_p95(fresh)}"
            f"{f'{len(fresh)}/{run.attempted}':>7}  {failed} of {run.requests.made}"
        )
        prefix = f"{run.case.key} {run.server.name}"
        harness.figure(f"{prefix}: live edits not shown", run.attempted - len(live), "n")
        harness.figure(f"{prefix}: failed requests", failed, "n")
        harness.figure(f"{prefix}: requests", run.requests.made, "n", better="")
        if live:
            harness.figure(f"{prefix}: save -> live page p50 s", percentile(live, 0.5), "s")
            harness.figure(f"{prefix}: save -> live page p95 s", percentile(live, 0.95), "s")
        if fresh:
            harness.figure(f"{prefix}: save -> fresh page p50 s", percentile(fresh, 0.5), "s")
            harness.figure(f"{prefix}: save -> fresh page p95 s", percentile(fresh, 0.95), "s")
        if run.warm_up is not None:
            print(
                f"  {'':<28}{'  first save (warm-up)':<25} live {show(run.warm_up.live)}, "
                f"fresh {show(run.warm_up.fresh)}"
            )

    print("\nkb serve --watch against mkdocs serve (p50 ratio kb / mkdocs; lower is better)")
    for case_key in dict.fromkeys(run.case.key for run in runs):
        by_server = {run.server.name: run for run in runs if run.case.key == case_key}
        kb, base = by_server.get("kb"), by_server.get("mkdocs")
        if kb is None or base is None:
            continue
        for kind in ("live", "fresh"):
            ours, theirs = getattr(kb, kind)(), getattr(base, kind)()
            if ours and theirs:
                ratio = percentile(ours, 0.5) / percentile(theirs, 0.5)
                said = f"{ratio:.2f}"
                harness.figure(f"{case_key}: {kind} p50 kb / mkdocs", ratio, "")
            else:
                said = f"- (kb shown {len(ours)}, mkdocs shown {len(theirs)})"
            print(f"  {kb.case.label:<28}{kind:<7}{said}")

    print(
        "\ntargets (issue 17): save -> refreshed open page, p50, every edit shown, no request "
        "failed"
    )
    for run in runs:
        if run.server.name != "kb":
            continue
        target = TARGETS[run.case.key]
        live = run.live()
        p50 = percentile(live, 0.5) if live else None
        all_shown = len(live) == run.attempted
        met = p50 is not None and p50 <= target and all_shown
        no_fail = not run.requests.failed
        fresh = run.fresh()
        fallback = f"; fresh navigation p50 {percentile(fresh, 0.5):.2f} s" if fresh else ""
        print(
            f"  {run.case.label}: p50 <= {target:.0f} s: {'met' if met else 'NOT MET'} "
            f"(live {show(p50)}, shown {len(live)} of {run.attempted}{fallback}); "
            f"no failed request: {'met' if no_fail else 'NOT MET'} ({run.requests.line()})"
        )

    print("\nwhat a rebuild costs (each a fresh process, once):")
    for key, cost in costs.items():
        label = next(run.case.label for run in runs if run.case.key == key) if runs else key
        print(f"  {label}: kb index {cost.index:.1f} s, kb build {cost.kb_build:.1f} s", end="")
        harness.figure(f"{key}: kb build s", cost.kb_build, "s")
        if cost.mkdocs_full == cost.mkdocs_full:  # measured (not NaN)
            saved = cost.mkdocs_full - cost.mkdocs_dirty
            print(
                f"; mkdocs build {cost.mkdocs_full:.1f} s, partial build (mkdocs build --dirty "
                f"after one change) {cost.mkdocs_dirty:.1f} s: saves {saved:.1f} s "
                f"({saved / cost.mkdocs_full:.0%}); its page "
                f"{'holds' if cost.dirty_shows_change else 'does NOT hold'} the change"
            )
            harness.figure(f"{key}: mkdocs build s", cost.mkdocs_full, "s")
            harness.figure(f"{key}: partial build (mkdocs --dirty) s", cost.mkdocs_dirty, "s")
        else:
            print()


# -- main -----------------------------------------------------------------------------------------


def load_line(when: str) -> str:
    return f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) {when}: {os.getloadavg()}"


def commit_of(folder: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()[:72] or "(not a git checkout)"


def run(options: argparse.Namespace, work: Path) -> None:
    env = {**os.environ, "SUPPORTKB_CACHE_DIR": str(work / "cache")}
    code = harness.checkout()
    source = (options.content or code).resolve()
    print(f"code under test: {code} ({commit_of(code)})")
    print(f"content: the starter content of {source}")
    print(load_line("at the start"), flush=True)
    harness.compile_package()
    cases = prepare_cases(work, source, options.docs)
    playwright, browser = harness.launch_chromium()
    runs: list[ServerRun] = []
    costs: dict[str, BuildCosts] = {}
    try:
        for case in cases:
            costs[case.key] = measure_builds(case, env, work, options.dirty)
            for server in servers(case, harness.free_port(), options.baseline):
                runs.append(measure_server(browser, server, case, options, env, work))
    finally:
        browser.close()
        playwright.stop()
    report(runs, costs)
    print(f"\n{load_line('at the end')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="generated documents (0: none)")
    parser.add_argument("--edits", type=int, default=5, help="measured saves per server and case")
    parser.add_argument(
        "--no-warm-up", dest="warm_up", action="store_false", help="no warm-up save first"
    )
    parser.add_argument(
        "--no-baseline", dest="baseline", action="store_false", help="without mkdocs serve"
    )
    parser.add_argument(
        "--no-partial", dest="dirty", action="store_false", help="without the mkdocs builds"
    )
    parser.add_argument("--timeout", type=float, default=60, help="seconds an edit may take")
    parser.add_argument(
        "--grace",
        type=float,
        default=15,
        help="seconds the open page may lag a fresh navigation before it counts as not shown",
    )
    parser.add_argument("--gap", type=float, default=1, help="seconds between edits")
    parser.add_argument(
        "--content",
        type=Path,
        help="the checkout whose starter content is used (default: "
        "the checkout of the code under test)",
    )
    parser.add_argument("--keep", type=Path, help="a folder kept between runs (the content)")
    options = parser.parse_args()
    # stopped (SIGTERM) like Ctrl-C: the servers it started are stopped on the way out
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} is not installed (apt-get install chromium)")
        sys.exit(SKIPPED)
    with harness.work_folder("kb-preview-bench-", options.keep) as work:
        run(options, work)


if __name__ == "__main__":
    main()
