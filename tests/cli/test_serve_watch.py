"""`kb serve --watch`: what it watches (from `documents.layout` and the settings' files), and
that it builds first and answers every request while it rebuilds."""

from __future__ import annotations

import http.client
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from supportkb.cli.commands.serve import watched_paths
from supportkb.documents.layout import ARTICLES_DIR, POLICIES_DIR, SOPS_DIR
from supportkb.workspace.owners import REGISTRY_FILE

from conftest import TROUBLESHOOTING_BODY, KnowledgeBaseFactory


def test_the_document_folders_pages_and_settings_are_watched(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    kb.write("sops/power.md", "# SOP\n")
    kb.write(f"{POLICIES_DIR}/leave.md", "# policy\n")
    kb.write("docs/index.md", "# home\n")
    watched = watched_paths(kb.root)
    expected = [ARTICLES_DIR, SOPS_DIR, POLICIES_DIR.partition("/")[0], "mkdocs.yml", REGISTRY_FILE]
    assert watched == [kb.root / name for name in expected]  # docs/policies through docs/


def test_folders_that_do_not_exist_are_not_watched(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    assert watched_paths(kb.root) == [
        kb.root / p for p in (ARTICLES_DIR, "mkdocs.yml", "owners.yml")
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def _rebuilds(port: int, seen: queue.Queue[str]) -> None:
    """The event stream of /api/live, each event's first line into `seen`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/api/live")
    answer = connection.getresponse()
    for line in answer:
        if line.startswith(b"event: "):
            seen.put(line.decode().strip())


def test_no_request_fails_during_rebuilds_and_a_document_written_before_is_served(
    kb: KnowledgeBaseFactory,
) -> None:
    """`kb serve --watch` with no site yet: it builds first (the article written before it
    started is a page, not a 404), then pages, files and searches asked every few
    milliseconds while documents are saved and the site rebuilt all answer 200."""
    kb.article("kb/vpn/error-809.md", id="KB-0001", title="VPN 錯誤 809")
    kb.article("kb/printing/jam.md", id="KB-0002", title="印表機卡紙")
    kb.write("docs/index.md", "# 首頁\n")
    port = _free_port()
    command = [sys.executable, "-m", "supportkb", "-C", str(kb.root), "serve", "--watch"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--as-of", "2026-11-24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    paths = ("/kb/vpn/error-809/", "/", "/assets/supportkb/site.js", "/api/search?q=VPN")
    failures: list[tuple[str, object]] = []
    answered = [0]
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            for path in paths:
                try:
                    status: object = _get(port, path)
                except OSError as error:
                    status = error
                answered[0] += 1
                if status != 200:
                    failures.append((path, status))
            time.sleep(0.01)

    try:
        for _ in range(1200):  # it builds the index and the site before it listens
            try:
                assert _get(port, "/kb/vpn/error-809/") == 200
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.1)
        seen: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_rebuilds, args=(port, seen), daemon=True).start()
        assert seen.get(timeout=30) == "event: hello"
        pollers = [threading.Thread(target=ask, daemon=True) for _ in range(2)]
        for poller in pollers:
            poller.start()
        for round in range(3):
            body = TROUBLESHOOTING_BODY.replace("連線逾時。", f"連線逾時（第 {round} 次修改）。")
            kb.article("kb/vpn/error-809.md", body, id="KB-0001", title="VPN 錯誤 809")
            assert seen.get(timeout=120) == "event: rebuilt"
        stop.set()
        for poller in pollers:
            poller.join(timeout=30)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
    assert answered[0] > 0
    assert failures == []


def test_hidden_files_start_no_rebuild(tmp_path: Path) -> None:
    """A `kb new` while watching wrote `.kb-0034-….md.rnz8dydy.tmp` then renamed it: the
    temporary file was named among the changes (and an editor's swap file rebuilt the site)."""
    from watchfiles import Change

    from supportkb.cli.commands.serve import starts_a_rebuild

    folder = tmp_path / "kb" / "printing"
    assert starts_a_rebuild(Change.added, str(folder / "kb-0034-toner-low.md"))
    assert not starts_a_rebuild(Change.added, str(folder / ".kb-0034-toner-low.md.rnz8dydy.tmp"))
    assert not starts_a_rebuild(Change.modified, str(folder / ".toner.md.swp"))
