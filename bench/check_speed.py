"""Benchmark: `kb check` against a bare python-frontmatter parse loop, side by side.

Generates a knowledge base of N documents (default 10,000) of realistic size, then times, in
alternating rounds:

  bare   a loop that only parses the same files with python-frontmatter (the baseline)
  cold   `kb check` with an empty cache (every file read, parsed and checked)
  warm   `kb check` again with nothing changed (the per-user cache answers)

and prints medians and ratios. Targets (issue 2): cold / bare <= 1.0, warm <= 0.25 x cold,
peak memory under 300 MB. Each run is a fresh process, interpreter start-up included.

    python bench/check_speed.py [--docs 10000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import sys, frontmatter
from pathlib import Path
root = Path(sys.argv[1])
count = 0
for top in ("kb", "sops", "docs/policies"):
    for path in sorted((root / top).rglob("*.md")):
        frontmatter.load(path)
        count += 1
print(count)
"""

KB_CHECK = """
import resource, sys
from supportkb.cli.main import cli
try:
    args = ["-C", sys.argv[1], "check", "--as-of", "2026-11-24", "--format", "json"]
    cli(args, standalone_mode=False)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"MAXRSS {own} {workers}\\n")
"""

CATEGORIES = [
    "vpn",
    "email",
    "printing",
    "accounts",
    "wifi",
    "remote-support",
    "applications/erp",
    "applications/office",
    "network/dns",
    "hardware",
]
PHRASES = [
    "使用者回報 VPN 連線時出現錯誤 809，無法建立通道。",
    "請先確認網路線與 Wi-Fi 是否正常連線。",
    "開啟「控制台」>「網路和網際網路」，檢查介面卡設定。",
    "若問題仍未解決，請以分機 2100 聯絡服務台。",
    "Outlook cannot send mail and messages stay in the Outbox.",
    "重新啟動印表機佇列服務 (Print Spooler)。",
    "在 ERP 5.4 中匯出 CSV 時出現亂碼，請改用 UTF-8 編碼。",
    "依 SLA，P1 事件須於 15 分鐘內首次回應。",
    "請在 Helpdesk 建立工單並記錄處理過程與結果。",
    "Windows Update 顯示錯誤 0x80070005（存取被拒）。",
]
SECTIONS = ["症狀", "環境", "原因", "解決方法", "相關文件"]


def generate(root: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copy(ROOT / "owners.yml", root / "owners.yml")
    owners = ["service-desk", "network", "systems", "security", "lin.meiling", "chen.jianhong"]
    for number in range(1, count + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        relative = f"kb/{category}/article-{number:05d}.md"
        related = [f"KB-{rng.randint(1, count):05d}" for _ in range(rng.randint(0, 3))]
        previous = number - len(CATEGORIES)  # the previous article in the same folder
        link = f"另見 [前一篇文章](article-{previous:05d}.md)。" if previous > 0 else ""
        body = [f"# 文章 {number}", ""]
        for section in SECTIONS:
            body += [f"## {section}", ""]
            body += [
                " ".join(rng.choices(PHRASES, k=rng.randint(2, 6)))
                for _ in range(rng.randint(1, 4))
            ]
            body.append("")
        body.append(link)
        front = [
            "---",
            f"id: KB-{number:05d}",
            f"title: 範例文章 {number}：{rng.choice(PHRASES)[:20]}",
            "status: published",
            f"owner: {rng.choice(owners)}",
            "reviewers: [lin.meiling]",
            f"last_reviewed: 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 20):02d}",
            "kind: troubleshooting",
            f"tags: [{', '.join(rng.sample(['vpn', 'email', '錯誤代碼', 'erp', 'wifi'], 2))}]",
            "visibility: internal",
            "applies_to:",
            "  - product: ERP",
            '    versions: ">=5.0,<6"',
            f"related: [{', '.join(related)}]",
            "---",
            "",
        ]
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(front + body) + "\n", encoding="utf-8")


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"benchmark run failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    kb_root = options.keep or work / "kb"
    kb_root.mkdir(parents=True, exist_ok=True)
    print(f"generating {options.docs} documents in {kb_root} ...", flush=True)
    generate(kb_root, options.docs)
    size = sum(p.stat().st_size for p in kb_root.rglob("*.md"))
    print(f"  {size / 1e6:.1f} MB of Markdown, {size / options.docs / 1024:.1f} KB per document")

    python = sys.executable
    times: dict[str, list[float]] = {"bare": [], "cold": [], "warm": []}
    peak = (0, 0)
    summary = ""
    for round_number in range(options.rounds):
        cache = work / f"cache-{round_number}"
        env = {**os.environ, "SUPPORTKB_CACHE_DIR": str(cache)}
        seconds, _ = timed([python, "-c", BARE, str(kb_root)], env)
        times["bare"].append(seconds)
        for label in ("cold", "warm"):
            seconds, output = timed([python, "-c", KB_CHECK, str(kb_root)], env)
            times[label].append(seconds)
            rss = next(
                line.split()[1:] for line in output.splitlines() if line.startswith("MAXRSS")
            )
            peak = max(peak, (int(rss[0]), int(rss[1])))
            summary = json.loads(output[: output.rindex("}") + 1])["summary"]
        print(
            f"  round {round_number + 1}: "
            + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()),
            flush=True,
        )

    median = {label: statistics.median(values) for label, values in times.items()}
    print(f"\nkb check result on the generated set: {summary}")
    print(f"{'run':<6}{'median s':>10}{'ratio to bare':>15}")
    for label in ("bare", "cold", "warm"):
        print(f"{label:<6}{median[label]:>10.2f}{median[label] / median['bare']:>15.2f}")
    print(f"\nwarm / cold: {median['warm'] / median['cold']:.2f}  (target <= 0.25)")
    print(f"cold / bare: {median['cold'] / median['bare']:.2f}  (target <= 1.00)")
    print(
        f"peak memory: main process {peak[0] / 1024:.0f} MB, "
        f"largest worker {peak[1] / 1024:.0f} MB "
        f"(target < 300 MB)"
    )
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
