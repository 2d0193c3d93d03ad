"""Inserting a draft into each kind of reply box: it lands as text, one Ctrl+Z removes all of
it, nothing is sent, and an editor that refuses typed text gets a paste, then nothing (the side
panel then uses the clipboard)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.harness import Extension

DRAFT = (
    "Hi Ana,\n\nThank you for writing to us about the boots.\n"
    "We can take them back within 30 days of delivery.\n\nBest wishes,\nSam"
)

# (site, the reply box to start in on generic pages, editor kind, method that should land it)
CASES = [
    ("zendesk", None, "ckeditor5", "paste"),
    ("freshdesk", None, "contenteditable", "execCommand"),
    ("gmail", None, "contenteditable", "execCommand"),
    ("helpscout", None, "prosemirror", "execCommand"),
    ("generic", "#reply-textarea", "textarea", "execCommand"),
    ("generic", "#reply-contenteditable", "contenteditable", "execCommand"),
    ("generic", "#reply-prosemirror .ProseMirror", "prosemirror", "execCommand"),
    ("generic", "#reply-paste-only", "contenteditable", "paste"),
]


def words(text: str) -> str:
    return " ".join(text.split())


def box_text(page: Page, extension: Extension) -> str:
    answer = extension.tell_tab(page, {"type": "drafter:reply-text"})
    assert answer["ok"] is True
    return str(answer["text"])


def prepare(
    site: str, start_in: str | None, open_site: Callable[[str], Page], extension: Extension
) -> Page:
    page = open_site(site)
    if site == "generic":
        page.click(start_in)  # the agent was working in this box
        extension.press_action(page)
        extension.wait_for_content_script(page)
    return page


@pytest.mark.parametrize(("site", "start_in", "editor", "method"), CASES)
def test_draft_lands_and_one_undo_removes_it(
    site: str,
    start_in: str | None,
    editor: str,
    method: str,
    open_site: Callable[[str], Page],
    extension: Extension,
) -> None:
    page = prepare(site, start_in, open_site, extension)
    before = words(box_text(page, extension))

    result = extension.tell_tab(page, {"type": "drafter:insert", "text": DRAFT})

    assert result == {"ok": True, "method": method, "editor": editor, "reason": None}
    assert words(DRAFT) in words(box_text(page, extension))
    assert page.evaluate("window.__sent") == 0
    page.bring_to_front()
    page.keyboard.press("Control+z")
    page.wait_for_timeout(100)
    assert words(box_text(page, extension)) == before


def test_draft_goes_where_the_agent_left_the_caret(
    open_site: Callable[[str], Page], extension: Extension
) -> None:
    page = open_site("generic")
    page.fill("#reply-textarea", "Dear Grace,\n\n\n\nKind regards")
    page.evaluate("() => document.getElementById('reply-textarea').setSelectionRange(13, 13)")
    extension.press_action(page)
    extension.wait_for_content_script(page)
    extension.tell_tab(page, {"type": "drafter:insert", "text": "We will refund the lid."})
    assert (
        page.input_value("#reply-textarea")
        == "Dear Grace,\n\nWe will refund the lid.\n\nKind regards"
    )


def test_editor_refusing_typing_and_paste_is_reported(
    open_site: Callable[[str], Page], extension: Extension
) -> None:
    page = prepare("generic", "#reply-locked", open_site, extension)
    result = extension.tell_tab(page, {"type": "drafter:insert", "text": DRAFT})
    assert result["ok"] is False
    assert result["editor"] == "contenteditable"
    assert result["reason"] == "The editor refused typed and pasted text."
    assert box_text(page, extension).strip() == ""


@pytest.mark.parametrize("start_in", ["#reply-contenteditable", "#reply-prosemirror .ProseMirror"])
def test_html_in_a_draft_is_inserted_as_text(
    start_in: str, open_site: Callable[[str], Page], extension: Extension
) -> None:
    page = prepare("generic", start_in, open_site, extension)
    hostile = 'Hello <b>there</b> <img src="x" onerror="window.__pwned = 1">'
    result = extension.tell_tab(page, {"type": "drafter:insert", "text": hostile})
    assert result["ok"] is True
    box = page.locator(start_in)
    assert box.inner_text().strip() == hostile
    assert box.locator("b, img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_nothing_to_insert_is_refused(
    open_site: Callable[[str], Page], extension: Extension
) -> None:
    page = open_site("gmail")
    assert extension.tell_tab(page, {"type": "drafter:insert", "text": ""}) == {
        "ok": False,
        "reason": "Nothing to insert.",
    }
