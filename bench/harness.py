"""The benchmarks' shared parts, so that each script under bench/ says only what it measures.

  where the code is    `checkout()`: the checkout whose supportkb this interpreter imports
                       (its repository files, mkdocs.yml, owners.yml, docs/, are the data the
                       benchmarks use); `library(name)`: the few library functions the scripts
                       call, found where the redesign (issue 14) put them or where they were
                       before, so that bench/compare_checkouts.py runs the same scripts against
                       the code before and after
  corpora              `simple_corpus` (short repeated phrases: check_speed, site_speed) and
                       `realistic_corpus` (about 3 KB of varied support text a document:
                       search_speed, serve_load, serve_flood)
  commands             `kb_command()`, `timed()` (a fresh process, interpreter start-up
                       included), `kb_in_process()` (`kb` with its peak memory)
  the server           `prepare_served_kb()` (a corpus, its index, a marked one-page site),
                       `start_server()`, `wait_healthy()`, `stop_server()`
  statistics           `median()`, `percentile()`, `ratio_table()`
  figures              `figure()`: each script names the figures it prints; with
                       BENCH_FIGURES=path in the environment they are also written there as
                       JSON when the script ends (what compare_checkouts.py and run_all.py read)

The scripts import supportkb as installed (`make setup`), never from this checkout's tools/:
the method (bench/) and the code under test may come from two checkouts.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
AS_OF = date(2026, 11, 24)
# Debian's headless Chromium, as the browser benchmarks start it (the same flags as the tests'
# tests/test_browser.py); a script that cannot run without it exits SKIPPED
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIPPED = 77  # the exit code run_all.py reports as "skipped"


def launch_chromium() -> tuple[Any, Any]:
    """(Playwright, Chromium) started with CHROMIUM_FLAGS, or exit SKIPPED with a message."""
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} is not installed (apt-get install chromium)")
        sys.exit(SKIPPED)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: Playwright is not installed (make setup installs the test extras)")
        sys.exit(SKIPPED)
    playwright = sync_playwright().start()
    return playwright, playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
    )

# -- where the code under test is ---------------------------------------------------------------


def package_dir() -> Path:
    """The folder of the supportkb package this interpreter imports (without importing it)."""
    spec = importlib.util.find_spec("supportkb")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("supportkb is not installed in this interpreter: run `make setup` first")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def checkout() -> Path:
    """The checkout of that package (`pip install -e` of tools/supportkb): its repository files
    are the benchmarks' data, as they belong to the code under test."""
    return package_dir().parents[1]


# Each name the scripts use, where the redesign put it first, then where it was before
# (commit 72058d6). The one place to edit when a module moves.
LIBRARY: dict[str, tuple[str, ...]] = {
    "text_analyzer": (
        "supportkb.search.text.analysis:text_analyzer",
        "supportkb.text_analysis:text_analyzer",
    ),
    "open_engine": (
        "supportkb.search.indexing.index:open_engine",
        "supportkb.search_index:open_engine",
    ),
    "build_index": (
        "supportkb.search.indexing.index:build_index",
        "supportkb.search_index:build_index",
    ),
    "plain_text": (
        "supportkb.search.indexing.index:plain_text",
        "supportkb.search_index:plain_text",
    ),
    "SearchRequest": ("supportkb.search.query:SearchRequest", "supportkb.search:SearchRequest"),
    "run_search": ("supportkb.search.query:run_search", "supportkb.search:run_search"),
    "search_quality": ("supportkb.search.quality", "supportkb.search_quality"),
    "read_source": ("supportkb.documents.source:read_source", "supportkb.source:read_source"),
    "load_knowledge_base": (
        "supportkb.workspace.knowledge_base:load_knowledge_base",
        "supportkb.knowledge_base:load_knowledge_base",
    ),
    "SiteMarker": ("supportkb.site.marker:SiteMarker", "supportkb.site_marker:SiteMarker"),
    "write_marker": ("supportkb.site.marker:write_marker", "supportkb.site_marker:write_marker"),
}


def library(name: str) -> Any:
    """A module ("module") or one of its attributes ("module:name") from LIBRARY."""
    tried = []
    for place in LIBRARY[name]:
        module_name, _, attribute = place.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise  # the module exists but a dependency of it is missing
            tried.append(place)
            continue
        if not attribute:
            return module
        if hasattr(module, attribute):
            return getattr(module, attribute)
        tried.append(place)
    raise ImportError(f"{name}: none of {tried} in {package_dir()} (edit bench/harness.py)")


# -- commands -----------------------------------------------------------------------------------


def kb_command() -> list[str]:
    """`kb` of this interpreter's environment."""
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "supportkb"]


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds of one process (exit 0 or 1: 1 is findings or nothing found), its output."""
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"benchmark run failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout + done.stderr


# `kb ARGS...` in this process, as its console script runs it, then its peak memory on stderr
KB_IN_PROCESS = """
import importlib, importlib.metadata, resource, sys
(entry,) = importlib.metadata.entry_points(group="console_scripts", name="kb")
sys.argv = ["kb", *sys.argv[1:]]
try:
    entry.load()()
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"MAXRSS {own} {workers}\\n")
"""


@dataclass(frozen=True)
class KbRun:
    """One `kb` process: seconds, its output (stdout then stderr), peak memory in KB of its own
    process and of its largest worker."""

    seconds: float
    output: str
    own_kb: int
    workers_kb: int


def kb_in_process(args: Sequence[str], env: dict[str, str]) -> KbRun:
    seconds, output = timed([sys.executable, "-c", KB_IN_PROCESS, *args], env)
    rss = next(line.split()[1:] for line in output.splitlines() if line.startswith("MAXRSS"))
    return KbRun(seconds, output, int(rss[0]), int(rss[1]))


def compile_package() -> None:
    """Compile supportkb's bytecode, as a user's first run leaves it."""
    import compileall

    compileall.compile_dir(package_dir(), quiet=1)


# -- statistics ---------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ratio_table(medians: dict[str, float], base: str, first: str = "run") -> None:
    """Each run's median seconds beside its ratio to `base`."""
    print(f"{first:<6}{'median s':>10}{f'ratio to {base}':>15}")
    for label, seconds in medians.items():
        print(f"{label:<6}{seconds:>10.2f}{seconds / medians[base]:>15.2f}")


# -- figures, for the scripts that compare or check runs -----------------------------------------


@dataclass(frozen=True)
class Figure:
    """One printed figure: `better` is "lower", "higher" or "" (informational); the unit "n"
    is a count (of errors), compared as more or not more rather than as a ratio."""

    name: str
    value: float
    unit: str = ""
    better: str = "lower"


FIGURES: list[Figure] = []


def figure(name: str, value: float, unit: str = "", better: str = "lower") -> float:
    FIGURES.append(Figure(name, float(value), unit, better))
    return value


@atexit.register
def _write_figures() -> None:
    path = os.environ.get("BENCH_FIGURES")
    if path and FIGURES:
        Path(path).write_text(json.dumps([asdict(f) for f in FIGURES], indent=1), encoding="utf-8")


@contextlib.contextmanager
def work_folder(prefix: str, keep: Path | None = None) -> Iterator[Path]:
    """A temporary folder removed at the end, or `keep` (created, kept)."""
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    import tempfile

    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- corpora ------------------------------------------------------------------------------------

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


def copy_settings(root: Path) -> None:
    """mkdocs.yml and owners.yml of the checkout under test."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(checkout() / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copy(checkout() / "owners.yml", root / "owners.yml")


def markdown_size(root: Path, count: int) -> str:
    size = sum(p.stat().st_size for p in root.rglob("*.md"))
    return f"  {size / 1e6:.1f} MB of Markdown, {size / count / 1024:.1f} KB per document"


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
SIMPLE_SECTIONS = ["症狀", "環境", "原因", "解決方法", "相關文件"]


def simple_corpus(root: Path, count: int, seed: int = 7) -> None:
    """`count` articles of a few repeated phrases (about 1 KB each), valid front-matter."""
    rng = random.Random(seed)
    copy_settings(root)
    owners = ["service-desk", "network", "systems", "security", "lin.meiling", "chen.jianhong"]
    for number in range(1, count + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        relative = f"kb/{category}/article-{number:05d}.md"
        related = [f"KB-{rng.randint(1, count):05d}" for _ in range(rng.randint(0, 3))]
        previous = number - len(CATEGORIES)  # the previous article in the same folder
        link = f"另見 [前一篇文章](article-{previous:05d}.md)。" if previous > 0 else ""
        body = [f"# 文章 {number}", ""]
        for section in SIMPLE_SECTIONS:
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
REALISTIC_SECTIONS = {
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
    """Every document internal, or (`mixed`) 30 % public, 60 % internal, 10 % restricted:
    then each audience's index is written (one index per audience)."""
    if not mixed:
        return "internal"
    share = number % 10
    return "restricted" if share == 0 else "public" if share <= 3 else "internal"


def realistic_front_matter(
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


def realistic_body(vocabulary: Vocabulary, title: str, previous: int) -> list[str]:
    rng = vocabulary.rng
    lines = [f"# {title}", ""]
    for heading, kinds in REALISTIC_SECTIONS.items():
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


def realistic_corpus(root: Path, count: int, seed: int = 11, mixed: bool = False) -> None:
    """`count` articles of about 3 KB: Traditional Chinese IT-support text mixed with English
    product names, error codes, ticket numbers and addresses, from templates and word lists (a
    vocabulary of thousands of terms), in kb/<category>/ folders with valid front-matter."""
    vocabulary = Vocabulary(random.Random(seed))
    copy_settings(root)
    for number in range(1, count + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        vocabulary.focus()
        product, symptom = vocabulary.of("products"), vocabulary.of("symptoms")
        title = f"{product} {symptom}（{vocabulary.of('codes')}）"
        previous = number - len(CATEGORIES)  # the previous article in the same folder
        lines = realistic_front_matter(vocabulary, number, count, title, mixed)
        lines += realistic_body(vocabulary, title, previous)
        path = root / f"kb/{category}/article-{number:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# a mixed query set: Traditional, Simplified, English, mixed, error codes, phrases, field
# filters, prefix* (search_speed, serve_load, serve_flood)
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


# -- the server ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedKb:
    """A generated knowledge base, its index and a one-page site, ready for `kb serve`."""

    kb: list[str]  # `kb -C <the knowledge base>`
    index_dir: Path
    site: Path


def prepare_served_kb(work: Path, docs: int, env: dict[str, str]) -> ServedKb:
    kb_root, index_dir, site = work / "kb", work / "index", work / "site"
    kb_root.mkdir()
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>kb</title>\n", encoding="utf-8")
    marker = library("SiteMarker")("internal", AS_OF.isoformat())
    library("write_marker")(site, marker)  # as `kb build` does: kb serve reads it
    print(f"generating {docs} documents in {kb_root} ...", flush=True)
    realistic_corpus(kb_root, docs)
    kb = [*kb_command(), "-C", str(kb_root)]
    subprocess.run([*kb, "index", "--index-dir", str(index_dir)], env=env, check=True)
    return ServedKb(kb, index_dir, site)


def search_path(query: str, extra: dict[str, str] | None = None) -> str:
    """/api/search for `query`, ten results, and the API's other parameters in `extra`."""
    return "/api/search?" + urlencode({"q": query, "limit": "10", **(extra or {})})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    served: ServedKb,
    port: int,
    env: dict[str, str],
    log_path: Path,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.Popen[bytes]:
    """`kb serve --workers 2` in a session of its own (so that stop_server can end all of it),
    its output in `log_path`."""
    serve = [*served.kb, "serve", "--port", str(port), "--workers", "2", "--site-dir"]
    serve += [str(served.site), "--index-dir", str(served.index_dir), "--no-analytics"]
    serve += ["--as-of", AS_OF.isoformat()]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            serve,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )


def health(port: int, timeout: float) -> int:
    """The status of /api/health, 0 when there is no answer."""
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/health", timeout=timeout
        ) as answer:
            return int(answer.status)
    except OSError:
        return 0


def wait_healthy(port: int, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"kb serve exited early ({server.returncode})")
        if health(port, 2) == 200:
            return
        time.sleep(0.3)
    sys.exit("kb serve did not answer /api/health in time")


def stop_server(server: subprocess.Popen[bytes], timeout: float = 10) -> tuple[int | None, float]:
    """SIGTERM; (exit code, or None when still running after `timeout` s, seconds taken)."""
    started = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    try:
        code: int | None = server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = None
        os.killpg(server.pid, signal.SIGKILL)  # its own session, started by this script
        server.wait()
    return code, time.perf_counter() - started


# -- the scripts, for run_all.py and compare_checkouts.py ------------------------------------------

# every benchmark, with the options of a short run (`make bench`: does each run to the end?)
SHORT = {
    "check_speed": "--docs 200 --rounds 1",
    "site_speed": "--docs 50 --rounds 1",
    "search_quality": "--no-static",
    "search_speed": "--docs 200 --rounds 1 --repeats 1 --searches 1 --changes 1",
    "serve_load": "--docs 100 --connections 2 4 --seconds 2 --soak-seconds 5 --burst-seconds 2",
    "serve_flood": "--docs 100 --idle 50 --flooders 2 --seconds 2",
    "browser_search": "--docs 100 --queries 3 --gap 0 --no-weight",
    "preview_speed": (
        "--docs 0 --edits 1 --no-warm-up --no-baseline --no-partial --timeout 20 --grace 3 "
        "--gap 0"
    ),
    "history_speed": "--docs 30 --commits 120 --rounds 1 --repeats 1",
}
SCRIPTS = tuple(SHORT)


def script_path(name: str, bench: Path = BENCH) -> Path:
    path = bench / f"{name.removesuffix('.py')}.py"
    if not path.is_file():
        sys.exit(f"no benchmark {path} (choose from {', '.join(SCRIPTS)})")
    return path


def read_figures(path: Path) -> list[Figure]:
    """The figures a script wrote (BENCH_FIGURES), none when it did not reach its report."""
    if not path.is_file():
        return []
    return [Figure(**each) for each in json.loads(path.read_text(encoding="utf-8"))]
