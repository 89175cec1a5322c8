"""Benchmark: the history of documents (issue 18) on a repository of 1,000 documents and
5,000 dated commits.

Generates, in a temporary folder, a git repository made with `git fast-import` (seconds,
where 5,000 `git commit` processes would take minutes): mkdocs.yml, owners.yml and docs/ of
the checkout under test, --docs documents (articles of `harness.simple_corpus`, and a share of
SOPs, emergency plans and policies written from the packaged templates with a revision
table), then --commits commits in all, one a day or so from 2023-01-02: each reviews a
document, raises a controlled document's version (in review, its approval cleared) or
approves it (published, approved_by, effective two weeks later), or edits an article. One
SOP (SOP-00001, "the busy one") gets one commit in ten, so its history is long. The
working tree is checked out at the end (what a clone gives).

Then, side by side:

  history   `kb history SOP-00001` (a fresh process each time, interpreter start-up
            included): the median of --repeats runs (target: <= 1 s)
  site      `mkdocs build` with the history pages and superseded versions (the plugin's
            default) and without (the plugin's option `history: false`, mkdocs-plain.yml
            beside mkdocs.yml), in alternating --rounds after an untimed first build of each
            (target: with / without <= 1.5); skipped, and said, when the plugin under test
            has no such option
  pack      `kb audit-pack --as-of` the last commit's day: its time (median of --repeats) and
            the zip's size, files and documents

Prints the medians, the ratios and the targets (met / not met). Exits 0 when a target is
missed: this is a measurement, not a test.

    python bench/history_speed.py [--docs 1000] [--commits 5000] [--rounds 3] [--repeats 5]
                                  [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import string
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import harness

HISTORY_TARGET = 1.0  # s, `kb history ID`
SITE_TARGET = 1.5  # build with history / without
BUSY = "SOP-00001"  # the document with the longest history
BUSY_SHARE = 10  # one commit in ten
HISTORY_OPTION = "history"  # the plugin's option that turns the history pages off
START = date(2023, 1, 2)
TAIPEI = timezone(timedelta(hours=8))
APPROVER = "lee.guanyu"  # a person of the shipped owners.yml
AUTHORS = [
    ("Lin Meiling", "lin.meiling@example.com.tw"),
    ("Chen Jianhong", "chen.jianhong@example.com.tw"),
    ("Lee Guanyu", "lee.guanyu@example.com.tw"),
]
CONTROLLED = {  # type folder, id prefix, template, share of the documents
    "sop": ("sops", "SOP", "sop.zh-TW.md", 0.15),
    "emergency-plan": ("sops/emergency", "EP", "emergency-plan.zh-TW.md", 0.05),
    "policy": ("docs/policies", "POL", "policy.zh-TW.md", 0.10),
}
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass
class Controlled:
    """A controlled document's state as the commits change it."""

    path: str
    doc_id: str
    doc_type: str
    title: str
    body: str  # the template's sections, filled
    major: int = 1
    minor: int = 0
    status: str = "published"
    approved: bool = True
    effective: date = START
    last_reviewed: date = START
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"

    def text(self) -> str:
        front = [
            "---",
            f"id: {self.doc_id}",
            f"title: {self.title}",
            f"status: {self.status}",
            "owner: service-desk",
            f"reviewers: [{APPROVER}]",
            f"last_reviewed: {self.last_reviewed}",
            f'version: "{self.version}"',
            *([f"effective: {self.effective}"] if self.doc_type == "policy" else []),
            *([f"approved_by: {APPROVER}"] if self.approved else []),
            "visibility: internal",
            "---",
            "",
        ]
        table = "\n".join(f"| {' | '.join(row)} |" for row in self.rows)
        return "\n".join(front) + self.body + table + "\n"


def template_body(name: str, title: str, rng: random.Random) -> str:
    """A packaged template (tools/supportkb/templates/NAME) filled: its comments replaced by
    sentences, its revision table's rows left to the commits."""
    source = (harness.package_dir() / "templates" / name).read_text(encoding="utf-8")
    source = string.Template(source).safe_substitute(title=title, version="", today="")
    source = _COMMENT.sub(lambda _: " ".join(rng.choices(harness.PHRASES, k=3)), source)
    while re.search(r"\|[ \t]*\|", source):  # empty table cells are placeholders too
        source = re.sub(r"\|[ \t]*\|", "| 服務台 |", source, count=1)
    head, _, _ = source.rpartition("| --- |")  # the revision table's header stays
    return head + "| --- | --- | --- | --- |\n"


def generate(root: Path, count: int, commits: int, seed: int = 18) -> tuple[int, date]:
    """The repository at `root`; (its commits, the last commit's day)."""
    rng = random.Random(seed)
    seed_folder = root.parent / f"{root.name}-articles"
    articles = max(count - sum(round(count * c[3]) for c in CONTROLLED.values()), 1)
    harness.simple_corpus(seed_folder, articles)
    files: dict[str, str] = {}
    for path in sorted(seed_folder.rglob("*")):
        if path.is_file():
            files[path.relative_to(seed_folder).as_posix()] = path.read_text(encoding="utf-8")
    shutil.rmtree(seed_folder)
    for path in sorted((harness.checkout() / "docs").rglob("*")):
        if path.is_file() and not path.relative_to(harness.checkout()).as_posix().startswith(
            "docs/policies/"
        ):
            relative = path.relative_to(harness.checkout()).as_posix()
            files[relative] = path.read_bytes().decode("utf-8", "surrogateescape")
    controlled: list[Controlled] = []
    for doc_type, (folder, prefix, template, share) in CONTROLLED.items():
        for number in range(1, round(count * share) + 1):
            title = f"{prefix} 範例 {number}：{rng.choice(harness.PHRASES)[:16]}"
            document = Controlled(
                f"{folder}/{prefix.lower()}-{number:05d}.md",
                f"{prefix}-{number:05d}",
                doc_type,
                title,
                template_body(template, title, rng),
            )
            document.rows.append(("1.0", str(START), "初版", APPROVER))
            controlled.append(document)
            files[document.path] = document.text()
    busy = next(d for d in controlled if d.doc_id == BUSY)
    article_paths = sorted(p for p in files if p.startswith("kb/"))

    stream: list[bytes] = []
    when = datetime(START.year, START.month, START.day, 9, 0, tzinfo=TAIPEI)
    step = timedelta(minutes=max(1, (3 * 365 * 24 * 60) // max(commits, 1)))  # three years
    stream.append(_commit(1, when, AUTHORS[0], "the knowledge base", files))
    for number in range(2, commits + 1):
        when += step
        day = when.date()
        author = rng.choice(AUTHORS)
        if number % BUSY_SHARE == 0:
            document: Controlled | None = busy
        elif rng.random() < 0.7:
            document = rng.choice(controlled)
        else:
            document = None
        if document is None:
            path = rng.choice(article_paths)
            files[path] = (
                re.sub(r"last_reviewed: \S+", f"last_reviewed: {day}", files[path], count=1)
                + f"\n{rng.choice(harness.PHRASES)}\n"
            )
            stream.append(_commit(number, when, author, f"edit {path}", {path: files[path]}))
            continue
        message = _change(document, day, rng)
        stream.append(_commit(number, when, author, message, {document.path: document.text()}))
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    return commits, when.date()


def _change(document: Controlled, day: date, rng: random.Random) -> str:
    """One commit's change to a controlled document: an approval of the version in review,
    else a new version (one time in four) or a review."""
    if not document.approved:
        document.approved, document.status = True, "published"
        document.effective = day + timedelta(days=14)  # approved before it takes effect
        version, on, change, _ = document.rows[-1]
        document.rows[-1] = (version, on, change, APPROVER)
        return f"{document.doc_id} {document.version} approved"
    if rng.random() < 0.25:
        document.minor += 1
        document.approved, document.status = False, "in-review"
        document.last_reviewed = day
        document.rows.append((document.version, str(day), rng.choice(harness.PHRASES)[:20], ""))
        return f"{document.doc_id} {document.version} drafted"
    document.last_reviewed = day
    return f"{document.doc_id} reviewed"


def _commit(
    number: int, when: datetime, author: tuple[str, str], message: str, files: dict[str, str]
) -> bytes:
    stamp = f"{int(when.timestamp())} +0800"
    who = f"{author[0]} <{author[1]}> {stamp}"
    text = message.encode("utf-8")
    lines = [
        b"commit refs/heads/main",
        f"mark :{number}".encode(),
        f"author {who}".encode(),
        f"committer {who}".encode(),
        f"data {len(text)}".encode(),
        text,
    ]
    for path, content in files.items():
        data = content.encode("utf-8", "surrogateescape")
        lines += [f"M 100644 inline {path}".encode(), f"data {len(data)}".encode(), data]
    return b"\n".join(lines) + b"\n\n"


def without_history(root: Path) -> Path:
    """mkdocs-plain.yml: mkdocs.yml with the plugin's history turned off."""
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    plain, found = re.subn(
        r"^(\s*- supportkb:\s*\n)", rf"\1      {HISTORY_OPTION}: false\n", text, count=1, flags=re.M
    )
    if not found:
        sys.exit("mkdocs.yml has no `- supportkb:` plugin entry to turn the history off in")
    path = root / "mkdocs-plain.yml"
    path.write_text(plain, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Build:
    seconds: float
    ok: bool
    output: str


def build(config: Path, site: Path, env: dict[str, str]) -> Build:
    args = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    start = time.perf_counter()
    done = subprocess.run(args, cwd=config.parent, env=env, capture_output=True, text=True)
    return Build(time.perf_counter() - start, done.returncode == 0, done.stdout + done.stderr)


def kb_seconds(args: list[str], env: dict[str, str], repeats: int) -> tuple[float, str]:
    """The median seconds of `kb ARGS` as fresh processes, and the last one's output."""
    runs = [harness.timed([*harness.kb_command(), *args], env) for _ in range(repeats)]
    return harness.median([seconds for seconds, _ in runs]), runs[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000)
    parser.add_argument("--commits", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3, help="site builds of each kind")
    parser.add_argument("--repeats", type=int, default=5, help="kb history / audit-pack runs")
    parser.add_argument("--keep", type=Path, help="generate and build into this folder; keep it")
    options = parser.parse_args()
    with harness.work_folder("kb-history-bench-", options.keep) as work:
        run_benchmark(work, options.docs, options.commits, options.rounds, options.repeats)


def run_benchmark(work: Path, count: int, commits: int, rounds: int, repeats: int) -> None:
    root = work / "repo"
    print(f"generating {count} documents and {commits} commits in {root} ...", flush=True)
    started = time.perf_counter()
    commits, last_day = generate(root, count, commits)
    print(f"  git fast-import and checkout: {time.perf_counter() - started:.1f} s", flush=True)
    temp = work / "tmp"
    temp.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "SUPPORTKB_CACHE_DIR": str(work / "cache"),
        "TMPDIR": str(temp),
    }

    # kb history on the busy document
    history, output = kb_seconds(
        ["-C", str(root), "history", BUSY, "--date", str(last_day)], env, repeats
    )
    versions = sum(1 for line in output.splitlines() if re.match(r"^[* ]\s+\d+\.\d+\s", line))
    harness.figure("kb history s", history, "s")
    print(f"\nkb history {BUSY} ({versions} versions): median {history:.2f} s of {repeats}")

    # the site with and without the history pages
    configs = {"with": root / "mkdocs.yml", "without": without_history(root)}
    sites = {label: work / f"site-{label}" for label in configs}
    first = {label: build(configs[label], sites[label], env) for label in configs}
    site_ratio: float | None = None
    if not first["with"].ok:
        sys.exit(f"the site build failed:\n{first['with'].output[-3000:]}")
    if not first["without"].ok:
        print(
            f"\nsite: skipped, the plugin under test has no `{HISTORY_OPTION}: false` option "
            f"({first['without'].output.strip().splitlines()[-1:]})"
        )
    else:
        print(
            "  first builds (untimed): "
            + ", ".join(f"{label} {run.seconds:.1f} s" for label, run in first.items()),
            flush=True,
        )
        times: dict[str, list[float]] = {label: [] for label in configs}
        for round_number in range(rounds):
            order = list(configs) if round_number % 2 == 0 else list(configs)[::-1]
            for label in order:
                run = build(configs[label], sites[label], env)
                if not run.ok:
                    sys.exit(f"the site build ({label}) failed:\n{run.output[-3000:]}")
                times[label].append(run.seconds)
        medians = {label: harness.median(values) for label, values in times.items()}
        site_ratio = medians["with"] / medians["without"]
        for label, seconds in medians.items():
            harness.figure(f"site {label} history s", seconds, "s")
        harness.figure("site with / without history", site_ratio)
        print(f"\n{'site':<10}{'median s':>10}{'pages':>8}")
        for label, seconds in medians.items():
            pages = sum(1 for _ in sites[label].rglob("index.html"))
            print(f"{label:<10}{seconds:>10.2f}{pages:>8}")

    # the audit pack
    pack = work / "pack.zip"
    pack_seconds, output = kb_seconds(
        ["-C", str(root), "audit-pack", "--as-of", str(last_day), "--output", str(pack)],
        env,
        repeats,
    )
    size = pack.stat().st_size if pack.is_file() else 0
    entries = len(zipfile.ZipFile(pack).namelist()) if size else 0
    harness.figure("kb audit-pack s", pack_seconds, "s")
    harness.figure("audit pack MB", size / 1e6, "MB", "")
    print(
        f"\nkb audit-pack --as-of {last_day}: median {pack_seconds:.2f} s of {repeats}, "
        f"{size / 1e6:.1f} MB, {entries} files"
    )
    print("  " + output.strip().splitlines()[0] if output.strip() else "")

    verdict = "met" if history <= HISTORY_TARGET else "NOT met"
    print(f"\nkb history: {history:.2f} s  (target <= {HISTORY_TARGET:.1f} s): {verdict}")
    if site_ratio is not None:
        verdict = "met" if site_ratio <= SITE_TARGET else "NOT met"
        print(
            f"site with / without history: {site_ratio:.2f}  (target <= {SITE_TARGET}): {verdict}"
        )
    else:
        print("site with / without history: not measured (no option to turn history off)")


if __name__ == "__main__":
    main()
