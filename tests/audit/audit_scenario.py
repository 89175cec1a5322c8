"""A small dated repository for the audit pack's tests: a policy whose version 1.1 was
approved on 2026-03-01 to take effect on 2026-04-01 (1.0 stays in force until then), an
emergency plan with a drill whose report was edited after the drill, and a restricted SOP."""

from __future__ import annotations

from git_repo import BOB, DatedRepo, policy

from conftest import KnowledgeBaseFactory

POLICY = "docs/policies/data-retention.md"
PLAN = "sops/emergency/power.md"
REPORT = "sops/emergency/drills/2026-02-10-power.md"
SECRET_SOP = "sops/key-ceremony.md"
SECRET_TITLE = "金鑰保管儀式"
OLD_TEXT = "資料保存期限為三年。"
NEW_TEXT = "保存期限改為五年。"
REPORT_FIRST = "# 演練報告：機房停電\n\n全員於 15 分鐘內完成關機。\n"
REPORT_LATER = "# 演練報告：機房停電\n\n（事後補充）UPS 電池已更換。\n"


def plan(drills: str) -> str:
    return (
        "---\nid: EP-0001\ntitle: 機房停電應變\nstatus: published\nowner: alice\n"
        "version: '1.0'\napproved_by: bob\neffective: 2026-01-01\nlast_reviewed: 2025-12-20\n"
        f"visibility: internal\ndrills:\n{drills}---\n# 機房停電應變\n\n"
        '!!! note "注意"\n    先通知服務台。\n\n| 步驟 | 負責 |\n| --- | --- |\n| 關機 | 系統組 |\n'
    )


FIRST_DRILL = (
    "  - date: 2026-02-10\n    scenario: 市電中斷\n    report: drills/2026-02-10-power.md\n"
)
SECOND_DRILL = (
    "  - date: 2026-06-02\n    scenario: 發電機故障\n    report: drills/2026-06-02-generator.md\n"
)


def secret_sop() -> str:
    return (
        f"---\nid: SOP-0001\ntitle: {SECRET_TITLE}\nstatus: published\nowner: alice\n"
        "version: '1.0'\napproved_by: bob\neffective: 2026-01-01\nlast_reviewed: 2025-12-20\n"
        "visibility: restricted\n---\n# 金鑰保管儀式\n\n保險箱密碼由兩人分持。\n"
    )


def build(kb: KnowledgeBaseFactory) -> DatedRepo:
    repo = DatedRepo(kb.root)
    repo.commit("settings", on="2025-12-01")
    repo.write(POLICY, policy("1.0", effective="2026-01-01", body=OLD_TEXT))
    repo.write(PLAN, plan(""))
    repo.write(SECRET_SOP, secret_sop())
    repo.commit("first versions", on="2025-12-20")
    repo.write(PLAN, plan(FIRST_DRILL))
    repo.write(REPORT, REPORT_FIRST)
    repo.commit("drill of 10 February", on="2026-02-11")
    rows = (("1.0", "2025-12-20", "初版", "bob"),)
    repo.write(POLICY, policy("1.1", effective="2026-04-01", body=NEW_TEXT, rows=rows))
    repo.commit("1.1 approved, effective 1 April", on="2026-03-01", author=BOB)
    repo.write(REPORT, REPORT_LATER)
    repo.commit("report amended", on="2026-05-01")
    repo.write(PLAN, plan(FIRST_DRILL + SECOND_DRILL))
    repo.write("sops/emergency/drills/2026-06-02-generator.md", "# 發電機故障演練\n")
    repo.commit("drill of 2 June", on="2026-06-03")
    return repo
