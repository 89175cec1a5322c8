"""The generated pages are one list (`GENERATED_PAGES`): each entry is published."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from supportkb.errors import ConfigError
from supportkb.reporting.feedback import FeedbackKind, FeedbackStore, feedback_path
from supportkb.reporting.search_log import DEFAULT_FILE as ANALYTICS_FILE
from supportkb.site.build import build_site
from supportkb.site.pages import GENERATED_PAGES, SiteModel, generated_pages, site_free
from supportkb.site.register import HTML_COLUMNS
from supportkb.workspace.knowledge_base import load_knowledge_base
from supportkb.workspace.owners import OwnerRegistry, load_registry
from supportkb.workspace.settings import KnowledgeBaseConfig, load_config

from conftest import POWER_PLAN, KnowledgeBaseFactory


def test_every_page_of_the_list_is_published(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    kb.article("kb/vpn/error-809.md")
    kb.write("docs/index.md", "# 首頁\n")
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    assert [path for path, _ in GENERATED_PAGES]
    for path, _ in GENERATED_PAGES:
        folder = path.removesuffix("index.md") if path.endswith("/index.md") else path[:-3]
        assert (site / folder / "index.html").is_file(), path


def test_a_page_that_does_not_need_the_site_is_one_function() -> None:
    site = SiteModel((), OwnerRegistry({}, {}), KnowledgeBaseConfig(), date(2026, 11, 24), str)
    assert site_free(lambda: "# Reference\n")(site) == "# Reference\n"
    tags = dict(GENERATED_PAGES)["tags.md"](site)
    assert tags.startswith("---\nsearch:\n  exclude: true\n---\n\n# 標籤")


# --- what the agent reads on the generated pages ----------------------------------------------

CATEGORY_NAMES = "      categories:\n        vpn: 虛擬私人網路\n"


def _with_plugin_options(kb: KnowledgeBaseFactory, options: str) -> None:
    config = kb.root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("      due_soon_days: 30\n", options), encoding="utf-8")


def _html(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def _article(site: Path, page: str) -> str:
    """The page's content (without the navigation and the table of contents)."""
    return _html(site, page).split("<article", 1)[1].split("</article>", 1)[0]


def _small_kb(kb: KnowledgeBaseFactory) -> None:
    kb.write(
        "docs/index.md",
        "# 首頁\n\n## 接到 P1 來電時\n\n1. 開單\n\n<!-- supportkb:home -->\n\n## 關於\n",
    )
    kb.article("kb/vpn/error-809.md", last_reviewed="2025-11-01")  # due 2026-11-01: overdue
    kb.article("kb/wifi/join.md", id="KB-0002", title="連線 Wi-Fi", last_reviewed="2026-10-01")


def test_the_calendar_shows_readers_open_reports_recorded_by_kb_serve(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _small_kb(kb)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    assert "讀者回報" not in _html(site, "review-calendar")  # nothing recorded: no column
    store = FeedbackStore(feedback_path(kb.root / ANALYTICS_FILE))
    when = datetime(2026, 11, 20, 10, tzinfo=UTC)  # after KB-0002's last review (2026-10-01)
    store.record(FeedbackKind.WRONG, "KB-0002", "步驟 3 的選單已改名", when=when)
    store.record(FeedbackKind.NOT_HELPFUL, "KB-0002", when=when)
    store.record(FeedbackKind.HELPFUL, "KB-0001", when=when)  # thanks are not flags
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    calendar = _html(site, "review-calendar")
    assert '<th scope="col" class="kb-col-flags">讀者回報</th>' in calendar
    rows = {row.split("</td>", 1)[0]: row for row in calendar.split('data-label="下次複審">')[1:]}
    (kb2,) = [row for row in rows.values() if "KB-0002" in row]
    (kb1,) = [row for row in rows.values() if "KB-0001" in row]
    assert 'data-label="讀者回報">2</td>' in kb2
    assert 'data-label="讀者回報">–</td>' in kb1


def test_a_category_is_shown_by_its_configured_name(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _with_plugin_options(kb, "      due_soon_days: 30\n" + CATEGORY_NAMES)
    _small_kb(kb)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    catalog = _html(site, "kb")
    assert "虛擬私人網路" in catalog and ">wifi<" in catalog  # no name: the folder's
    assert "類別：虛擬私人網路" in _html(site, "kb/vpn")
    labels = (site / "assets/supportkb/labels.js").read_text(encoding="utf-8")
    assert '"categories": {"vpn": "虛擬私人網路"}' in labels  # the search filters' names


@pytest.mark.parametrize("name", ["3", "[列印]", '""'])
def test_a_category_name_that_is_not_a_text_is_refused(kb: KnowledgeBaseFactory, name: str) -> None:
    _with_plugin_options(kb, f"      categories:\n        printing: {name}\n")
    with pytest.raises(ConfigError, match=r"supportkb\.categories\.printing'.*must be a text"):
        load_config(kb.root)


def test_due_dates_are_dates_the_browser_can_judge(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _small_kb(kb)
    kb.write("sops/emergency/power.md", POWER_PLAN)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    register = _html(site, "register")
    assert '<time class="kb-due" datetime="2027-10-01" data-kb-due="review">' in register
    overdue = '<time class="kb-due kb-due--overdue" datetime="2026-11-01" data-kb-due="review">'
    assert overdue + '2026-11-01<span class="kb-due__flag">逾期</span></time>' in register
    assert 'data-kb-due="drill"' in _html(site, "sops/emergency")
    assert overdue in _html(site, "kb") and overdue in _html(site, "review-calendar")


def test_every_column_is_labelled_for_the_phone_s_cards(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _small_kb(kb)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    register = _html(site, "register")
    headers = re.findall(r'<th scope="col" class="kb-col-[a-z_]+">([^<]+)</th>', register)
    assert len(headers) == len(HTML_COLUMNS)
    for header in headers:
        assert f'data-label="{header}"' in register, header


def test_the_generated_pages_speak_one_language(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    _small_kb(kb)
    kb.write("sops/emergency/power.md", POWER_PLAN)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    for page in ("", "kb", "kb/vpn", "sops/emergency", "register", "review-calendar"):
        article = _article(site, page)
        for english in (
            "Next review",
            "Owner",
            "Overdue",
            "Emergency plan",
            "Validated",
            "Category",
        ):
            assert english not in article, (page, english)


def test_the_home_page_opens_with_search_then_the_page_s_text(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _small_kb(kb)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    home = _article(site, "")
    order = [
        home.index('<form class="kb-home-search"'),
        home.index("接到 P1 來電時"),
        home.index("最近複審"),
        home.index('<div id="kb-most-opened"'),
        home.index("文件概況"),
        home.index("關於"),
    ]
    assert order == sorted(order)
    assert 'action="search-results/"' in home and 'name="query"' in home
    assert '<div id="kb-most-opened" class="kb-most-opened" hidden' in home
    dues = re.search(r'data-kb-dues="([^"]+)"', home)
    assert dues is not None  # each type's due dates, for the browser to count on the day read
    assert json.loads(html.unescape(dues.group(1))) == {
        "article": {"2026-11-01": 1, "2027-10-01": 1}
    }


def test_the_overview_goes_at_the_end_of_a_home_page_without_the_marker(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    kb.article("kb/vpn/error-809.md")
    kb.write("docs/index.md", "Intro.\n\n## Ours\n")
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    home = _article(site, "")
    assert home.index('<form class="kb-home-search"') < home.index("Intro.")
    assert home.index("Ours") < home.index("文件概況")


def test_the_calendar_holds_later_reviews_for_the_day_they_come_near(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _small_kb(kb)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    calendar = _html(site, "review-calendar")
    later = calendar.split('data-kb-bucket="later"', 1)[1].split("</section>", 1)[0]
    assert later.split(">", 1)[0].endswith(" hidden") and "KB-0002" in later
    overdue = calendar.split('data-kb-bucket="overdue"', 1)[1].split("</section>", 1)[0]
    assert "KB-0001" in overdue and "(1)" in overdue


def test_an_article_directly_under_kb_is_listed_as_uncategorised_and_builds(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    kb.write("docs/index.md", "# 首頁\n")
    kb.article("kb/vpn/error-809.md")
    kb.article("kb/x.md", id="KB-0002", title="沒有類別的文章")
    config = load_config(kb.root)
    registry, _ = load_registry(kb.root)
    documents = load_knowledge_base(kb.root).documents
    site = SiteModel(documents, registry, config, date(2026, 11, 24), str)
    catalog = generated_pages(site)["kb/index.md"]
    uncategorised = catalog.split("## 未分類 (1)", 1)[1]
    assert '<a href="x.md">沒有類別的文章</a>' in uncategorised
    assert "KB-0001" not in uncategorised  # the vpn article stays under its category
    assert "-/" not in catalog
    assert not any(page.startswith("kb/-") for page in generated_pages(site))
    built = build_site(kb.root, date(2026, 11, 24), tmp_path / "site")  # strict, as in CI
    assert "未分類" in _article(built.site_dir, "kb")
    assert (built.site_dir / "kb" / "x" / "index.html").is_file()
