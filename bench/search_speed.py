"""Benchmark: `kb index` and `kb search` on a generated knowledge base, every figure side by side.

Generates N documents (default 10,000) of realistic size, about 3 KB each: Traditional Chinese
IT-support text mixed with English product names, error codes, ticket numbers and addresses,
built from templates and word lists (a vocabulary of thousands of terms, not a few repeated
phrases), in kb/<category>/ folders with valid front-matter. Then, in rounds, each command a
fresh process (interpreter start-up included), the index in a temporary `--index-dir`:

  build        `kb index --rebuild` into an empty folder           target <= 30 s (2 cores)
  floor        only normalising and segmenting every document's body, in one process
               (`text_analyzer().positions(body)`, the words and positions the index
               stores, dictionaries already loaded): build / floor
  unchanged    `kb index` with nothing changed
  one changed  `kb index` after one document's body changed          target <= 0.5 s
               (a sentence appended: its related lists stay as they were)
  retitled     `kb index` after one document's title changed         target <= 0.5 s
               (its related lists and those that show it are rewritten too)
               (these three --changes times a round: this machine's speed drifts)
  cold search  `kb search --as-of 2026-11-24 印表機 離線`              target <= 0.6 s
               (exit code 1, nothing found, is not a failure), beside `python -c pass`

and, after the rounds, in this process with one warm searcher: every query of a mixed set
(Traditional, Simplified, English, mixed, error codes, phrases, field filters, prefix*) run
several times: p50 <= 20 ms, p95 <= 60 ms. Beside it, each query's first run on a new searcher
(its posting lists not yet read) and the baseline: the same searches with Whoosh's own
matching and scoring (`searcher(vectorised=False)`, the same results). Also the index size
on disk and the peak memory of the build (its own process and its largest worker). Prints
medians; exits 0 when a target is missed: this is a measurement, not a test.

supportkb's bytecode is compiled first, as a user's first run leaves it: with
PYTHONDONTWRITEBYTECODE set (as on some machines) every process would otherwise compile
whatever changed since the last compilation, and time that instead.

    python bench/search_speed.py [--docs 10000] [--rounds 3] [--repeats 5] [--searches 3]
                                 [--changes 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))

from check_speed import CATEGORIES  # noqa: E402

AS_OF = date(2026, 11, 24)
COLD_QUERY = ("印表機", "離線")

KB_INDEX = """
import resource, sys
from supportkb.cli.main import cli
try:
    cli(["-C", sys.argv[1], "index", "--index-dir", sys.argv[2], *sys.argv[3:]],
        standalone_mode=False)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"MAXRSS {own} {workers}\\n")
"""

QUERIES = [
    ("traditional", "印表機 離線"),
    ("traditional", "密碼 過期 無法登入"),
    ("traditional", "憑證錯誤"),
    ("simplified", "打印机 脱机"),
    ("simplified", "密码 过期"),
    ("simplified", "网络 连接 超时"),
    ("english", "outlook outbox"),
    ("english", "cannot connect"),
    ("english", "reinstall the client"),
    ("mixed", "VPN 錯誤 809"),
    ("mixed", "Teams 麥克風 沒有聲音"),
    ("mixed", "FortiClient 連線逾時"),
    ("error code", "0x80070005"),
    ("error code", "AADSTS50076"),
    ("error code", "E1021"),
    ("phrase", '"列印佇列"'),
    ("phrase", '"重新啟動電腦"'),
    ("filter", "type:article 密碼"),
    ("filter", "tag:vpn 連線"),
    ("filter", "category:printing 卡紙"),
    ("filter", "product:ERP 亂碼"),
    ("prefix", "Out*"),
    ("prefix", "憑證*"),
]

# -- the generated knowledge base ----------------------------------------------------------


def words(text: str, separator: str | None = None) -> list[str]:
    """A word list written as one string (blank- or `separator`-separated)."""
    return text.split(separator)


SUBJECTS = words(
    "使用者 同仁 新進員工 主管 業務部同仁 財務部同仁 客服中心人員 外派人員 實習生 會議室使用者 "
    "分公司同仁 遠端工作的同仁 工程部同仁 人資部同仁 採購人員 門市人員"
)
LOCATIONS = words(
    "台北總部 新竹廠區 台中分公司 高雄辦公室 桃園倉儲 大會議室 訓練教室 家中 出差飯店 客戶現場 "
    "台南門市 研發大樓 機房 資料中心"
)
PRODUCTS = words(
    "Outlook 2019|Outlook 365|Microsoft Teams|OneDrive|SharePoint Online|Exchange Online|"
    "Windows 11|Windows 10|macOS Sonoma|FortiClient VPN|Cisco AnyConnect|GlobalProtect|"
    "SAP GUI 7.70|ERP 5.4|Chrome|Edge|Firefox|Zoom|Webex|Adobe Acrobat|HP LaserJet M404|"
    "Canon iR-ADV C5560|Ricoh IM C3000|Active Directory|Azure AD|Intune|BitLocker|TeamViewer|"
    "AnyDesk|LINE WORKS|Excel|Word|PowerPoint|Citrix Workspace|VMware Horizon|Jira|"
    "Confluence|ServiceNow|Aruba ClearPass|FortiGate 100F|Print Spooler|Defender for Endpoint",
    "|",
)
SYMPTOMS = words(
    "無法登入 連線逾時 畫面凍結 一直要求重新輸入密碼 出現亂碼 列印工作卡在佇列 無法同步 速度非常慢 "
    "自動中斷連線 找不到印表機 顯示授權已過期 無法開啟附件 出現憑證錯誤 收不到驗證碼 帳號被鎖定 "
    "磁碟空間不足 藍屏當機 麥克風沒有聲音 螢幕閃爍 無法投影 印表機顯示離線 郵件卡在寄件匣 "
    "無法存取共用資料夾 網路磁碟機消失 開機很慢 卡紙 掃描檔案無法寄出 行事曆無法共用"
)
CAUSES = words(
    "快取檔案損毀 密碼已過期 憑證過期 防火牆封鎖了連接埠 驅動程式版本過舊 群組原則尚未套用 "
    "DNS解析錯誤 IP位址衝突 授權數量已滿 Proxy設定錯誤 系統時間不同步 使用者設定檔損毀 "
    "網路卡進入省電模式 信箱容量已滿 多重要素驗證尚未註冊 列印伺服器離線 憑證鏈不完整 "
    "Wi-Fi訊號太弱 更新安裝到一半 硬碟即將損壞"
)
ACTIONS = words(
    "清除瀏覽器快取|重新啟動電腦|更新驅動程式|執行 gpupdate /force|執行 ipconfig /flushdns|"
    "重新安裝用戶端|重設密碼|重新註冊 MFA|移除並重新加入網域|關閉網路卡省電模式|"
    "重新建立 Outlook 設定檔|確認系統時間|清理暫存檔|更換網路線|重新啟動列印佇列服務|"
    "檢查 Proxy 設定|以系統管理員身分執行|聯絡原廠技術支援|重新匯入憑證|封存舊郵件",
    "|",
)
CHECKS = words(
    "確認網路燈號|檢查事件檢視器|查看 Windows 記錄檔|以 ping 測試預設閘道|"
    "用 nslookup 查詢主機名稱|確認帳號狀態|確認授權指派|檢查磁碟使用量|比對用戶端版本號碼|"
    "確認 VPN 已連線|檢查印表機面板訊息",
    "|",
)
WHEN = words(
    "上午上班時 午休後 每週一早上 月底結帳期間 系統更新後 重新開機後 長假結束後 換新電腦後"
)
MENUS = words(
    "控制台 設定 網路和網際網路 裝置和印表機 帳戶 隱私權與安全性 系統 應用程式 檔案總管 "
    "服務 裝置管理員 工作排程器 登錄編輯程式"
)
TERMS = words(
    "網域控制站 負載平衡 虛擬私人網路 電子郵件閘道 垃圾郵件過濾 資料外洩防護 行動裝置管理 端點防護 "
    "弱點掃描 修補程式 備份排程 異地備援 單一登入 目錄服務 憑證授權單位 無線基地台 交換器 路由器 "
    "防毒軟體 加密金鑰 存取控制清單 網路芳鄰 共用印表機 事務機 掃描器 投影機 視訊鏡頭 耳機麥克風 "
    "擴充基座 外接螢幕 隨身碟 行動電源 讀卡機 指紋辨識 人臉辨識 安全性更新 功能更新 韌體 "
    "作業系統 瀏覽器外掛 巨集 試算表 簡報 雲端硬碟 同步用戶端 共用信箱 通訊群組 會議室預約 "
    "遠端桌面 螢幕分享 工單系統 知識庫 服務水準協議 變更管理 事件管理 問題管理 資產盤點 "
    "軟體授權 序號 啟用金鑰 密碼原則 帳號鎖定原則 稽核記錄 系統記錄 效能監視器 工作管理員 "
    "磁碟重組 系統還原 安全模式 開機磁區 分割區 檔案權限 資料夾重新導向 漫遊設定檔 印表機驅動程式"
)
ENGLISH = words(
    "cannot connect|keeps asking for credentials|crashes on start|shows a blank window|"
    "fails to sync|is very slow|cannot send mail|drops the connection every few minutes|"
    "reports an expired licence|cannot find the network printer|freezes after login",
    "|",
)
ENGLISH_FIXES = words(
    "clear the credential cache|reinstall the client|update the driver|"
    "reset the network adapter|sign out and sign in again|renew the certificate|"
    "restart the print spooler|rebuild the mail profile",
    "|",
)
NAMED_CODES = words(
    "錯誤 809|錯誤 691|錯誤 720|E1021|E2040|HTTP 503|AADSTS50076|AADSTS50126|0x800CCC0E|"
    "0x80070005|0x8024402C|0x80190001|STOP 0x0000007B|ERR_CONNECTION_TIMED_OUT|KB5034441",
    "|",
)
APPLIES_TO = {"ERP": ">=5.0,<6", "VPN": ">=7.0,<8", "Windows": ">=10.0.22000", "Mail": ">=2019"}
OWNERS = ("service-desk", "network", "systems", "security", "lin.meiling", "chen.jianhong")
TAGS = ("vpn", "email", "印表機", "帳號", "wifi", "erp", "錯誤代碼", "windows", "teams", "憑證")
SECTIONS = {
    "症狀": ("symptom", "symptom", "english", "code"),
    "環境": ("environment", "terms"),
    "原因": ("cause", "cause", "terms"),
    "解決方法": ("step", "step", "step", "english_fix", "escalate"),
    "相關文件": ("contact", "sla"),
}


@dataclass
class Vocabulary:
    """Word lists plus a fixed pool of generated error codes, shared by all the documents.

    Each document is about one topic (`focus`): it draws its products, symptoms, causes,
    fixes and places from a few chosen for it, as a real article does (an article about
    Outlook does not mention forty products), so a common word is in some documents, not in
    nearly all of them."""

    rng: random.Random
    codes: list[str] = field(default_factory=list)
    lists: dict[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        made = [f"0x8007{self.rng.randrange(16**4):04X}" for _ in range(300)]
        self.codes = [
            *NAMED_CODES,
            *made,
            *(f"E{self.rng.randint(1000, 9999)}" for _ in range(200)),
        ]
        self.focus()

    def focus(self) -> None:
        """Choose the few words the next document is about."""
        sample = self.rng.sample
        self.lists = {
            "products": sample(PRODUCTS, 2),
            "symptoms": sample(SYMPTOMS, 2),
            "causes": sample(CAUSES, 2),
            "actions": sample(ACTIONS, 3),
            "checks": sample(CHECKS, 2),
            "locations": sample(LOCATIONS, 2),
            "subjects": sample(SUBJECTS, 2),
            "menus": sample(MENUS, 3),
            "terms": sample(TERMS, 6),
            "english": sample(ENGLISH, 1),
            "fixes": sample(ENGLISH_FIXES, 1),
            "when": sample(WHEN, 2),
            "codes": sample(self.codes, 2),
        }

    def pick(self, words: Sequence[str]) -> str:
        return self.rng.choice(words)

    def of(self, name: str) -> str:
        return self.rng.choice(self.lists[name])

    def sentence(self, kind: str) -> str:
        return SENTENCES[kind](self)


SENTENCES: dict[str, Callable[[Vocabulary], str]] = {
    "symptom": lambda v: (
        f"{v.of('subjects')}在{v.of('locations')}使用 {v.of('products')} 時{v.of('symptoms')}，"
        f"畫面顯示錯誤 {v.of('codes')}。"
    ),
    "english": lambda v: (
        f"Users report that {v.of('products')} {v.of('english')} with error {v.of('codes')}."
    ),
    "code": lambda v: f"{v.of('when')}最常發生，記錄檔中可看到 {v.of('codes')}。",
    "environment": lambda v: (
        f"{v.of('products')}（版本 {v.rng.randint(1, 24)}.{v.rng.randint(0, 9)}），"
        f"位於{v.of('locations')}，IP 位址 10.{v.rng.randint(0, 255)}.{v.rng.randint(0, 255)}."
        f"{v.rng.randint(1, 254)}。"
    ),
    "terms": lambda v: (
        f"相關元件：{'、'.join(v.rng.sample(v.lists['terms'], 3))}與{v.of('terms')}。"
    ),
    "cause": lambda v: (
        f"此問題通常是因為{v.of('causes')}，{v.of('when')}特別常見；{v.of('products')} "
        f"也可能因{v.of('causes')}而{v.of('symptoms')}。"
    ),
    "step": lambda v: (
        f"開啟「{v.of('menus')}」>「{v.of('menus')}」，先{v.of('checks')}，再{v.of('actions')}。"
    ),
    "english_fix": lambda v: f"Workaround: {v.of('fixes')}, then restart {v.of('products')}.",
    "escalate": lambda v: (
        f"若仍無法解決，請{v.of('actions')}，並在工單 INC{v.rng.randint(100000, 999999)} "
        "中記錄處理過程與結果。"
    ),
    "contact": lambda v: (
        f"如需協助，請撥分機 {v.rng.randint(2000, 2999)} 或寄信至 helpdesk@example.com.tw。"
    ),
    "sla": lambda v: (
        f"依 SLA，P{v.rng.randint(1, 4)} 事件須於 {v.pick((15, 30, 60, 240))} 分鐘內首次回應。"
    ),
}


def visibility(number: int, mixed: bool) -> str:
    """Every document internal, or (`--mixed`) 30 % public, 60 % internal, 10 % restricted:
    then each audience's index is written (one index per audience)."""
    if not mixed:
        return "internal"
    share = number % 10
    return "restricted" if share == 0 else "public" if share <= 3 else "internal"


def front_matter(
    vocabulary: Vocabulary, number: int, count: int, title: str, mixed: bool = False
) -> list[str]:
    rng = vocabulary.rng
    related = [f"KB-{rng.randint(1, count):05d}" for _ in range(rng.randint(0, 3))]
    product, versions = rng.choice(list(APPLIES_TO.items()))
    return [
        "---",
        f"id: KB-{number:05d}",
        f"title: {title}",
        "status: published",
        f"owner: {rng.choice(OWNERS)}",
        "reviewers: [lin.meiling]",
        f"last_reviewed: 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 20):02d}",
        "kind: troubleshooting",
        f"tags: [{', '.join(rng.sample(TAGS, 3))}]",
        f"visibility: {visibility(number, mixed)}",
        "applies_to:",
        f"  - product: {product}",
        f'    versions: "{versions}"',
        f"related: [{', '.join(related)}]",
        "---",
        "",
    ]


def body(vocabulary: Vocabulary, title: str, previous: int) -> list[str]:
    rng = vocabulary.rng
    lines = [f"# {title}", ""]
    for heading, kinds in SECTIONS.items():
        lines += [f"## {heading}", ""]
        sentences = [vocabulary.sentence(rng.choice(kinds)) for _ in range(rng.randint(4, 8))]
        if heading == "解決方法":
            lines += [f"{n}. {text}" for n, text in enumerate(sentences, 1)]
        elif heading == "症狀":
            lines += [f"- {text}" for text in sentences]
        else:
            lines += [" ".join(sentences)]
        lines.append("")
    if previous > 0:
        lines.append(f"另見 [前一篇文章](article-{previous:05d}.md)。")
    return lines


def generate(root: Path, count: int, seed: int = 11, mixed: bool = False) -> None:
    vocabulary = Vocabulary(random.Random(seed))
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copy(ROOT / "owners.yml", root / "owners.yml")
    for number in range(1, count + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        vocabulary.focus()
        product, symptom = vocabulary.of("products"), vocabulary.of("symptoms")
        title = f"{product} {symptom}（{vocabulary.of('codes')}）"
        previous = number - len(CATEGORIES)  # the previous article in the same folder
        lines = front_matter(vocabulary, number, count, title, mixed) + body(
            vocabulary, title, previous
        )
        path = root / f"kb/{category}/article-{number:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def change_one(root: Path, round_number: int) -> Path:
    """Append a sentence to one document's body (a different document each round)."""
    paths = sorted((root / "kb").rglob("*.md"))
    path = paths[(round_number * 7919) % len(paths)]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n補充（第 {round_number + 1} 輪）：更新後請重新啟動 Teams 與 OneDrive。\n")
    return path


def retitle_one(root: Path, round_number: int) -> Path:
    """Change one document's title (another document each round)."""
    paths = sorted((root / "kb").rglob("*.md"))
    path = paths[(round_number * 7919 + 5003) % len(paths)]
    text = path.read_text(encoding="utf-8")
    start = text.index("\ntitle: ") + len("\ntitle: ")
    end = text.index("\n", start)
    path.write_text(f"{text[:end]}（第 {round_number + 1} 版）{text[end:]}", encoding="utf-8")
    return path


# -- measuring ------------------------------------------------------------------------------


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"benchmark run failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout + done.stderr


def kb_index(
    kb_root: Path, index_dir: Path, env: dict[str, str], *extra: str
) -> tuple[float, str, tuple[int, int]]:
    """One `kb index` as a fresh process: seconds, its output, (own, workers) max RSS in KB."""
    args = [sys.executable, "-c", KB_INDEX, str(kb_root), str(index_dir), *extra]
    seconds, output = timed(args, env)
    rss = next(line.split()[1:] for line in output.splitlines() if line.startswith("MAXRSS"))
    lines = [line for line in output.splitlines() if line.startswith("search index")]
    return seconds, lines[-1] if lines else output.strip()[-300:], (int(rss[0]), int(rss[1]))


def floor(kb_root: Path) -> float:
    """Seconds to normalise and segment every document's body in this process."""
    from supportkb.search.text.analysis import text_analyzer

    analyzer = text_analyzer()
    analyzer.positions("印表機" * 20_000)  # loading the dictionaries is not part of the floor
    texts = [
        path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for path in sorted((kb_root / "kb").rglob("*.md"))
    ]
    start = time.perf_counter()
    for text in texts:
        analyzer.positions(text)
    return time.perf_counter() - start


@dataclass
class Latency:
    """One query's hits and milliseconds: its first run on a new searcher (posting lists not
    yet read), its warm runs, and its warm runs with Whoosh's own matching (the baseline)."""

    total: int
    first: float
    warm: list[float]
    whoosh: list[float]


def query_latency(index_dir: Path, repeats: int) -> dict[str, Latency]:
    from supportkb.search.indexing.index import open_engine
    from supportkb.search.query import SearchRequest, run_search

    engine = open_engine(index_dir)

    def run(searcher: Any, text: str) -> tuple[int, float]:
        start = time.perf_counter()
        total = run_search(searcher, SearchRequest(text, as_of=AS_OF, limit=10)).total
        return total, (time.perf_counter() - start) * 1000

    searcher, whoosh = engine.searcher(), engine.searcher(vectorised=False)
    run(searcher, "開機")  # loads the dictionaries and the per-document columns
    run(whoosh, "開機")
    first = {text: run(searcher, text) for _, text in QUERIES}
    for _, text in QUERIES:  # an untimed pass for the baseline, too
        run(whoosh, text)
    found: dict[str, Latency] = {}
    for _, text in QUERIES:
        warm = [run(searcher, text)[1] for _ in range(repeats)]
        baseline = [run(whoosh, text)[1] for _ in range(repeats)]
        found[text] = Latency(first[text][0], first[text][1], warm, baseline)
    searcher.close()
    whoosh.close()
    return found


def disk_size(folder: Path) -> int:
    """Bytes of the files under `folder`, each hard-linked file counted once."""
    seen: dict[int, int] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            info = path.stat()
            seen[info.st_ino] = info.st_size
    return sum(seen.values())


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- the rounds -------------------------------------------------------------------------------


@dataclass
class Figures:
    times: dict[str, list[float]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # the last `kb index` line of each
    peak: tuple[int, int] = (0, 0)  # KB: the build's own process, its largest worker
    index_bytes: int = 0

    def add(self, label: str, seconds: float) -> None:
        self.times.setdefault(label, []).append(seconds)

    def median(self, label: str) -> float:
        return statistics.median(self.times[label])


def kb_command() -> list[str]:
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "supportkb"]


def run_round(
    figures: Figures, kb_root: Path, index_dir: Path, number: int, searches: int, changes: int
) -> None:
    env = {**os.environ, "SUPPORTKB_CACHE_DIR": str(index_dir.parent / "cache")}
    earlier = {label: len(values) for label, values in figures.times.items()}
    seconds, line, rss = kb_index(kb_root, index_dir, env, "--rebuild")
    figures.add("build", seconds)
    figures.outputs["build"] = line
    figures.peak = max(figures.peak, rss)
    figures.index_bytes = disk_size(index_dir)
    figures.add("floor", floor(kb_root))
    for step in range(changes):  # short commands: several times, the machine's speed drifts
        seconds, figures.outputs["unchanged"], _ = kb_index(kb_root, index_dir, env)
        figures.add("unchanged", seconds)
        changed = change_one(kb_root, number * changes + step)
        seconds, line, _ = kb_index(kb_root, index_dir, env)
        figures.add("one changed", seconds)
        figures.outputs["one changed"] = f"{line}  [{changed.relative_to(kb_root)}]"
        changed = retitle_one(kb_root, number * changes + step)
        seconds, line, _ = kb_index(kb_root, index_dir, env)
        figures.add("retitled", seconds)
        figures.outputs["retitled"] = f"{line}  [{changed.relative_to(kb_root)}]"
    search = [*kb_command(), "-C", str(kb_root), "search", "--as-of", AS_OF.isoformat()]
    search += ["--index-dir", str(index_dir), *COLD_QUERY]
    for _ in range(searches):
        figures.add("cold search", timed(search, env)[0])
        figures.add("python -c pass", timed([sys.executable, "-c", "pass"], env)[0])
    print(
        f"  round {number + 1}: "
        + ", ".join(
            f"{label} {statistics.median(values[earlier.get(label, 0) :]):.2f}s"
            for label, values in figures.times.items()
        ),
        flush=True,
    )


# -- the report -------------------------------------------------------------------------------


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns (a CJK character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def row(label: str, value: float, unit: str, target: float | None = None) -> None:
    shown = f"{value:.1f} {unit}" if unit == "ms" else f"{value:.2f} {unit}".rstrip()
    verdict = "" if target is None else ("met" if value <= target else "MISSED")
    aim = "" if target is None else f"<= {target:g} {unit}"
    print(f"{label:<40}{shown:>11}  {aim:<12}{verdict}")


def report(figures: Figures, latency: dict[str, Latency], docs: int) -> None:
    print("\nkb index output (last round):")
    for label, line in figures.outputs.items():
        print(f"  {label:<12} {line}")
    print(
        f"\n{'query':<28}{'kind':<13}{'hits':>6}{'first ms':>10}{'warm ms':>9}{'max ms':>8}"
        f"{'Whoosh ms':>11}"
    )
    for kind, text in QUERIES:
        got = latency[text]
        print(
            f"{pad(text, 28)}{kind:<13}{got.total:>6}{got.first:>10.1f}"
            f"{statistics.median(got.warm):>9.1f}{max(got.warm):>8.1f}"
            f"{statistics.median(got.whoosh):>11.1f}"
        )
    warm = [ms for got in latency.values() for ms in got.warm]
    first = [got.first for got in latency.values()]
    whoosh = [ms for got in latency.values() for ms in got.whoosh]
    build, floor_seconds = figures.median("build"), figures.median("floor")
    print(f"\n{'figure (median)':<40}{'value':>11}  {'target':<12}")
    row("kb index --rebuild (full build)", build, "s", 30)
    row("  floor: analysis only, one process", floor_seconds, "s")
    row("  build / floor", build / floor_seconds, "")
    row("kb index, nothing changed", figures.median("unchanged"), "s")
    row("kb index, one document changed", figures.median("one changed"), "s", 0.5)
    row("kb index, one title changed", figures.median("retitled"), "s", 0.5)
    row("kb search, cold process", figures.median("cold search"), "s", 0.6)
    row("  python -c pass", figures.median("python -c pass"), "s")
    row(f"query p50, warm searcher ({len(warm)} runs)", percentile(warm, 0.50), "ms", 20)
    row("query p95, warm searcher", percentile(warm, 0.95), "ms", 60)
    row(f"  first run of each query: p50 ({len(first)})", percentile(first, 0.50), "ms")
    row("  first run of each query: p95", percentile(first, 0.95), "ms")
    row("  baseline, Whoosh's own matching: p50", percentile(whoosh, 0.50), "ms")
    row("  baseline, Whoosh's own matching: p95", percentile(whoosh, 0.95), "ms")
    row("  p50 ratio, arrays / Whoosh", percentile(warm, 0.5) / percentile(whoosh, 0.5), "")
    size = figures.index_bytes
    print(f"index size on disk: {size / 1e6:.1f} MB ({size / docs / 1024:.1f} KB per document)")
    print(
        f"peak memory of the build: main process {figures.peak[0] / 1024:.0f} MB, "
        f"largest worker {figures.peak[1] / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each query")
    parser.add_argument("--searches", type=int, default=3, help="cold searches per round")
    parser.add_argument("--changes", type=int, default=5, help="small updates per round")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument(
        "--mixed", action="store_true", help="public, internal and restricted documents"
    )
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kb-search-bench-"))
    kb_root = options.keep or work / "kb"
    kb_root.mkdir(parents=True, exist_ok=True)
    print(f"generating {options.docs} documents in {kb_root} ...", flush=True)
    generate(kb_root, options.docs, mixed=options.mixed)
    size = sum(p.stat().st_size for p in kb_root.rglob("*.md"))
    print(f"  {size / 1e6:.1f} MB of Markdown, {size / options.docs / 1024:.1f} KB per document")

    compileall.compile_dir(ROOT / "tools" / "supportkb", quiet=1)
    figures = Figures()
    index_dir = work / "index-0"
    for number in range(options.rounds):
        if number:
            shutil.rmtree(index_dir, ignore_errors=True)
            index_dir = work / f"index-{number}"
        run_round(figures, kb_root, index_dir, number, options.searches, options.changes)
    report(figures, query_latency(index_dir, options.repeats), options.docs)
    shutil.rmtree(work if not options.keep else index_dir.parent / "cache", ignore_errors=True)


if __name__ == "__main__":
    main()
