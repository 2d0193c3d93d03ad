"""Each site adapter reads the fixture ticket the way the side panel asks for it: the subject,
the customer, the latest message the customer wrote (not the agent's), the order number, the
labelled dates, the currency, the order lines and the kind of reply box."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.harness import Extension

EXPECTED: dict[str, dict[str, Any]] = {
    "zendesk": {
        "site": "zendesk",
        "ticketId": "4821",
        "subject": "Return boots bought for a trip that was cancelled",
        "customer": {"name": "Ana Souza", "email": "ana.souza@example.net"},
        "message": "Thank you! The box is unopened apart from that one try-on. "
        "I'd really like my money back rather than store credit.",
        # The turns before it, the customer's apart from the agent's.
        "thread": [
            {
                "author": "customer",
                "text": "Hello, I bought the Trailhead boots (order #A10482) for a hiking trip "
                "that got cancelled. They arrived on 2 October 2026 and I only tried them on "
                "indoors. Can I send them back for a refund to my card?",
            },
            {"author": "agent", "text": "Thanks Ana, let me check the order for you."},
        ],
        "ask": "refund",
        "orderNumber": "A10482",
        "dates": {"placed_on": "2026-09-20", "delivered_on": "2026-10-02"},
        "currency": "USD",
        "items": [
            {"name": "Trailhead 2 hiking boots", "price": "149.00", "quantity": 1},
            {"name": "Merino hiking socks", "price": "18.50", "quantity": 2},
        ],
        "replyBox": "ckeditor5",
        "systemIds": {"shopify": "450789469"},  # the order app's link to the Shopify admin
    },
    "freshdesk": {
        "site": "freshdesk",
        "ticketId": "1207",
        "subject": "Cancel my order please",
        "customer": {"name": "Bruno Lima", "email": "bruno.lima@example.org"},
        "message": "Any news? I really need it cancelled, it was ordered by mistake.",
        "thread": [
            {
                "author": "customer",
                "text": "Hi, I placed order no. FD-88213 on Nov 18, 2026 by mistake (I meant to "
                "order the smaller size). Please cancel it before it ships. <b>Urgent</b>",
            },
            {"author": "agent", "text": "Hi Bruno, looking into it now."},
        ],
        "ask": "cancel",
        "orderNumber": "FD-88213",
        "dates": {"placed_on": "2026-11-18"},
        "currency": "EUR",
        "items": [{"name": "Rain shell jacket (L)", "price": "89.00", "quantity": 1}],
        "replyBox": "contenteditable",
        "systemIds": {},
    },
    "gmail": {
        "site": "gmail",
        "ticketId": "FMfcgzQXJWbtSRlq",
        "subject": "Refund for double charge",
        "customer": {"name": "Chen Wei", "email": "chen.wei@example.com"},
        "message": "Following up: I can see both charges on my statement from November 10, 2026. "
        "I'd like the duplicate refunded please.",
        "thread": [],  # Gmail marks no author: who wrote what is not guessed
        "ask": "refund",
        "orderNumber": None,
        "dates": {},
        "currency": None,
        "items": [],
        "replyBox": "contenteditable",
        "systemIds": {},
    },
    "helpscout": {
        "site": "helpscout",
        "ticketId": "2231",
        "subject": "Exchange for a bigger size",
        "customer": {"name": "Dana Okafor", "email": "dana.okafor@example.com"},
        "message": "Hi! The fleece jacket from order number HS-5521 is too small. It arrived on "
        "November 3, 2026, tags still on. Could I exchange it for a size L?",
        "thread": [],  # the note comes after the message
        "ask": "exchange",
        "orderNumber": "HS-5521",
        "dates": {"placed_on": "2026-10-28", "delivered_on": "2026-11-03"},
        "currency": "USD",
        "items": [{"name": "Polar fleece jacket (M)", "price": "64.00", "quantity": 1}],
        "replyBox": "prosemirror",
        "systemIds": {},
    },
}


@pytest.mark.parametrize("site", sorted(EXPECTED))
def test_adapter_reads_the_ticket(
    site: str, open_site: Callable[[str], Page], extension: Extension
) -> None:
    page = open_site(site)
    answer = extension.tell_tab(page, {"type": "drafter:read"})
    assert answer["ok"] is True
    ticket = answer["ticket"]
    assert ticket.pop("url") == page.url
    assert ticket.pop("channel") == "email"
    assert ticket == EXPECTED[site]


def test_gmail_reads_the_thread_starter_as_the_customer(
    open_site: Callable[[str], Page], extension: Extension
) -> None:
    """Gmail marks no message as the customer's: the latest message is the one to answer."""
    page = open_site("gmail")
    page.evaluate(
        """() => {
        const m = document.querySelector('.adn').cloneNode(true);
        m.querySelector('.a3s').innerText = 'Newest note from the customer.';
        document.querySelector('.composer').before(m); }"""
    )
    ticket = extension.tell_tab(page, {"type": "drafter:read"})["ticket"]
    assert ticket["message"] == "Newest note from the customer."


def test_page_text_that_looks_like_html_stays_text(
    open_site: Callable[[str], Page], extension: Extension
) -> None:
    page = open_site("freshdesk")
    page.evaluate(
        "() => document.querySelectorAll('.requester-message .conversation-text')[1]"
        ".append(' <b>Urgent</b>')"
    )
    ticket = extension.tell_tab(page, {"type": "drafter:read"})["ticket"]
    assert ticket["message"].endswith("<b>Urgent</b>")


def test_generic_page_reads_the_selected_message(
    open_site: Callable[[str], Page], extension: Extension
) -> None:
    """On a page with no adapter the agent selects the customer's message, then opens drafter."""
    page = open_site("generic")
    extension.press_action(page)  # opens the side panel, injects the content script (activeTab)
    extension.wait_for_content_script(page)
    assert extension.url("sidepanel/panel.html") in extension.open_targets()
    page.evaluate(
        """() => { const range = document.createRange();
        range.selectNodeContents(document.getElementById('customer-message'));
        getSelection().removeAllRanges(); getSelection().addRange(range); }"""
    )
    ticket = extension.tell_tab(page, {"type": "drafter:read"})["ticket"]
    assert ticket["site"] == "generic"
    assert ticket["subject"] == "Support inbox – Little Shop"
    assert ticket["message"].startswith("Hi, order 7731-B arrived on 2026-11-12")
    assert ticket["orderNumber"] == "7731-B"
    assert ticket["dates"] == {"delivered_on": "2026-11-12"}
    assert ticket["ask"] == "refund"
    assert ticket["replyBox"] == "textarea"


def test_site_config_and_manifest_name_the_same_hosts(browser: Any, extension: Extension) -> None:
    """sites.js is the one place for selectors; the manifest must inject on exactly its hosts."""
    page = browser.new_page()
    try:
        page.goto(extension.url("sidepanel/panel.html?tab=0"))
        page.add_script_tag(url=extension.url("content/sites.js"))
        hosts = page.evaluate("() => globalThis.__drafter.SITES.flatMap((s) => s.hosts).sort()")
        manifest = page.evaluate("() => chrome.runtime.getManifest()")
    finally:
        page.close()
    matches = manifest["content_scripts"][0]["matches"]
    assert sorted(m.split("/")[2] for m in matches) == hosts
