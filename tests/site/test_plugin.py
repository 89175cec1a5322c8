"""The MkDocs plugin reads the same rules as the CLI and refuses invalid ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.exceptions import Abort, PluginError

from conftest import AS_OF


def site(tmp_path: Path, options: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\nplugins:\n  - supportkb:\n{options}", encoding="utf-8")
    return config


def test_plugin_exposes_the_knowledge_base_config(tmp_path: Path) -> None:
    config = load_mkdocs_config(str(site(tmp_path, "      products: {ERP: '5.4.2'}\n")))
    config.plugins.on_config(config)
    plugin = config.plugins["supportkb"]
    assert str(plugin.kb_config.products["ERP"]) == "5.4.2"


def test_invalid_rules_stop_the_build_with_a_plugin_error(tmp_path: Path) -> None:
    config = load_mkdocs_config(str(site(tmp_path, "      drill_every: sometimes\n")))
    with pytest.raises((PluginError, Abort), match="drill_every"):
        config.plugins.on_config(config)


def build_site(kb_root: Path, audience: str = "internal") -> Path:
    from mkdocs.commands.build import build

    (kb_root / "docs").mkdir(exist_ok=True)
    (kb_root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    text = (kb_root / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("  - supportkb:\n", f"  - supportkb:\n      audience: {audience}\n")
    (kb_root / "mkdocs.yml").write_text(text.replace("  - search\n", ""), encoding="utf-8")
    config = load_mkdocs_config(str(kb_root / "mkdocs.yml"), strict=True)
    build(config)
    return kb_root / "site"


def test_documents_outside_docs_are_published_and_links_follow(kb) -> None:  # type: ignore[no-untyped-def]
    kb.article("kb/vpn/error-809.md")
    kb.write(
        "sops/escalation.md",
        "---\nid: SOP-0001\ntitle: 升級\nstatus: draft\nowner: alice\n"
        "visibility: restricted\nversion: '1'\n---\n# 升級\n",
    )
    kb.write(
        "docs/policies/sla.md",
        "---\nid: POL-0001\ntitle: SLA\nstatus: draft\nowner: alice\n"
        "version: '1'\n---\n# SLA\n\n見 [VPN](../../kb/vpn/error-809.md#原因)。\n",
    )
    site = build_site(kb.root)
    policy = (site / "policies/sla/index.html").read_text(encoding="utf-8")
    assert 'href="../../kb/vpn/error-809/#原因"' in policy
    assert (site / "kb/vpn/error-809/index.html").is_file()
    assert not (site / "sops/escalation").exists()
    assert "升級" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert (site / "api/health").read_text() == '{"status": "static"}\n'  # kb serve's route wins


def test_public_build_leaves_out_internal_documents(kb) -> None:  # type: ignore[no-untyped-def]
    kb.article("kb/vpn/internal.md", id="KB-0001")
    kb.article("kb/vpn/public.md", id="KB-0002", visibility="public")
    site = build_site(kb.root, audience="public")
    assert (site / "kb/vpn/public/index.html").is_file()
    assert not (site / "kb/vpn/internal").exists()


class RecordingServer:
    """What MkDocs' LiveReloadServer offers plugins: watch(path)."""

    def __init__(self) -> None:
        self.watched: list[str] = []

    def watch(self, path: str, func: object = None, recursive: bool = True) -> None:
        self.watched.append(path)


def test_mkdocs_serve_watches_the_document_folders_and_the_owners(kb) -> None:  # type: ignore[no-untyped-def]
    kb.article()
    kb.write("sops/power.md", "# SOP\n")
    kb.write("docs/index.md", "# Home\n")
    config = load_mkdocs_config(str(kb.root / "mkdocs.yml"))
    config.plugins.on_config(config)
    server = RecordingServer()
    config.plugins.on_serve(server, config=config, builder=lambda: None)
    for name in ("kb", "sops", "owners.yml"):
        assert str(kb.root / name) in server.watched, name
    assert str(kb.root / "docs/policies") not in server.watched  # MkDocs watches docs/ itself


def test_a_second_build_in_one_process_does_not_read_jiebas_dictionaries_again(
    kb,  # type: ignore[no-untyped-def]
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`kb serve --watch` builds again and again in one process: jieba already holds the
    Traditional dictionary and the user terms (Material read both at every build, 1-2 s), and
    the static search's index is the same."""
    import jieba

    from supportkb.site.build import build_site as kb_build

    kb.article()
    kb.write("docs/index.md", "# 首頁\n")
    first = kb_build(kb.root, AS_OF, tmp_path_factory.mktemp("one") / "site").site_dir
    loads: list[str] = []
    real = jieba.set_dictionary
    monkeypatch.setattr(jieba, "set_dictionary", lambda path: (loads.append(path), real(path)))
    second = kb_build(kb.root, AS_OF, tmp_path_factory.mktemp("two") / "site").site_dir
    assert loads == []
    index = "search/search_index.json"
    assert (second / index).read_bytes() == (first / index).read_bytes()


def test_under_mkdocs_serve_pages_carry_no_policy_that_would_refuse_its_live_reload(kb) -> None:  # type: ignore[no-untyped-def]
    """`mkdocs serve` appends its live-reload script (a new one for every answer) to each page
    it sends; the policy in the page allowed only the theme's scripts, so the open page never
    reloaded. A preview leaves the page's policy out; a build keeps it."""
    from mkdocs.commands.build import build

    kb.article()
    (kb.root / "docs").mkdir(exist_ok=True)
    (kb.root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    pages = {}
    for command in ("serve", "build"):
        config = load_mkdocs_config(str(kb.root / "mkdocs.yml"))
        config.plugins.on_startup(command=command, dirty=False)
        build(config)
        pages[command] = (kb.root / "site/kb/vpn/error-809/index.html").read_text("utf-8")
    assert "Content-Security-Policy" not in pages["serve"]
    assert 'http-equiv="Content-Security-Policy"' in pages["build"]


def test_jieba_has_the_tokenizer_attributes_the_plugin_reads() -> None:
    """`_traditional_search` reads jieba.dt's `dictionary` and `initialized` (undocumented
    plain attributes) to skip reloading what jieba holds: an upgrade that drops them fails
    here, by name."""
    import jieba

    tokenizer = jieba.Tokenizer()
    assert hasattr(jieba, "dt") and hasattr(tokenizer, "dictionary")
    assert tokenizer.initialized is False
