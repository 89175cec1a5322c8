"""The browser's scripts show the labels of `supportkb.documents.vocabulary`, which the plugin
writes into the site (a script file: it loads offline and under the site's policy)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from supportkb.documents.vocabulary import STATUS_TERMS, TYPE_TERMS, browser_labels
from supportkb.site.build import build_site

from conftest import KnowledgeBaseFactory

ASSETS = Path(__file__).resolve().parents[2] / "tools/supportkb/assets"


def test_the_site_carries_the_vocabulary_s_labels_before_search_js(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    kb.article("kb/vpn/error-809.md")
    kb.write("docs/index.md", "# 首頁\n")
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    script = (site / "assets/supportkb/labels.js").read_text(encoding="utf-8")
    written = re.search(r"window\.supportkbLabels = (\{.*\});", script)
    assert written is not None
    assert json.loads(written.group(1)) == json.loads(json.dumps(browser_labels()))
    page = (site / "kb/vpn/error-809/index.html").read_text(encoding="utf-8")
    labels_at = page.index('src="../../../assets/supportkb/labels.js"')
    assert labels_at < page.index('src="../../../assets/supportkb/search.js"')


def test_search_js_declares_no_label_of_its_own() -> None:
    script = (ASSETS / "search.js").read_text(encoding="utf-8")
    labels = {terms.short_label for terms in TYPE_TERMS.values()} - {"KB", "SOP"}
    labels |= {terms.short_label for terms in STATUS_TERMS.values()}
    assert [label for label in labels if label in script] == []
    assert "window.supportkbLabels" in script
