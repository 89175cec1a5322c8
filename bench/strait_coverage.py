"""How much of a corpus the strait vocabulary (data/it-terms-strait.tsv) touches.

    python bench/strait_coverage.py GITDIR [--commit C] [--under zh-CN] [--top 20]

Reads the Markdown files under `--under` at commit C of a git directory (bare or not; no
checkout: `git ls-tree` and `git cat-file --batch`) and prints, for a corpus in mainland usage:

  - pairs whose mainland form occurs (a Taiwan-usage query for them now meets these pages),
    their occurrences and pages, and the top pairs;
  - pairs whose Taiwan form occurs (as written, or in Simplified characters: 预设, 逾时);
  - the vocabulary's rewrites of the corpus itself: occurrences of a Taiwan form as `tw2sp`
    leaves it (预设, 查找 …) that become the mainland form at index time (merges, not misses);
  - beside it, OpenCC `tw2sp` alone: how many pages it changes at all;
  - the cost: normalising the corpus with `tw2sp` alone and with the vocabulary, in seconds.

Development corpus: /work/.mirror/oceanbase+oceanbase-doc/repo at
2943bee73609131cc251db98e644e9b4537a29aa, zh-CN/ (mainland usage).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import harness


def read_markdown(git_dir: Path, commit: str, under: str) -> dict[str, str]:
    """Path -> text of every Markdown file under `under` at `commit`."""

    def git(*args: str, data: bytes | None = None) -> bytes:
        done = subprocess.run(
            ["git", "--git-dir", str(git_dir), *args], input=data, capture_output=True, check=False
        )
        if done.returncode != 0:
            sys.exit(f"git {args[0]} failed in {git_dir}: {done.stderr.decode(errors='replace')}")
        return done.stdout

    if not git_dir.exists():
        sys.exit(f"no such git directory: {git_dir}")
    listing = git("ls-tree", "-r", "-z", commit, "--", under.rstrip("/") + "/" if under else ".")
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        kind, sha = meta.split()[1:3]
        name = path.decode("utf-8", errors="replace")
        if kind == b"blob" and name.lower().endswith((".md", ".markdown")):
            entries.append((name, sha))
    batch = git("cat-file", "--batch", data=b"".join(sha + b"\n" for _, sha in entries))
    texts: dict[str, str] = {}
    offset = 0
    for name, _ in entries:
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        body = batch[header_end + 1 : header_end + 1 + size]
        texts[name] = body.decode("utf-8", errors="replace")
        offset = header_end + 1 + size + 1
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("git_dir", type=Path, help="a git directory (bare or a checkout's .git)")
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--under", default="zh-CN", help="folder to read ('' for all)")
    parser.add_argument("--top", type=int, default=20, help="how many top pairs to list")
    args = parser.parse_args()

    # only this checkout's vocabulary is measured (no comparison of checkouts: not in LIBRARY)
    from supportkb.search.text import strait
    analyzer = harness.library("text_analyzer")()
    tw2sp = analyzer.normaliser.script_simplified
    import opencc

    to_simplified_characters = opencc.OpenCC("tw2s").convert  # characters only: 預設 -> 预设

    texts = read_markdown(args.git_dir, args.commit, args.under)
    if not texts:
        sys.exit(f"no Markdown under {args.under!r} at {args.commit} in {args.git_dir}")
    pairs = [p for p in strait.read_pairs(strait.vocabulary_text()) if p.mainland != strait.KEEP]
    by_value: dict[str, list[str]] = {}  # mainland form as the index holds it -> Taiwan forms
    for pair in pairs:
        by_value.setdefault(tw2sp(pair.mainland), []).append(pair.taiwan)
    mainland_hits: Counter[str] = Counter()  # by mainland form, as whole index terms
    mainland_pages: Counter[str] = Counter()
    taiwan_hits: Counter[str] = Counter()
    for text in texts.values():
        terms = Counter(word for word, _ in analyzer.positions(text) if word in by_value)
        mainland_hits.update(terms)
        mainland_pages.update(terms.keys())
        for pair in pairs:
            simplified = to_simplified_characters(pair.taiwan)
            found = text.count(pair.taiwan)
            if simplified not in (pair.taiwan, pair.mainland):
                found += text.count(simplified)
            if found:
                taiwan_hits[pair.taiwan] += found

    start = time.perf_counter()
    converted = [tw2sp(text) for text in texts.values()]
    plain_seconds = time.perf_counter() - start
    changed_by_opencc = sum(
        1 for text, c in zip(texts.values(), converted, strict=True) if c != text
    )
    mapping = strait.strait_map()
    start = time.perf_counter()
    final = [mapping.apply(text) for text in converted]
    strait_seconds = time.perf_counter() - start
    rewrites = Counter(f"{k}→{v}" for text in converted for k, v in mapping.rewrites(text))
    changed_by_strait = sum(1 for c, f in zip(converted, final, strict=True) if c != f)
    characters = sum(map(len, texts.values()))

    name = f"{args.git_dir.name if args.git_dir.name != 'repo' else args.git_dir.parent.name}"
    label = f"{name}@{args.commit[:10]} {args.under or '/'}"
    print(f"corpus: {label}: {len(texts)} Markdown pages, {characters:,} characters")
    print(f"vocabulary: {len(pairs)} pairs ({strait.VOCABULARY})")
    covered_pairs = sum(1 for p in pairs if mainland_hits[tw2sp(p.mainland)])
    harness.figure(f"{label}: pairs whose mainland form occurs", covered_pairs, "n", better="")
    harness.figure(f"{label}: mainland forms that occur", len(mainland_hits), "n", better="")
    occurrences = harness.figure(
        f"{label}: occurrences of mainland forms", sum(mainland_hits.values()), "n", better=""
    )
    pages = sum(1 for text in texts.values() if any(v in text for v in mainland_hits))
    print(
        f"pairs whose mainland form occurs (as an index term): {covered_pairs} of {len(pairs)} "
        f"({len(mainland_hits)} of {len(by_value)} distinct mainland forms)"
    )
    print(f"  occurrences: {occurrences:.0f}; pages with at least one: {pages}")
    print(f"  top {args.top} (mainland form ← Taiwan forms: occurrences, pages):")
    for value, count in mainland_hits.most_common(args.top):
        print(f"    {value} ← {'/'.join(by_value[value])}: {count}, {mainland_pages[value]}")
    harness.figure(f"{label}: pairs whose Taiwan form occurs", len(taiwan_hits), "n", better="")
    print(
        f"pairs whose Taiwan form occurs (either script): {len(taiwan_hits)}; "
        f"occurrences {sum(taiwan_hits.values())}: "
        + ", ".join(f"{t} {n}" for t, n in taiwan_hits.most_common(10))
    )
    harness.figure(
        f"{label}: corpus rewrites by the vocabulary", sum(rewrites.values()), "n", better=""
    )
    print(
        f"rewrites of the corpus itself (after tw2sp): {sum(rewrites.values())} occurrences, "
        f"{changed_by_strait} pages: " + ", ".join(f"{k} {n}" for k, n in rewrites.most_common(10))
    )
    print(f"tw2sp alone changes {changed_by_opencc} of {len(texts)} pages")
    harness.figure(f"{label}: tw2sp seconds", plain_seconds, "s")
    harness.figure(f"{label}: vocabulary seconds", strait_seconds, "s")
    print(
        f"normalising: tw2sp {plain_seconds:.2f} s, vocabulary after it {strait_seconds:.2f} s "
        f"({characters / 1e6:.1f} M characters)"
    )


if __name__ == "__main__":
    main()
