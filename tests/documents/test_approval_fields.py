"""The approval's fields: `approved_on` (the day of the approval) on SOPs, emergency plans and
policies, optional so that a knowledge base written before it stays valid; `effective` on
every versioned type; an approval after today or after the day the version takes effect is
reported by every `kb check`."""

from __future__ import annotations

import pytest

from supportkb.checking.check import check
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import AS_OF, KnowledgeBaseFactory, codes

SOP = """\
id: SOP-0001
title: 網路設定變更
status: published
owner: network
approved_by: bob
last_reviewed: 2026-10-01
version: "1.2"
"""
SOP_BODY = (
    "# 網路設定變更\n\n## 目的\nx\n## 適用範圍\nx\n## 角色與職責\nx\n## 作業程序\nx\n## 紀錄\nx\n"
)


def test_a_published_sop_without_approved_on_still_passes(kb: KnowledgeBaseFactory) -> None:
    """Upgrading supportkb does not fail every SOP and policy approved before the field."""
    kb.document("sops/network.md", SOP, SOP_BODY)
    assert codes(check(kb.root, AS_OF, use_cache=False)) == []


def test_approved_on_and_effective_are_read_on_an_sop(kb: KnowledgeBaseFactory) -> None:
    kb.document(
        "sops/network.md", SOP + "approved_on: 2026-09-30\neffective: 2026-10-01\n", SOP_BODY
    )
    assert codes(check(kb.root, AS_OF, use_cache=False)) == []
    [document] = load_knowledge_base(kb.root, use_cache=False).documents
    assert (str(document.approved_on), str(document.effective)) == ("2026-09-30", "2026-10-01")


def test_an_article_has_no_approval_date(kb: KnowledgeBaseFactory) -> None:
    kb.article(approved_on="2026-09-30")
    assert codes(check(kb.root, AS_OF, use_cache=False)) == ["field-not-allowed"]


@pytest.mark.parametrize(
    "fields, code",
    [
        ("approved_on: 2026-12-01\n", "date-in-future"),
        ("approved_on: 2026-10-01\neffective: 2026-09-01\n", "effective-before-approval"),
        ("approved_on: 2026/10/01\n", "field-type"),
    ],
)
def test_an_approval_that_cannot_be_right_is_reported(
    kb: KnowledgeBaseFactory, fields: str, code: str
) -> None:
    kb.document("sops/network.md", SOP + fields, SOP_BODY)
    assert codes(check(kb.root, AS_OF, use_cache=False)) == [code]
