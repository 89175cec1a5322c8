"""The feedback block at the end of a document, in headless Chromium: recorded under `kb serve`,
an e-mail to the owner on static hosting, readable in both palettes on a desktop and a phone."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from supportkb.reporting.feedback import feedback_path
from supportkb.workspace.knowledge_base import load_knowledge_base

import test_browser as shared
import test_browser_live_search as live

ARTIFACTS, ROOT = shared.ARTIFACTS, shared.ROOT
browser, page, site_url, served = shared.browser, shared.page, shared.site_url, live.served
DOCUMENT = "KB-0015"  # a starter article


def _document() -> tuple[str, str]:
    """The starter article's page (relative URL) and its owner's e-mail address."""
    kb = load_knowledge_base(ROOT)
    document = next(d for d in kb.documents if d.id == DOCUMENT)
    owner = kb.registry.people.get(document.owner) or kb.registry.teams[document.owner]
    assert owner.email
    return document.path.removesuffix(".md") + "/", owner.email


def _open(page: Any, base: str) -> None:
    page.goto(base + _document()[0])
    page.wait_for_selector(".kb-feedback:not([hidden])", timeout=10_000)
    page.locator(".kb-feedback").scroll_into_view_if_needed()


def _recorded(analytics: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(feedback_path(analytics)) as db:
        return db.execute("SELECT kind, document, comment FROM feedback").fetchall()


def test_served_yes_is_recorded_and_thanked(page: Any, served: tuple[str, Path, Any]) -> None:
    url, analytics, _ = served
    _open(page, url)
    before = _recorded(analytics) if feedback_path(analytics).exists() else []
    assert page.is_hidden(".kb-feedback__mail")  # served: recorded, not mailed
    page.click(".kb-feedback__button[data-kb-kind=helpful]")
    page.wait_for_selector(".kb-feedback__status:has-text('謝謝')")
    assert page.is_visible(".kb-feedback__status")
    no = page.locator(".kb-feedback__button[data-kb-kind=not-helpful]")
    assert no.get_attribute("aria-disabled") == "true"  # counted once
    no.click(force=True)  # Playwright waits for aria-disabled buttons: click all the same
    assert page.is_visible(".kb-feedback__status:has-text('謝謝您的回饋')")
    assert page.evaluate("document.activeElement.dataset.kbKind") == "not-helpful"  # kept
    assert _recorded(analytics)[len(before) :] == [("helpful", DOCUMENT, "")]


def test_served_no_asks_what_is_wrong_and_records_the_comment(
    page: Any, served: tuple[str, Path, Any]
) -> None:
    url, analytics, _ = served
    _open(page, url)
    page.click(".kb-feedback__button[data-kb-kind=not-helpful]")
    page.wait_for_selector(".kb-feedback__report[open]")
    assert page.evaluate("document.activeElement.id") == "kb-feedback-comment"
    page.keyboard.type("步驟二的選單已改名，電話 0912-345-678")
    page.click(".kb-feedback__send")
    page.wait_for_selector(".kb-feedback__status:has-text('已轉給文件負責人')")
    rows = _recorded(analytics)
    assert ("not-helpful", DOCUMENT, "") in rows
    assert ("wrong", DOCUMENT, "步驟二的選單已改名，電話 <number>") in rows  # masked


def test_static_report_is_an_email_to_the_owner(page: Any, site_url: str) -> None:
    _open(page, site_url)
    _, email = _document()
    assert page.is_hidden(".kb-feedback__send")  # nothing to post to
    page.click(".kb-feedback summary")
    page.fill(".kb-feedback__comment", "版本號已過時")
    mail = page.locator(".kb-feedback__mail")
    assert mail.is_visible()
    href = unquote(mail.get_attribute("href") or "")
    assert href.startswith(f"mailto:{email}?subject=[{DOCUMENT}] ")
    assert "版本號已過時" in href and f"頁面：{site_url}" in href


COLOURS = live.COLOURS
contrast = live.contrast


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_the_block_can_be_read_and_used_in_both_palettes(
    browser: Any, served: tuple[str, Path, Any], scheme: str, width: int, height: int
) -> None:
    url, _, _ = served
    context = browser.new_context(
        locale="zh-TW", viewport={"width": width, "height": height}, color_scheme=scheme
    )
    view = context.new_page()
    _open(view, url)
    view.click(".kb-feedback summary")  # the comment box open too
    view.locator(".kb-feedback").scroll_into_view_if_needed()
    view.focus(".kb-feedback__comment")
    view.keyboard.press("Shift+Tab")  # by the keyboard: to the summary, focus ring shown
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    view.screenshot(path=str(ARTIFACTS / f"feedback-{scheme}-{width}.png"))
    for part in (
        ".kb-feedback__question",
        ".kb-feedback__button[data-kb-kind=helpful]",
        ".kb-feedback summary",
        ".kb-feedback__label",
        ".kb-feedback__send",
    ):
        colours = view.evaluate(COLOURS, part)
        assert contrast(*colours) >= 4.5, (part, colours)
    outline = view.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] == "SUMMARY" and outline[1] != "none" and outline[2] >= 2
    for button in view.locator(".kb-feedback__choices button").all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["height"] >= 24  # a target a thumb can hit
    comment = view.locator(".kb-feedback__comment").bounding_box()
    assert comment is not None and comment["x"] + comment["width"] <= width
    label = view.evaluate(
        "() => document.getElementById('kb-feedback-comment').labels[0].textContent"
    )
    assert "選填" in label
    context.close()
