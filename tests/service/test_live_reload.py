"""`kb serve --watch`: the rebuilds, what changed, and the events the pages listen to."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supportkb.search.indexing.index import build_index
from supportkb.service import app as service_app
from supportkb.service.app import ServeSettings, create_app
from supportkb.service.live_reload import (
    LiveSite,
    LiveState,
    compare_pages,
    live_events,
    page_digests,
    read_state,
    write_state,
)
from supportkb.site.marker import read_marker

from conftest import AS_OF, TROUBLESHOOTING_BODY, KnowledgeBaseFactory


def test_changed_and_removed_pages_by_site_path(tmp_path: Path) -> None:
    def page(relative: str, text: str) -> None:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")

    page("index.html", "home")
    page("kb/vpn/a/index.html", "a")
    page("kb/vpn/b/index.html", "b")
    page("404.html", "not found")
    before = page_digests(tmp_path)
    assert sorted(before) == ["", "kb/vpn/a/", "kb/vpn/b/"]  # 404.html is nobody's page
    page("kb/vpn/a/index.html", "a, edited")
    (tmp_path / "kb/vpn/b/index.html").unlink()
    page("kb/vpn/c/index.html", "c")
    assert compare_pages(before, page_digests(tmp_path)) == (
        ("kb/vpn/a/", "kb/vpn/c/"),
        ("kb/vpn/b/",),
    )


def test_the_state_is_read_back_and_a_missing_or_broken_file_is_none(tmp_path: Path) -> None:
    state = LiveState(3, ("kb/a/",), ("kb/b/",), None)
    write_state(tmp_path / "live.json", state)
    assert read_state(tmp_path / "live.json") == state
    assert read_state(tmp_path / "absent.json") is None
    (tmp_path / "live.json").write_text("{", encoding="utf-8")
    assert read_state(tmp_path / "live.json") is None


def _events(stream: AsyncIterator[str]) -> list[str]:
    async def collect() -> list[str]:
        return [event async for event in stream]

    return asyncio.run(collect())


def test_the_stream_says_hello_then_sends_each_rebuild_once(tmp_path: Path) -> None:
    live = tmp_path / "live.json"
    write_state(live, LiveState(0))
    rebuilds = iter([LiveState(1, ("kb/a/",)), None, LiveState(2, error="bad YAML")])

    async def rebuild_meanwhile(seconds: float) -> None:
        state = next(rebuilds, None)
        if state is not None:
            write_state(live, state)

    events = _events(
        live_events(live, None, poll=1, keep_alive=100, lifetime=5, sleep=rebuild_meanwhile)
    )
    assert events[0] == "retry: 1000\n\n"  # the browser reconnects after a second
    assert events[1].startswith("id: 0\nevent: hello\n")
    assert events[2].startswith("id: 1\nevent: rebuilt\n") and '"changed": ["kb/a/"]' in events[2]
    assert events[3].startswith("id: 2\nevent: rebuilt\n") and '"error": "bad YAML"' in events[3]
    assert len(events) == 4


def test_a_rebuild_missed_while_reconnecting_is_sent_at_once(tmp_path: Path) -> None:
    live = tmp_path / "live.json"
    write_state(live, LiveState(4, ("kb/a/",)))

    async def nothing(seconds: float) -> None:
        pass

    missed = _events(live_events(live, 3, lifetime=0, sleep=nothing))  # Last-Event-ID: 3
    assert missed[1].startswith("id: 4\nevent: rebuilt\n")
    current = _events(live_events(live, 4, lifetime=0, sleep=nothing))
    assert current[1].startswith("id: 4\nevent: hello\n")


def test_an_idle_stream_sends_keep_alive_comments(tmp_path: Path) -> None:
    live = tmp_path / "live.json"
    write_state(live, LiveState(0))

    async def nothing(seconds: float) -> None:
        pass

    events = _events(live_events(live, None, poll=1, keep_alive=2, lifetime=4, sleep=nothing))
    assert events[2:] == [": still watching\n\n", ": still watching\n\n"]


@pytest.fixture
def knowledge_base(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    kb.article("kb/vpn/error-809.md", id="KB-0001", title="VPN 錯誤 809")
    kb.article("kb/printing/jam.md", id="KB-0002", title="印表機卡紙")
    kb.write("docs/index.md", "# 首頁\n")
    return kb


def _live_site(kb: KnowledgeBaseFactory, tmp_path: Path) -> LiveSite:
    live_file = tmp_path / "live" / "live.json"
    return LiveSite(kb.root, kb.root / ".kb-index", kb.root / "site", None, AS_OF, live_file)


def test_the_first_build_makes_the_site_and_index_and_a_rebuild_names_the_changed_page(
    knowledge_base: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb = knowledge_base
    live = _live_site(kb, tmp_path_factory.mktemp("run"))
    started = live.start()
    assert started.state.error is None and started.documents == 2
    assert (kb.root / "site/kb/vpn/error-809/index.html").is_file()
    marker = read_marker(kb.root / "site")
    assert marker is not None and live.audience == marker.audience  # mkdocs.yml's, then kept
    assert read_state(live.live_file) == LiveState(0)

    edited = TROUBLESHOOTING_BODY.replace("連線逾時。", "連線逾時（已更新）。")
    kb.article("kb/vpn/error-809.md", edited, id="KB-0001", title="VPN 錯誤 809")
    rebuilt = live.rebuild((kb.root / "kb/vpn/error-809.md",))
    assert "kb/vpn/error-809/" in rebuilt.state.changed
    assert "kb/printing/jam/" not in rebuilt.state.changed  # its page did not change
    assert "已更新" in (kb.root / "site/kb/vpn/error-809/index.html").read_text(encoding="utf-8")
    assert read_state(live.live_file) == rebuilt.state and rebuilt.state.generation == 1


def test_a_failed_rebuild_keeps_the_site_and_publishes_only_its_error(
    knowledge_base: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb = knowledge_base
    live = _live_site(kb, tmp_path_factory.mktemp("run"))
    live.start()
    page = (kb.root / "site/kb/vpn/error-809/index.html").read_bytes()
    settings = (kb.root / "mkdocs.yml").read_text(encoding="utf-8")
    (kb.root / "mkdocs.yml").write_text(settings + "theme: [\n", encoding="utf-8")
    failed = live.rebuild((kb.root / "mkdocs.yml",))
    assert failed.state.error and failed.state.changed == ()
    assert read_state(live.live_file) == failed.state
    assert (kb.root / "site/kb/vpn/error-809/index.html").read_bytes() == page


def test_a_document_that_cannot_be_read_is_named_with_its_line(
    knowledge_base: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb = knowledge_base
    live = _live_site(kb, tmp_path_factory.mktemp("run"))
    live.start()
    broken = kb.write("kb/vpn/error-809.md", "---\nid: KB-0001\ntitle: [\n---\n# x\n")
    rebuilt = live.rebuild((broken,))
    assert "kb/vpn/error-809/" in rebuilt.state.removed  # the page is not reloaded into a 404
    assert any(p.startswith("kb/vpn/error-809.md:") for p in rebuilt.problems), rebuilt.problems


def _client(root: Path, live_file: Path | None) -> TestClient:
    (root / "site").mkdir(exist_ok=True)
    (root / "site/index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    settings = ServeSettings(
        index_folder=str(root / ".kb-index"),
        site_folder=str(root / "site"),
        audience="internal",
        as_of=AS_OF.isoformat(),
        live_file=str(live_file) if live_file else None,
    )
    return TestClient(create_app(settings))


def test_only_a_watching_server_says_so_and_streams_events(
    kb: KnowledgeBaseFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb.article()
    build_index(kb.root)
    plain = _client(kb.root, None)
    assert plain.get("/api/health").json()["watch"] is False
    assert plain.get("/api/live").status_code == 404  # live.js never listens

    live_file = tmp_path / "live.json"
    write_state(live_file, LiveState(2, ("kb/a/",)))
    short = functools.partial(live_events, lifetime=0)  # the stream ends, so the test does
    monkeypatch.setattr(service_app, "live_events", short)
    watching = _client(kb.root, live_file)
    assert watching.get("/api/health").json()["watch"] is True
    answer = watching.get("/api/live", headers={"Last-Event-ID": "1"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.headers["cache-control"] == "no-store"
    assert "id: 2\nevent: rebuilt\n" in answer.text  # missed while reconnecting: sent at once


def test_a_template_that_does_not_parse_fails_one_rebuild_not_the_watch(
    knowledge_base: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A theme override with a Jinja syntax error raised past the watcher and ended its thread:
    the server went on serving, and nothing was rebuilt again."""
    kb = knowledge_base
    settings = (kb.root / "mkdocs.yml").read_text(encoding="utf-8")
    live = _live_site(kb, tmp_path_factory.mktemp("run"))
    live.start()
    overrides = kb.root / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ broken( }}{% endblock %}', "utf-8"
    )
    with_override = settings.replace("theme:\n", "theme:\n  custom_dir: overrides\n", 1)
    assert with_override != settings
    (kb.root / "mkdocs.yml").write_text(with_override, encoding="utf-8")
    failed = live.rebuild((overrides / "main.html",))
    assert failed.state.error and "TemplateSyntaxError" in failed.state.error
    (kb.root / "mkdocs.yml").write_text(settings, encoding="utf-8")
    fixed = live.rebuild((kb.root / "mkdocs.yml",))
    assert fixed.state.error is None and fixed.state.generation == 2


def test_live_streams_are_limited_and_give_their_place_back() -> None:
    """Thousands of never-read /api/live streams took every connection of both workers (an
    open stream is never idle, so never the one closed to make room): past the limit a
    stream is refused, and one that ends or whose client goes frees its place."""

    from supportkb.service.app import OpenStreams

    async def two_events() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    async def scenario() -> None:
        streams = OpenStreams(2)
        assert streams.take() and streams.take() and not streams.take()
        finished = streams.held(two_events())
        assert [part async for part in finished] == ["a", "b"]
        assert streams.count == 1 and streams.take()
        gone = streams.held(two_events())
        assert await gone.__anext__() == "a"
        await gone.aclose()  # the client went away mid-stream
        assert streams.count == 1

    asyncio.run(scenario())
