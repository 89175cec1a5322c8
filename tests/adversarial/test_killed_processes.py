"""A `kb index` or `kb check` killed with SIGKILL half way: its workers end with it, the build
lock goes with it, the next build cleans up after it and the previous index keeps answering.

Found: the forked workers of a killed `kb index --rebuild` waited forever on their queue while
holding the build lock, so every later `kb index` said another build was running; `kb check`'s
pool workers were orphaned the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.workspace.cache import ResultCache

from conftest import KnowledgeBaseFactory

WORDS = ["印表機", "卡紙", "連線", "逾時", "防火牆", "憑證", "信箱", "權限", "磁碟", "更新"]
BOUNDED_WAIT = 60.0  # seconds: a generous bound on a loaded machine; orphans never end at all

needs_two_cores = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="builds use worker processes only with 2+ cores"
)


def many_documents(kb: KnowledgeBaseFactory, count: int) -> None:
    for number in range(1, count + 1):
        words = " ".join(WORDS[(number + k) % len(WORDS)] for k in range(40))
        body = f"# 文章 {number}\n\n## 症狀\n{words}\n\n## 原因\n{words}\n\n## 解決方法\n{words}\n"
        kb.article(
            f"kb/c{number % 7}/article-{number:05d}.md",
            body,
            id=f"KB-{number:05d}",
            title=f"文章 {number} zqkilltest",
            owner="alice",
        )


def kb_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "supportkb", "-C", str(root), *args]


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def kill_when_workers_run(command: list[str], workers: int = 1) -> set[int]:
    """Start `command`, wait until it has forked `workers` worker processes, SIGKILL it, and
    return the workers' process ids."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + BOUNDED_WAIT
        seen: set[int] = set()
        while len(seen) < workers and process.poll() is None and time.monotonic() < deadline:
            seen |= children_of(process.pid)
            time.sleep(0.02)
        assert len(seen) >= workers, "the command ended before its workers started"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return seen


def wait_until_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + BOUNDED_WAIT
    while (left := {pid for pid in pids if alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # do not leave them to the next tests
        os.kill(pid, signal.SIGKILL)
    return left


@needs_two_cores
def test_killed_index_build_leaves_no_worker_and_no_lock(kb: KnowledgeBaseFactory) -> None:
    many_documents(kb, 1200)
    first = subprocess.run(kb_command(kb.root, "index"), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    workers = kill_when_workers_run(kb_command(kb.root, "index", "--rebuild"))
    assert wait_until_gone(workers) == set(), "workers outlived the killed build"

    again = subprocess.run(kb_command(kb.root, "index"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "another" not in again.stderr
    found = subprocess.run(
        kb_command(kb.root, "search", "zqkilltest", "--json"),
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0, found.stderr
    assert "KB-0" in found.stdout  # the previous index still answers
    for folder in (kb.root / ".kb-index" / a for a in ("public", "internal", "restricted")):
        current = (folder / "CURRENT").read_text().split()[0].rpartition("/")[2]
        leftovers = [
            p.name
            for p in folder.iterdir()
            if p.name.endswith((".tmp", "-journal", ".new"))
            or (p.name.startswith("gen-") and p.name > current)
        ]
        assert leftovers == [], folder


@needs_two_cores
def test_killed_check_leaves_no_worker(kb: KnowledgeBaseFactory) -> None:
    many_documents(kb, 1500)
    workers = kill_when_workers_run(
        kb_command(kb.root, "check", "--as-of", "2026-11-24", "--no-cache"), workers=2
    )
    assert wait_until_gone(workers) == set(), "check workers outlived the killed check"


def test_workers_that_lost_their_parent_before_asking_end_at_once() -> None:
    """The parent may die between the fork and the worker's request to die with it."""
    script = (
        "import os, sys\n"
        "from supportkb.system.processes import end_with_parent\n"
        "end_with_parent(os.getppid() + 1_000_000)\n"  # not its parent: as if orphaned
        "sys.exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == 1


def test_forked_workers_do_not_hold_the_build_lock(tmp_path: Path) -> None:
    """Whoosh forks its workers inside the build lock: their copy of the lock's descriptor is
    closed at once, so the lock ends with the build even before they do."""
    from supportkb.search.indexing.index import _build_lock

    folder = tmp_path / "index"
    with _build_lock(folder):
        held = {int(name) for name in os.listdir("/proc/self/fd")}
        child = os.fork()
        if child == 0:  # the worker: is any descriptor of the lock file still open?
            try:
                lock = (folder / ".lock").resolve()
                kept = any(Path(f"/proc/self/fd/{fd}").resolve() == lock for fd in held)
            except BaseException:
                os._exit(2)
            os._exit(1 if kept else 0)
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_killed_check_leaves_no_cache_temporary_behind(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    folder = ResultCache(kb.root).folder
    assert folder is not None
    abandoned = folder / ".files.pickle.k1ll3d.tmp"  # as atomic.write_atomic names them
    abandoned.write_bytes(b"half a cache")
    os.utime(abandoned, (1_600_000_000, 1_600_000_000))  # written long ago, by a dead run
    CliRunner().invoke(cli, ["-C", str(kb.root), "check", "--as-of", "2026-11-24"])
    assert not abandoned.exists()


def test_killed_server_leaves_no_worker_holding_the_port(kb: KnowledgeBaseFactory) -> None:
    """Red-team reproduction: `kill -9` of `kb serve` left its two workers answering on the
    port, adopted by init, and the next `kb serve` could not listen."""
    import socket
    import urllib.request

    from supportkb.search.indexing.index import build_index
    from supportkb.site.marker import SiteMarker, write_marker

    kb.article()
    build_index(kb.root)
    site = kb.root / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    write_marker(site, SiteMarker("internal", "2026-11-24"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        kb_command(kb.root, "serve", "--port", str(port), "--workers", "2", "--no-analytics"),
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + BOUNDED_WAIT
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5):
                    break
            except OSError:
                time.sleep(0.2)
        workers = children_of(server.pid)
        assert len(workers) >= 2
    finally:
        server.kill()
        server.wait()
    assert wait_until_gone(workers) == set(), "workers outlived the killed server"
