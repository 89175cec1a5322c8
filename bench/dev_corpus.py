"""The development corpus of issue 16: a real documentation set made into a knowledge base.

    python bench/dev_corpus.py GITDIR OUT [--commit C]

Reads the Markdown pages under `zh-CN/` of a documentation repository (OceanBase's
`oceanbase-doc`, see bench/queries/oceanbase-zh.yml) straight from its git directory (no
checkout: `git ls-tree` and `git cat-file --batch`) and writes a complete supportkb knowledge
base at OUT: mkdocs.yml, owners.yml and docs/ of the checkout under test, and under
kb/<category>/ one article per FAQ question and one per other page.

  FAQ questions   in a page whose path contains "faq" (any case), every `##` or `###` heading
                  ending in "？" or "?" (outside code blocks): one article titled by the
                  question, its answer (up to the next heading of the same or a higher level)
                  as the body. Its key, which the query file's `answer` lists name, is
                  "<path>#<heading text>".
  distractors     every other page, titled by its first heading; of a FAQ page, what is left
                  once its questions are taken out (when text is left).

Ids are KB-00001... in the order of the pages' paths, then of the parts in a page, so the same
commit always gives the same ids. The text is the documents' own, cleaned only as far as the
parser and the site need: the pages' metadata table, HTML comments and their `<main>` notice
boxes (turned into quotes), links to other pages (kept as their text) and images go.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import harness

TREE = "zh-CN"
QUESTION_LEVELS = (2, 3)
OWNERS = ("service-desk", "network", "systems", "security", "lin.meiling", "chen.jianhong")

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")  # fences inside list items are indented further
CLOSING = re.compile(r"^\s*(`{3,}|~{3,})\s*$")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
METADATA_ROW = re.compile(r"^\s*\|")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
MAIN_OPEN = re.compile(r"<main\b[^>]*>", re.IGNORECASE)
MAIN_CLOSE = re.compile(r"</main\s*>", re.IGNORECASE)
NOTICE_TITLE = re.compile(r"<h4>\s*(.*?)\s*</h4>", re.IGNORECASE)
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((?!https?:)[^)]*\)")
NUMBERING = re.compile(r"^\d+[.、]\s*")


@dataclass(frozen=True)
class DevCorpus:
    """A complete knowledge base (`root`) and the document id of each FAQ question's key."""

    root: Path
    answers: Mapping[str, str]
    questions: int = 0
    distractors: int = 0


@dataclass(frozen=True)
class Part:
    """One future article: its title, its Markdown body (without front-matter), and for a FAQ
    question its key."""

    path: str
    title: str
    body: str
    key: str | None = None


# -- reading the repository ----------------------------------------------------------------------


def read_pages(git_dir: Path, commit: str, tree: str = TREE) -> Iterator[tuple[str, str]]:
    """(path, text) of every Markdown page under `tree` at `commit`, in path order."""
    git = ["git", f"--git-dir={git_dir}"]
    try:
        listing = subprocess.run(
            [*git, "ls-tree", "-r", "-z", commit, "--", tree],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        sys.exit(f"cannot read {tree}/ at {commit} in {git_dir}: {detail.decode().strip() or exc}")
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        path = name.decode("utf-8", "replace")
        kind, sha = meta.split()[1:3]
        if kind == b"blob" and path.lower().endswith(".md"):
            blobs.append((path, sha.decode()))
    if not blobs:
        sys.exit(f"no Markdown pages under {tree}/ at {commit} in {git_dir}")
    blobs.sort()
    request = "".join(f"{sha}\n" for _, sha in blobs).encode()
    done = subprocess.run(
        [*git, "cat-file", "--batch"], input=request, capture_output=True, check=True
    )
    data, offset = done.stdout, 0
    for path, _ in blobs:
        header_end = data.index(b"\n", offset)
        size = int(data[offset:header_end].split()[2])
        start = header_end + 1
        yield path, data[start : start + size].decode("utf-8", "replace")
        offset = start + size + 1  # the blob, then a newline


# -- cleaning a page ------------------------------------------------------------------------------


def clean(text: str) -> list[str]:
    """The page's lines as our parser and the site take them (code blocks left as they are)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and (not lines[0].strip() or METADATA_ROW.match(lines[0])):
        lines.pop(0)  # the metadata table (|description||, |keywords||, ...) before the title
    if lines and lines[0].strip() == "---":  # a YAML front-matter block of their own
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1 :]
    result: list[str] = []
    code = code_lines(lines)
    notice: list[str] | None = None
    prose: list[str] = []  # prose lines held back to drop multi-line HTML comments

    def flush() -> None:
        block = COMMENT.sub("", "\n".join(prose))
        result.extend(block.split("\n") if prose else [])
        prose.clear()

    for number, line in enumerate(lines):
        if number in code and notice is None:
            flush()
            result.append(line)
            continue
        if notice is None and opens_notice(lines, number):
            flush()
            notice = [line]
            continue
        if notice is not None:
            notice.append(line)
            if MAIN_CLOSE.search(line):
                result.extend(["", *quote(" ".join(notice)), ""])
                notice = None
            continue
        prose.append(inline(line))
    flush()
    return result


def opens_notice(lines: list[str], number: int) -> bool:
    """Whether the line opens a `<main>` notice box that a later line closes."""
    line = lines[number]
    if not line.lstrip().startswith("<main") or MAIN_CLOSE.search(line):
        return False
    return any(MAIN_CLOSE.search(later) for later in lines[number + 1 :])


def code_lines(lines: list[str]) -> set[int]:
    """The numbers of the lines of fenced code blocks, fences included. A fence that is never
    closed opens no block (as Python-Markdown's superfences reads it)."""
    code: set[int] = set()
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if opening:
            end = next(
                (
                    later
                    for later in range(number + 1, len(lines))
                    if closes(lines[later], opening.group(1))
                ),
                None,
            )
            if end is not None:
                code.update(range(number, end + 1))
                number = end + 1
                continue
        number += 1
    return code


def closes(line: str, fence: str) -> bool:
    """Whether `line` ends the code block that `fence` opened."""
    match = CLOSING.match(line)
    return bool(match) and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence)


def inline(line: str) -> str:
    """A prose line: notice boxes inside table cells, images and links to other pages undone."""
    if MAIN_OPEN.search(line) or MAIN_CLOSE.search(line):
        line = NOTICE_TITLE.sub(r"\1：", MAIN_OPEN.sub("", MAIN_CLOSE.sub("", line)))
    return unlink(line)


def unlink(text: str) -> str:
    """Images as their alt text, links to other pages as their text (external links stay)."""
    return LINK.sub(lambda m: m.group(1), IMAGE.sub(lambda m: m.group(1), text))


def quote(block: str) -> list[str]:
    """A `<main id="notice">` box as a quote: "> **說明** text"."""
    block = unlink(COMMENT.sub("", block))
    title = NOTICE_TITLE.search(block)
    text = NOTICE_TITLE.sub("", block)
    text = re.sub(r"<li>", " - ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", TAG.sub(" ", text)).strip()
    label = f"**{title.group(1)}** " if title else ""
    return [f"> {label}{text}".rstrip()]


# -- splitting a page into questions and the rest -------------------------------------------------


def headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line number, level, text) of the headings outside code blocks."""
    found, code = [], code_lines(lines)
    for number, line in enumerate(lines):
        match = None if number in code else HEADING.match(line)
        if match and match.group(2).strip():
            found.append((number, len(match.group(1)), match.group(2).strip()))
    return found


def is_question(text: str) -> bool:
    return text.endswith(("？", "?"))


def split_page(path: str, text: str) -> list[Part]:
    """A page's articles: its FAQ questions (only in a page whose path says faq), then what is
    left of it when it has text (the whole page when it has no question)."""
    lines = clean(text)
    found = headings(lines)
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    title = found[0][2] if found else re.sub(r"^\d+\.", "", stem)
    parts: list[Part] = []
    taken: set[int] = set()
    if "faq" in path.lower():
        keys: set[str] = set()
        for index, (start, level, heading) in enumerate(found):
            if level not in QUESTION_LEVELS or not is_question(heading):
                continue
            end = next(
                (line for line, other, _ in found[index + 1 :] if other <= level), len(lines)
            )
            if any(number in taken for number in range(start, end)):
                continue  # a question inside another question's answer stays in that answer
            taken.update(range(start, end))
            key = f"{path}#{heading}"
            while key in keys:
                key += "+"  # the same question twice in a page
            keys.add(key)
            question = NUMBERING.sub("", heading)
            answer = [shift(line, level) for line in lines[start + 1 : end]]
            body = f"# {question}\n\n" + "\n".join(answer).strip() + "\n"
            parts.append(Part(path, question, body, key))
    rest = [line for number, line in enumerate(lines) if number not in taken]
    if not parts:
        return [Part(path, title, "\n".join(rest).strip() + "\n")]
    text_left = [line for line in rest if line.strip() and not HEADING.match(line)]
    if text_left:
        parts.append(Part(path, title, "\n".join(rest).strip() + "\n"))
    return parts


def shift(line: str, level: int) -> str:
    """A heading inside an answer raised so that the question is the article's `#`."""
    match = HEADING.match(line)
    if not match:
        return line
    return "#" * max(2, len(match.group(1)) - level + 1) + " " + match.group(2)


# -- writing the knowledge base -------------------------------------------------------------------


def category(path: str) -> str:
    """kb/<category>/: the page's top folder without its ordering number (800.FAQ -> faq)."""
    parts = path.split("/")
    top = parts[1] if len(parts) > 2 else "misc"
    return re.sub(r"[^a-z0-9-]+", "-", re.sub(r"^\d+\.", "", top).lower()).strip("-") or "misc"


def front_matter(number: int, part: Part) -> str:
    month, day = 3 + number % 9, 1 + number % 20  # reviewed 2026-03-01..11-20: current at AS_OF
    fields = [
        f"id: KB-{number:05d}",
        f"title: {json.dumps(part.title, ensure_ascii=False)}",
        "status: published",
        f"owner: {OWNERS[number % len(OWNERS)]}",
        f"last_reviewed: 2026-{month:02d}-{day:02d}",
        "kind: faq",
        f"tags: [{'faq' if part.key else 'reference'}]",
        "visibility: internal",
    ]
    return "---\n" + "\n".join(fields) + "\n---\n\n"


HOME = """\
# OceanBase 文件（開發語料）

本網站由 `bench/dev_corpus.py` 從 OceanBase 的中文文件產生：
每個常見問題是一篇文章，其他頁面也各是一篇。
"""
CONTRIBUTING = "# 貢獻指南\n\n開發語料由程式產生，請勿手動修改。\n"


def site_pages(docs: Path) -> None:
    """The site's own pages of the checkout under test (its reference pages, images) that
    mkdocs.yml's nav names, without its policies, and a home page and contributing guide of
    this corpus's own: the checkout's link to its starter documents, which are not here."""
    ignore = shutil.ignore_patterns("policies", "index.md", "contributing.md")
    shutil.copytree(harness.checkout() / "docs", docs, ignore=ignore)
    (docs / "index.md").write_text(HOME, encoding="utf-8")
    (docs / "contributing.md").write_text(CONTRIBUTING, encoding="utf-8")


def build_corpus(git_dir: Path, out: Path, commit: str = "HEAD") -> DevCorpus:
    """Write the knowledge base of `git_dir`'s zh-CN/ pages at `commit` into `out`."""
    if not (git_dir / "HEAD").is_file() and not (git_dir / ".git").exists():
        sys.exit(f"{git_dir} is not a git directory")
    if out.exists() and any(out.iterdir()):
        sys.exit(f"{out} is not empty: give a new folder for the development corpus")
    pages = list(read_pages(git_dir, commit))  # read first: a wrong commit writes nothing
    harness.copy_settings(out)
    site_pages(out / "docs")
    answers: dict[str, str] = {}
    number = questions = distractors = 0
    for path, text in pages:
        for part in split_page(path, text):
            number += 1
            target = out / "kb" / category(path) / f"ob-{number:05d}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(front_matter(number, part) + part.body, encoding="utf-8")
            if part.key:
                answers[part.key] = f"KB-{number:05d}"
                questions += 1
            else:
                distractors += 1
    return DevCorpus(out, answers, questions, distractors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("git_dir", type=Path, help="the documentation repository's git directory")
    parser.add_argument("out", type=Path, help="a new folder for the knowledge base")
    parser.add_argument("--commit", default="HEAD")
    options = parser.parse_args()
    start = time.perf_counter()
    corpus = build_corpus(options.git_dir, options.out, options.commit)
    seconds = time.perf_counter() - start
    print(
        f"{corpus.root}: {corpus.questions} FAQ questions and {corpus.distractors} other "
        f"articles written in {seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
