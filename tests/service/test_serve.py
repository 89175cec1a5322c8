"""`kb serve` as a real process: starts with two workers, answers, stops cleanly on SIGTERM."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.search.indexing.index import build_index
from supportkb.site.marker import SiteMarker, write_marker

from conftest import KnowledgeBaseFactory


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _site(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    build_index(kb.root)
    (kb.root / "site").mkdir()
    (kb.root / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    write_marker(kb.root / "site", SiteMarker("internal", "2026-11-24"))  # as `kb build` does


def _serve(kb: KnowledgeBaseFactory, port: int) -> subprocess.Popen[str]:
    """`kb serve` as a process, with its default two workers."""
    return subprocess.Popen(
        [sys.executable, "-m", "supportkb", "-C", str(kb.root), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serves_with_two_workers_and_stops_on_sigterm(kb: KnowledgeBaseFactory) -> None:
    _site(kb)
    port = _free_port()
    server = _serve(kb, port)
    try:
        health = _wait_for_health(port)
        assert health["documents"] == 1
        query = urllib.parse.quote("錯誤 809")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q={query}") as answer:
            assert json.loads(answer.read())["results"][0]["id"] == "KB-0001"
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=20)
    assert server.returncode == 0, stderr
    assert "Started parent process" in stderr or "Started server process" in stderr
    assert "127.0.0.1" in stderr  # the default address
    assert "錯誤" not in stderr  # the access log has no search text


def test_connections_are_spread_over_both_workers(kb: KnowledgeBaseFactory) -> None:
    """Each worker listens on its own socket (SO_REUSEPORT): new connections reach both,
    where uvicorn's one shared socket let the first worker awake take them all."""
    _site(kb)
    port = _free_port()
    server = _serve(kb, port)
    try:
        _wait_for_health(port)  # the first worker is up; the second may still be starting
        workers = set()
        deadline = time.monotonic() + 15
        connections = 0
        while len(workers) < 2 and (connections < 24 or time.monotonic() < deadline):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health") as answer:
                workers.add(json.loads(answer.read())["worker"])  # a new connection each time
            connections += 1
            if connections >= 24:
                time.sleep(0.1)
        assert len(workers) == 2
        # the workers share the port with each other, not with a second server
        second = CliRunner().invoke(cli, ["-C", str(kb.root), "serve", "--port", str(port)])
        assert second.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in second.output
        assert "serving" not in second.output
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=20)
    assert server.returncode == 0


def test_a_port_in_use_is_a_clear_error(kb: KnowledgeBaseFactory) -> None:
    _site(kb)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["-C", str(kb.root), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def _wait_for_health(port: int) -> dict[str, object]:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health") as answer:
                return json.loads(answer.read())  # type: ignore[no-any-return]
        except OSError:
            time.sleep(0.1)
    raise AssertionError("kb serve did not answer")


def test_serve_without_an_index_or_a_site_says_what_to_do(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    result = CliRunner().invoke(cli, ["-C", str(kb.root), "serve"])
    assert result.exit_code == 1 and "run `kb build --site-dir site`" in result.output
    (kb.root / "site").mkdir()
    (kb.root / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    write_marker(kb.root / "site", SiteMarker("internal", "2026-11-24"))
    result = CliRunner().invoke(cli, ["-C", str(kb.root), "serve"])
    assert result.exit_code == 1 and "run `kb index` first" in result.output


def test_bad_port_is_a_usage_error(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(kb.root), "serve", "--port", "70000"])
    assert result.exit_code == 2


def test_watch_rebuilds_the_index_when_a_document_changes(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    kb.write("docs/index.md", "# KB\n")  # no site, no index: --watch builds both first
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "supportkb",
            "-C",
            str(kb.root),
            "serve",
            "--watch",
            "--workers",
            "1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/"

    def found(word: str) -> list[str]:
        with urllib.request.urlopen(base + "search?q=" + urllib.parse.quote(word)) as answer:
            return [r["id"] for r in json.loads(answer.read())["results"]]

    try:
        started = time.time() + 90  # --watch builds the index and the site first
        while time.time() < started and server.poll() is None:
            try:
                urllib.request.urlopen(base + "health").close()
                break
            except OSError:
                time.sleep(0.1)
        assert found("碳粉匣") == []
        time.sleep(0.5)  # the watcher is running
        kb.article("kb/printing/toner.md", id="KB-0002", title="碳粉匣更換")
        deadline = time.time() + 60
        while time.time() < deadline and found("碳粉匣") != ["KB-0002"]:
            time.sleep(0.5)
        assert found("碳粉匣") == ["KB-0002"]
        stream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        stream.request("GET", "/api/live")  # an open page's event stream, left open
        assert stream.getresponse().readline() == b"retry: 1000\n"
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=20)
    assert "rebuilding" in stderr
    assert "graceful shutdown exceeded" not in stderr  # the stream was closed, not waited for
