"""Required sections: which headings a document of each type must have.

A section is named by a key (`symptom`, `purpose`, ...). Each key has aliases in Traditional
Chinese, Simplified Chinese and English; a heading counts when, once numbering such as "1." or
"一、" is removed, it starts with one of the aliases (case-insensitive).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from supportkb.documents.model import Document, Heading

SECTION_ALIASES: Mapping[str, tuple[str, ...]] = {
    "symptom": ("症狀", "症状", "問題現象", "问题现象", "現象", "现象", "symptom"),
    "environment": ("環境", "环境", "適用環境", "适用环境", "environment"),
    "cause": ("原因", "根本原因", "可能原因", "cause", "root cause"),
    "resolution": (
        "解決方法",
        "解决方法",
        "解決方式",
        "解决方式",
        "解決方案",
        "解决方案",
        "解決步驟",
        "解决步骤",
        "處理方式",
        "处理方式",
        "resolution",
        "solution",
        "fix",
    ),
    "steps": (
        "操作步驟",
        "操作步骤",
        "步驟",
        "步骤",
        "設定步驟",
        "设置步骤",
        "steps",
        "procedure",
        "instructions",
    ),
    "purpose": ("目的", "purpose", "objective"),
    "scope": ("適用範圍", "适用范围", "範圍", "范围", "scope"),
    "roles": (
        "角色與職責",
        "角色与职责",
        "角色",
        "權責",
        "权责",
        "職責",
        "职责",
        "roles",
        "responsibilities",
    ),
    "procedure": (
        "作業程序",
        "作业程序",
        "作業流程",
        "作业流程",
        "程序",
        "流程",
        "步驟",
        "步骤",
        "procedure",
        "process",
    ),
    "records": ("紀錄", "記錄", "记录", "表單與紀錄", "表单与记录", "records"),
    "organisation": (
        "應變組織",
        "应变组织",
        "緊急應變組織",
        "紧急应变组织",
        "組織",
        "组织",
        "response organisation",
        "response organization",
        "organisation",
        "organization",
    ),
    "flow": ("應變流程", "应变流程", "通報流程", "通报流程", "response flow", "flow"),
    "actions": (
        "應變措施",
        "应变措施",
        "處置措施",
        "处置措施",
        "應變行動",
        "应变行动",
        "行動",
        "行动",
        "response actions",
        "actions",
    ),
    "resources": ("應變資源", "应变资源", "資源", "资源", "resources"),
    "communication": (
        "溝通",
        "沟通",
        "通報",
        "通报",
        "聯絡",
        "联络",
        "communication",
        "communications",
    ),
    "responsibilities": ("權責", "权责", "職責", "职责", "責任", "责任", "responsibilities"),
    "revision-history": (
        "修訂紀錄",
        "修訂記錄",
        "修订记录",
        "修訂歷史",
        "修订历史",
        "版本紀錄",
        "版本记录",
        "revision history",
        "change history",
        "changelog",
        "change log",
    ),
}

_NUMBERING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百0-9]+[章節条條]|[0-9]+(?:\.[0-9]+)*[.)、]?|"
    r"[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十0-9]+[)）]|[A-Za-z][.)])\s*"
)


def normalise_heading(text: str) -> str:
    return _NUMBERING.sub("", text, count=1).strip().casefold()


def _present(key: str, normalised: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]) -> bool:
    prefixes = _prefixes(aliases.get(key, (key,)))
    return any(heading.startswith(prefixes) for heading in normalised)


@lru_cache(maxsize=256)
def _prefixes(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name.casefold() for name in names)


def required_key(document: Document) -> str:
    """The key of `required_sections` in the configuration that applies to a document."""
    if document.kind:
        return f"{document.type.value}/{document.kind}"
    return document.type.value


def missing_sections(
    document: Document,
    headings: Iterable[Heading],
    required: Mapping[str, tuple[str, ...]],
    aliases: Mapping[str, tuple[str, ...]] = SECTION_ALIASES,
) -> list[str]:
    keys = required.get(required_key(document), required.get(document.type.value, ()))
    if not keys:
        return []
    normalised = tuple(normalise_heading(heading.text) for heading in headings)
    return [key for key in keys if not _present(key, normalised, aliases)]
