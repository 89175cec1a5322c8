"""`kb check` on tiny knowledge bases: one fixture per class of fault."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from string import Template

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import supportkb
from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.documents.findings import Severity
from supportkb.errors import ConfigError, InvalidUsage

from conftest import AS_OF, KnowledgeBaseFactory, article_front, codes


def findings_for(kb: KnowledgeBaseFactory, code: str, as_of: date = AS_OF) -> list:
    return [f for f in check(kb.root, as_of).findings if f.code == code]


def test_clean_article_passes(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    result = check(kb.root, AS_OF)
    assert result.findings == ()
    assert result.documents == 1
    assert not result.failed()


def test_missing_front_matter(kb: KnowledgeBaseFactory) -> None:
    kb.write("kb/vpn/plain.md", "# Just a heading\n")
    [finding] = findings_for(kb, "front-matter-missing")
    assert (finding.path, finding.line) == ("kb/vpn/plain.md", 1)


def test_unclosed_front_matter(kb: KnowledgeBaseFactory) -> None:
    kb.write("kb/vpn/open.md", "---\nid: KB-0001\ntitle: x\n")
    assert codes(check(kb.root, AS_OF)) == ["front-matter-unclosed"]


def test_malformed_yaml_names_the_line(kb: KnowledgeBaseFactory) -> None:
    kb.write("kb/vpn/bad.md", "---\nid: KB-0001\ntitle: [unclosed\nowner: network\n---\nbody\n")
    [finding] = findings_for(kb, "yaml-syntax")
    assert finding.path == "kb/vpn/bad.md"
    assert 3 <= finding.line <= 5


def test_missing_required_fields(kb: KnowledgeBaseFactory) -> None:
    kb.document("kb/vpn/x.md", "id: KB-0001\nstatus: published\nkind: troubleshooting")
    missing = {f.message.split("'")[1] for f in findings_for(kb, "field-missing")}
    assert missing == {"title", "owner", "last_reviewed"}


def test_draft_needs_no_review_date_and_is_not_held_to_freshness(kb: KnowledgeBaseFactory) -> None:
    kb.article(status="draft", last_reviewed="")
    kb.article("kb/vpn/old.md", id="KB-0002", status="draft", last_reviewed="2019-01-01")
    assert check(kb.root, AS_OF).findings == ()


@pytest.mark.parametrize(
    "written, expected",
    [("2026/05/01", "2026-05-01"), ("2026年5月1日", "2026-05-01"), ("2026.5.1", "2026-05-01")],
)
def test_wrong_date_format_shows_the_expected_form(
    kb: KnowledgeBaseFactory, written: str, expected: str
) -> None:
    kb.article(last_reviewed=written)
    [finding] = findings_for(kb, "field-type")
    assert finding.line == 6
    assert expected in finding.hint


def test_unknown_field_with_did_you_mean(kb: KnowledgeBaseFactory) -> None:
    kb.article(last_reviwed="2026-10-01")
    [finding] = findings_for(kb, "field-unknown")
    assert "last_reviwed" in finding.message
    assert "last_reviewed" in finding.hint


def test_field_not_allowed_for_type(kb: KnowledgeBaseFactory) -> None:
    kb.article(effective="2026-01-01")
    assert codes(check(kb.root, AS_OF)) == ["field-not-allowed"]


def test_wrong_id_prefix(kb: KnowledgeBaseFactory) -> None:
    kb.article(id="SOP-0001")
    [finding] = findings_for(kb, "id-prefix")
    assert "KB-" in finding.hint and finding.line == 2


def test_type_must_agree_with_folder(kb: KnowledgeBaseFactory) -> None:
    kb.article(type="sop")
    assert "type-mismatch" in codes(check(kb.root, AS_OF))


def test_duplicate_id_names_both_files(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md")
    kb.article("kb/email/b.md")
    found = findings_for(kb, "id-duplicate")
    assert {f.path for f in found} == {"kb/vpn/a.md", "kb/email/b.md"}
    assert "kb/email/b.md" in next(f for f in found if f.path == "kb/vpn/a.md").message


def test_unknown_owner_with_suggestion(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="netwrok")
    [finding] = findings_for(kb, "owner-unknown")
    assert "network" in finding.hint and finding.line == 5


def test_inactive_owner_and_team_without_active_member(kb: KnowledgeBaseFactory) -> None:
    registry = kb.root / "owners.yml"
    registry.write_text(
        registry.read_text() + "  - id: ghosts\n    name: Former team\n    members: [carol]\n",
        encoding="utf-8",
    )
    kb.article(owner="carol")
    kb.article("kb/vpn/b.md", id="KB-0002", owner="ghosts")
    assert {f.path for f in findings_for(kb, "owner-inactive")} == {
        "kb/vpn/error-809.md",
        "kb/vpn/b.md",
    }
    [team] = findings_for(kb, "team-no-active-member")
    assert team.path == "owners.yml" and "ghosts" in team.message


def test_review_overdue_and_due_soon(kb: KnowledgeBaseFactory) -> None:
    kb.article(last_reviewed="2025-10-01")  # 12 months -> due 2026-10-01
    kb.article("kb/vpn/b.md", id="KB-0002", last_reviewed="2025-12-10")  # due 2026-12-10
    [overdue] = findings_for(kb, "review-overdue")
    assert overdue.path == "kb/vpn/error-809.md" and "2026-10-01" in overdue.message
    [soon] = findings_for(kb, "review-due-soon")
    assert soon.severity is Severity.WARNING and soon.path == "kb/vpn/b.md"


def test_review_every_and_review_by_override_the_default(kb: KnowledgeBaseFactory) -> None:
    kb.article(last_reviewed="2026-08-01", review_every="90d")  # due 2026-10-30
    kb.article("kb/vpn/b.md", id="KB-0002", last_reviewed="2020-01-01", review_by="2027-06-01")
    assert [f.path for f in findings_for(kb, "review-overdue")] == ["kb/vpn/error-809.md"]


def test_freshness_follows_the_as_of_date(kb: KnowledgeBaseFactory) -> None:
    kb.article(last_reviewed="2026-10-01")
    assert findings_for(kb, "review-overdue", as_of=date(2027, 10, 1)) == []
    assert findings_for(kb, "review-overdue", as_of=date(2027, 10, 2)) != []


SOP = """\
id: SOP-0001
title: 網路設定變更
status: published
owner: network
approved_by: bob
version: "1.2"
last_reviewed: 2026-10-01
applies_to:
  - product: VPN
    versions: "{versions}"
"""
SOP_BODY = "## 目的\nx\n## 適用範圍\nx\n## 角色與職責\nx\n## 作業程序\nx\n## 紀錄\nx\n"


def test_sop_out_of_date_with_product_version(kb: KnowledgeBaseFactory) -> None:
    kb.document("sops/network.md", SOP.format(versions=">=6.0,<7"), SOP_BODY)
    [finding] = findings_for(kb, "product-outdated")
    assert "7.2.1" in finding.message and finding.line == 9


def test_sop_covering_current_version_and_english_headings(kb: KnowledgeBaseFactory) -> None:
    body = (
        "## 1. Purpose\nx\n## Scope\nx\n## Roles and responsibilities\nx\n"
        "## Procedure\nx\n## Records\nx\n"
    )
    kb.document("sops/network.md", SOP.format(versions=">=7.0,<8"), body)
    assert check(kb.root, AS_OF).findings == ()


def test_sop_requires_version_and_approver(kb: KnowledgeBaseFactory) -> None:
    front = (
        SOP.format(versions="*").replace('version: "1.2"\n', "").replace("approved_by: bob\n", "")
    )
    kb.document("sops/network.md", front, SOP_BODY)
    missing = {f.message.split("'")[1] for f in findings_for(kb, "field-missing")}
    assert missing == {"version", "approved_by"}


def test_unquoted_float_version_is_refused(kb: KnowledgeBaseFactory) -> None:
    kb.document("sops/network.md", SOP.format(versions="*").replace('"1.2"', "1.10"), SOP_BODY)
    [finding] = findings_for(kb, "field-type")
    assert 'version: "1.10"' in finding.hint


def test_unknown_product(kb: KnowledgeBaseFactory) -> None:
    kb.document(
        "sops/network.md",
        SOP.format(versions="*").replace("product: VPN", "product: VNP"),
        SOP_BODY,
    )
    [finding] = findings_for(kb, "product-unknown")
    assert "VPN" in finding.hint


@pytest.mark.parametrize("missing, key", [("## 原因\n", "cause"), ("## 症狀\n", "symptom")])
def test_required_sections(kb: KnowledgeBaseFactory, missing: str, key: str) -> None:
    path = kb.article()
    path.write_text(
        path.read_text(encoding="utf-8").replace(missing, "## 其他\n"), encoding="utf-8"
    )
    [finding] = findings_for(kb, "section-missing")
    assert f"'{key}'" in finding.message


def test_simplified_chinese_headings_are_accepted(kb: KnowledgeBaseFactory) -> None:
    path = kb.article()
    text = path.read_text(encoding="utf-8").replace("症狀", "症状").replace("解決方法", "解决方法")
    path.write_text(text, encoding="utf-8")
    assert check(kb.root, AS_OF).findings == ()


EMERGENCY = """\
id: EP-0001
title: 重大系統中斷應變計畫
status: published
owner: network
version: "2.0"
last_reviewed: 2026-06-01
drills:
  - date: {drill}
    scenario: ERP 資料庫主機故障
    report: drills/report.md
"""
PLAN_SECTIONS = ("應變組織", "應變流程", "應變措施", "應變資源", "溝通與通報")
EMERGENCY_BODY = "".join(f"## {heading}\nx\n" for heading in PLAN_SECTIONS)


def test_drill_overdue_and_missing_report(kb: KnowledgeBaseFactory) -> None:
    kb.document("sops/emergency/outage.md", EMERGENCY.format(drill="2025-10-01"), EMERGENCY_BODY)
    result = check(kb.root, AS_OF)
    assert set(codes(result)) == {"drill-overdue", "drill-report-missing"}
    kb.write("sops/emergency/drills/report.md", "# 演練報告\n")
    kb.document("sops/emergency/outage.md", EMERGENCY.format(drill="2026-03-01"), EMERGENCY_BODY)
    assert check(kb.root, AS_OF).findings == ()


def test_references_pointing_nowhere(kb: KnowledgeBaseFactory) -> None:
    kb.article(related="[KB-0002, KB-0009]", supersedes="KB-0100")
    kb.article("kb/vpn/b.md", id="KB-0002")
    found = findings_for(kb, "reference-missing")
    assert sorted(f.message for f in found) == [
        "related: no document has the id KB-0009",
        "supersedes: no document has the id KB-0100",
    ]


def test_broken_relative_link(kb: KnowledgeBaseFactory) -> None:
    kb.document(
        "kb/vpn/a.md",
        "id: KB-0001\ntitle: a\nstatus: published\nowner: network\nlast_reviewed: 2026-10-01",
        "# a\n\n[ok](b.md) [web](https://example.com) [anchor](#x)\n\n[gone](../nope.md#top)\n"
        "```\n[in code](missing.md)\n```\n",
    )
    kb.write("kb/vpn/b.md", "---\nid: KB-0002\ntitle: b\nstatus: draft\nowner: network\n---\n")
    [finding] = findings_for(kb, "link-broken")
    assert (finding.line, "../nope.md" in finding.message) == (13, True)


def test_published_linking_to_archived_and_deprecated(kb: KnowledgeBaseFactory) -> None:
    kb.document(
        "kb/vpn/a.md",
        "id: KB-0001\ntitle: a\nstatus: published\nowner: network\n"
        "last_reviewed: 2026-10-01\nrelated: [KB-0003]",
        "see [old](b.md)\n",
    )
    kb.write(
        "kb/vpn/b.md",
        "---\nid: KB-0002\ntitle: b\nstatus: archived\nowner: network\n"
        "last_reviewed: 2020-01-01\n---\n",
    )
    kb.write(
        "kb/vpn/c.md",
        "---\nid: KB-0003\ntitle: c\nstatus: deprecated\nowner: network\n"
        "last_reviewed: 2020-01-01\n---\n",
    )
    result = check(kb.root, AS_OF)
    assert [(f.code, f.severity) for f in result.findings] == [
        ("links-deprecated", Severity.WARNING),
        ("links-archived", Severity.ERROR),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "預設密碼為 Welcome2026!",
        "password: Xk9#pQ2z",
        "管理員密碼：Pa55w0rd!2026",
        "password = hunter2hunter2",
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "token: ghp_abcdefghijklmnopqrstuvwxyz0123456789AB",
    ],
)
def test_secrets_are_flagged_without_repeating_them(kb: KnowledgeBaseFactory, line: str) -> None:
    path = kb.article()
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    [finding] = findings_for(kb, "secret")
    assert finding.line == 21
    assert line[6:] not in finding.message


def test_describing_a_password_is_not_a_secret(kb: KnowledgeBaseFactory) -> None:
    path = kb.article()
    path.write_text(
        path.read_text(encoding="utf-8") + "\n密碼：<您的新密碼>\n新密碼需 12 碼以上。\n",
        encoding="utf-8",
    )
    assert check(kb.root, AS_OF).findings == ()


def test_all_errors_reported_in_one_run(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="nobody", last_reviewed="2020-01-01")
    kb.write("kb/vpn/plain.md", "no front matter\n")
    kb.write("kb/vpn/latin1.md", "---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    assert set(codes(check(kb.root, AS_OF))) == {
        "owner-unknown",
        "review-overdue",
        "front-matter-missing",
        "encoding",
    }


def test_paths_limit_the_report_but_not_the_cross_document_rules(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", owner="nobody")
    kb.article("kb/vpn/b.md")  # duplicate of a.md's id
    kb.write("notes.txt", "not a document\n")
    result = check(kb.root, AS_OF, paths=[str(kb.root / "kb/vpn/b.md"), str(kb.root / "notes.txt")])
    assert [(f.path, f.code) for f in result.findings] == [("kb/vpn/b.md", "id-duplicate")]
    assert result.documents == 1


def test_path_that_does_not_exist_is_an_error(kb: KnowledgeBaseFactory) -> None:
    with pytest.raises(InvalidUsage, match="does not exist"):
        check(kb.root, AS_OF, paths=["kb/nope.md"])


def test_missing_configuration_is_a_config_error(kb: KnowledgeBaseFactory) -> None:
    (kb.root / "owners.yml").unlink()
    with pytest.raises(ConfigError, match=r"owners\.yml"):
        check(kb.root, AS_OF)


def test_second_run_uses_the_cache_and_sees_changes(
    kb: KnowledgeBaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import supportkb.workspace.cache as cache_module
    import supportkb.workspace.knowledge_base as check_module

    monkeypatch.setattr(cache_module, "_RACY_SECONDS", -10.0)  # files were just written
    path = kb.article()
    assert check(kb.root, AS_OF).findings == ()
    reads: list[str] = []
    original = check_module.analyse_file
    monkeypatch.setattr(
        check_module,
        "analyse_file",
        lambda root, location, sections: (
            reads.append(location.path) or original(root, location, sections)
        ),
    )
    assert check(kb.root, AS_OF).findings == ()
    assert reads == []
    path.write_text(path.read_text(encoding="utf-8").replace("network", "nobody"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert codes(check(kb.root, AS_OF)) == ["owner-unknown"]
    assert reads == ["kb/vpn/error-809.md"]


def test_impossible_date_is_a_field_error_on_its_line(kb: KnowledgeBaseFactory) -> None:
    kb.article(last_reviewed="2026-02-30")
    [finding] = findings_for(kb, "field-type")
    assert finding.line == 6 and "2026-02-30" in finding.message


@pytest.mark.parametrize(
    "fields",
    [
        {"last_reviewed": "9999-12-01"},
        {"review_every": "100y"},
        {"review_by": "9999-12-31"},
        {"review_every": "9999y"},
    ],
)
def test_far_dates_never_crash(kb: KnowledgeBaseFactory, fields: dict[str, str]) -> None:
    kb.article(**fields)
    check(kb.root, AS_OF)  # a finding or nothing, never a traceback


def test_review_dated_in_the_future(kb: KnowledgeBaseFactory) -> None:
    kb.article(last_reviewed="2027-01-01")
    [finding] = findings_for(kb, "date-in-future")
    assert finding.line == 6


def test_duplicate_keys_are_reported(kb: KnowledgeBaseFactory) -> None:
    kb.write("kb/vpn/x.md", "---\nid: KB-0001\ntitle: a\ntitle: b\n---\n")
    [finding] = findings_for(kb, "front-matter-duplicate-key")
    assert finding.line == 4


def test_a_citation_of_an_unreadable_file_is_not_called_missing(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", related="[KB-0002]")
    kb.write("kb/vpn/b.md", "---\nid: KB-0002\ntitle: [broken\n---\n")
    assert codes(check(kb.root, AS_OF)) == ["yaml-syntax"]


def test_changing_required_sections_invalidates_the_cache(
    kb: KnowledgeBaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import supportkb.workspace.cache as cache_module

    monkeypatch.setattr(cache_module, "_RACY_SECONDS", -10.0)
    kb.article(kind="faq")
    assert check(kb.root, AS_OF).findings == ()
    config = kb.root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "      required_sections: {article/faq: [steps]}\n",
        encoding="utf-8",
    )
    assert codes(check(kb.root, AS_OF)) == ["section-missing"]


def test_configuration_path_reports_every_document(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="carol")  # carol is inactive
    result = check(kb.root, AS_OF, paths=[str(kb.root / "owners.yml")])
    assert codes(result) == ["owner-inactive"]


dates = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "2026/05/01"]),
)
durations = st.one_of(
    st.sampled_from(["1d", "100y", "1200m", "5200w", "36500d", "0d", "9999y"]), st.text(max_size=5)
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(last=dates, every=durations, review_by=st.one_of(st.none(), dates), drill=dates)
def test_whole_check_never_raises_on_any_dates(
    kb: KnowledgeBaseFactory, last: str, every: str, review_by: str | None, drill: str
) -> None:
    """Freshness arithmetic sees every date a front-matter can hold, and never crashes."""
    front = (
        f'id: EP-0001\ntitle: t\nstatus: published\nowner: network\nversion: "1"\n'
        f"last_reviewed: {last}\nreview_every: '{every}'\ndrill_every: '{every}'\n"
        f"drills: [{{date: {drill}, scenario: s, report: r.md}}]\n"
    )
    if review_by is not None:
        front += f"review_by: {review_by}\n"
    kb.document("sops/emergency/plan.md", front, "## 應變組織\n")
    for as_of in (date(1, 1, 1), AS_OF, date(9999, 12, 31)):
        check(kb.root, as_of, use_cache=False)


def test_paths_and_files_from_report_codeowners_drift_as_the_whole_run(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb.article("kb/vpn/a.md", owner="network")
    kb.write(".github/CODEOWNERS", "")
    assert CliRunner().invoke(cli, ["codeowners", "-C", str(kb.root)]).exit_code == 0
    kb.article("kb/wifi/b.md", id="KB-0002", owner="alice")  # a new folder, not yet listed
    whole = check(kb.root, AS_OF).findings
    assert [f.code for f in whole] == ["codeowners-drift"]
    assert check(kb.root, AS_OF, paths=["kb/wifi/b.md"]).findings == whole
    changed = tmp_path_factory.mktemp("pr") / "changed.txt"
    changed.write_text("kb/wifi/b.md\n", encoding="utf-8")
    ran = CliRunner().invoke(
        cli, ["check", "-C", str(kb.root), "--as-of", "2026-11-24", "--files-from", str(changed)]
    )
    assert ran.exit_code == 1
    assert ".github/CODEOWNERS" in ran.output and "codeowners-drift" in ran.output


# --- section-empty: a published document whose required section is still the template's ------

TEMPLATES = Path(supportkb.__file__).parent / "templates"
TEMPLATE_FRONT = {
    "article-troubleshooting": article_front(id="KB-0001", title="測試"),
    "article-howto": article_front(id="KB-0001", title="測試", kind="howto"),
    "sop": SOP.format(versions="*"),
}
TEMPLATE_PLACE = {"article-troubleshooting": "kb/vpn/t.md", "article-howto": "kb/vpn/t.md",
                  "sop": "sops/t.md"}  # fmt: skip


@pytest.mark.parametrize("language", ["zh-TW", "en"])
@pytest.mark.parametrize(
    "template, empty",
    [
        ("article-troubleshooting", ["symptom", "cause", "resolution"]),
        ("article-howto", ["steps"]),
        ("sop", ["purpose", "scope", "roles", "procedure", "records"]),
    ],
)
def test_a_published_template_left_as_it_is_reports_each_required_section(
    kb: KnowledgeBaseFactory, template: str, empty: list[str], language: str
) -> None:
    text = (TEMPLATES / f"{template}.{language}.md").read_text(encoding="utf-8")
    body = Template(text).safe_substitute(title="測試", version="1.0", today="2026-11-01")
    path = kb.document(TEMPLATE_PLACE[template], TEMPLATE_FRONT[template], body)
    found = findings_for(kb, "section-empty")
    assert [f.message.rsplit("'", 2)[1] for f in found] == empty
    lines = path.read_text(encoding="utf-8").splitlines()
    for finding in found:  # on the heading's own line
        assert lines[finding.line - 1].startswith("## "), finding
    kb.document(TEMPLATE_PLACE[template], TEMPLATE_FRONT[template] + "\nstatus: draft", body)
    assert findings_for(kb, "section-empty") == []  # drafts are still being written


EMPTY_RESOLUTION = """\
# VPN 錯誤 809

## 症狀
連線逾時。

## 原因
防火牆擋住 UDP 500。

## 解決方法
"""


@pytest.mark.parametrize(
    "resolution, empty",
    [
        ("", True),
        ("\n\n   \n", True),
        ("1. <!-- 第一個步驟 -->\n2.\n\n<!-- 仍無法解決時\n升級 -->\n", True),
        ("- [ ]\n-\n", True),
        ("### 方法一\n\n<!-- 待補 -->\n", True),  # a sub-heading counts only by what it holds
        ("### 方法一\n\n重新啟動 VPN 用戶端。\n", False),
        ("1. 重新啟動 VPN 用戶端。\n2.\n", False),
        ("| 步驟 | 說明 |\n| --- | --- |\n| 1 | |\n", True),
        ("| 步驟 | 說明 |\n| --- | --- |\n| 1 | 重新啟動 |\n", False),
        ("```\n<!-- 設定檔 -->\n```\n", False),
        ("見 [錯誤 691](vpn-691.md)。<!-- 之後補上 -->\n", False),
    ],
)
def test_a_required_section_with_only_placeholders_is_empty(
    kb: KnowledgeBaseFactory, resolution: str, empty: bool
) -> None:
    kb.write("kb/vpn/vpn-691.md", "")  # a link target (not read: an empty file)
    kb.article(body=EMPTY_RESOLUTION + resolution + "\n## 相關文章\n\n見 KB-0002。\n")
    found = findings_for(kb, "section-empty")
    assert [(f.line, f.path) for f in found] == ([(18, "kb/vpn/error-809.md")] if empty else [])


def test_section_empty_says_what_to_write(kb: KnowledgeBaseFactory) -> None:
    kb.article(body=EMPTY_RESOLUTION + "<!-- 第一個步驟 -->\n")
    [finding] = findings_for(kb, "section-empty")
    assert finding.severity is Severity.ERROR
    assert "解決方法" in finding.message and "status: draft" in finding.hint
    assert "every troubleshooting article needs its 'resolution' section" in finding.message
