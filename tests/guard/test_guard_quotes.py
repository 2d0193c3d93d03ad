"""Verdict texts quoted verbatim are allowed content, and nothing else is.

Regressions for the templated reply's false alarms (policy texts are English unless the policy
translates them): an English rationale in a Spanish reply, "gift card" or "money back" inside a
policy's reason, an English disclosure quoted in a German reply. Each test also shows the same
words in the draft's own sentences are still caught.
"""

from __future__ import annotations

from typing import Any

import pytest
from guard_dataset import ALLOWLIST, CANARY, codes_for, scenario

from drafter.guard import check
from drafter.guard.verbatim import MIN_QUOTE_WORDS, mask, quoted, quoted_spans, verdict_texts
from drafter.schemas import Decision, Disclosure, Rationale

GIFT_CARD = (
    "To keep refunds safe, they go back to the payment method that paid for the order or to a "
    "gift card already on the account."
)
MONEY_BACK = (
    "We give money back through a cancellation of a pending order or a return of a delivered "
    "one, so a refund on its own is not something we can issue."
)
BOUNDARY = Disclosure(
    id="respectful_boundary",
    text="We can keep helping as long as the conversation stays respectful.",
)
OPEN = {
    "en": "Hi Ana Ruiz!",
    "es": "¡Hola, Ana Ruiz!",
    "fr": "Bonjour Ana Ruiz,",
    "de": "Hallo Ana Ruiz,",
}
SORRY = {
    "en": "I'm sorry, but we can't refund these shoes.",
    "es": "Lo siento, pero no podemos reembolsar estas zapatillas.",
    "fr": "Nous sommes désolés, mais nous ne pouvons pas rembourser ces chaussures.",
    "de": "Leider können wir diese Schuhe nicht erstatten.",
}
BECAUSE = {
    "en": "The reason:",
    "es": "El motivo, según nuestra política:",
    "fr": "La raison, selon notre politique :",
    "de": "Der Grund laut unserer Richtlinie:",
}
CLOSE = {
    "en": "If you have any questions, just reply to this message and we will help.",
    "es": "Si tiene alguna pregunta, responda a este mensaje y le ayudaremos con gusto.",
    "fr": "Pour toute question, répondez simplement à ce message et nous vous aiderons.",
    "de": "Bei Fragen antworten Sie einfach auf diese Nachricht, und wir helfen Ihnen gerne.",
}


def _codes(body: str, *, locale: str = "en", **verdict_update: Any) -> set[str]:
    """Codes for ``body`` as a chat reply to the out-of-window decline, with the verdict's
    offers and disclosures removed and ``verdict_update`` applied."""
    request, verdict = scenario("window_decline", locale=locale, channel="chat")
    verdict = verdict.model_copy(update={"offers": [], "must_say": [], **verdict_update})
    report = check(
        body=body,
        subject=None,
        verdict=verdict,
        request=request,
        canary=CANARY,
        allowlist=ALLOWLIST,
    )
    return {v.code for v in report.violations}


def _reasons(*texts: str) -> list[Rationale]:
    return [Rationale(rule=f"rule_{i}", text=text) for i, text in enumerate(texts)]


def _reply(locale: str, quote: str) -> str:
    return "\n\n".join([OPEN[locale], SORRY[locale], f"{BECAUSE[locale]} {quote}", CLOSE[locale]])


@pytest.mark.parametrize("locale", ["es", "fr", "de"])
def test_an_english_reason_quoted_verbatim_is_not_a_switch_of_language(locale: str) -> None:
    rationale = _reasons(MONEY_BACK, GIFT_CARD)
    quote = f"{MONEY_BACK} {GIFT_CARD}"
    assert _codes(_reply(locale, quote), locale=locale, rationale=rationale) == set()


@pytest.mark.parametrize("locale", ["es", "fr", "de"])
def test_english_in_the_drafts_own_words_is_still_a_switch_of_language(locale: str) -> None:
    rationale = _reasons(MONEY_BACK)
    reworded = MONEY_BACK.replace("is not something we can issue", "is not something we do")
    own = "Our policy is that we only give the money back when the order was cancelled early."
    for text in (reworded, own):
        assert "form.language" in _codes(_reply(locale, text), locale=locale, rationale=rationale)


def test_gift_card_inside_a_quoted_reason_is_not_a_store_credit_offer() -> None:
    assert _codes(_reply("en", GIFT_CARD), rationale=_reasons(GIFT_CARD)) == set()
    own = _reply("en", f"{GIFT_CARD} We can put the amount on a gift card for you instead.")
    assert _codes(own, rationale=_reasons(GIFT_CARD)) == {"offer.not_allowed"}


def test_money_back_inside_a_quoted_reason_is_not_a_refund_promise() -> None:
    assert _codes(_reply("en", MONEY_BACK), rationale=_reasons(MONEY_BACK)) == set()
    own = _reply("en", f"{MONEY_BACK} Either way, you'll get your money back.")
    assert _codes(own, rationale=_reasons(MONEY_BACK)) == {"decision.approval_language"}


def test_a_negator_before_a_quotation_does_not_reach_past_it() -> None:
    # "no" would reach "we'll refund" if the quotation were blanked into plain spaces; the
    # blank opens and closes a clause, so the promise after it is read on its own.
    body = "Hi Ana Ruiz! There is no way around it, sale rules apply we'll refund you today."
    assert "decision.approval_language" in _codes(body, rationale=_reasons("sale rules apply"))


@pytest.mark.parametrize("locale", ["en", "es", "fr", "de"])
def test_a_quoted_disclosure_is_said_in_any_locale(locale: str) -> None:
    said = _reply(locale, BOUNDARY.text)
    assert _codes(said, locale=locale, must_say=[BOUNDARY]) == set()
    assert "disclosure.missing" in _codes(_reply(locale, ""), locale=locale, must_say=[BOUNDARY])


@pytest.mark.parametrize("locale", ["es", "fr", "de"])
def test_a_reworded_english_disclosure_is_not_a_quotation(locale: str) -> None:
    # Outside English the guard reads a disclosure by its key terms; for an id with none, only
    # the verdict's own words, in order, can show it was said.
    unlisted = BOUNDARY.model_copy(update={"id": "kind_conversation"})
    assert _codes(_reply(locale, unlisted.text), locale=locale, must_say=[unlisted]) == set()
    reworded = _reply(locale, unlisted.text.replace("as long as", "while"))
    assert "disclosure.missing" in _codes(reworded, locale=locale, must_say=[unlisted])


@pytest.mark.parametrize(
    ("locale", "sentence"),
    [
        ("en", "We have looked at your exchange request carefully."),
        ("es", "Hemos revisado su solicitud de cambio con atención."),
        ("fr", "Nous avons examiné votre demande d'échange avec attention."),
        ("de", "Wir haben Ihre Umtauschanfrage sorgfältig geprüft."),
        ("de", "Ihr Reparaturauftrag liegt uns vor."),
    ],
)
def test_naming_the_customers_own_request_is_not_an_offer(locale: str, sentence: str) -> None:
    body = "\n\n".join([OPEN[locale], sentence, SORRY[locale], CLOSE[locale]])
    assert "offer.not_allowed" not in _codes(body, locale=locale)


@pytest.mark.parametrize(
    ("locale", "sentence"),
    [
        ("en", "We can exchange them for another size."),
        ("es", "Podemos ofrecerle un cambio por otra talla."),
        ("fr", "Nous pouvons vous proposer un échange."),
        ("de", "Wir bieten Ihnen gerne einen Umtausch an."),
        ("de", "Gerne veranlassen wir eine Reparatur."),
    ],
)
def test_offering_that_kind_is_still_caught(locale: str, sentence: str) -> None:
    body = "\n\n".join([OPEN[locale], SORRY[locale], sentence, CLOSE[locale]])
    assert "offer.not_allowed" in _codes(body, locale=locale)


REST = {
    "es": "¿Podría enviarnos fotos de las piezas dañadas y de la caja, por favor?",
    "de": "Könnten Sie uns bitte Fotos der beschädigten Teile und des Kartons schicken?",
}


@pytest.mark.parametrize(
    ("locale", "opening", "expected"),
    [
        ("es", "Hola, Priya Shah:", set()),
        ("es", "¡Hola, Priya!", set()),
        ("de", "Hallo, Priya Shah,", set()),
        ("es", "Hola, gracias por escribirnos.", {"form.name_missing"}),
        ("es", "Hola, Sofía:", {"form.name_missing"}),
        ("es", "Hola Sofía:", {"form.name_wrong"}),
        ("de", "Hallo, liebe Kundin,", {"form.name_missing"}),
    ],
)
def test_a_name_after_the_greetings_comma_counts_only_when_it_is_the_customers(
    locale: str, opening: str, expected: set[str]
) -> None:
    body = f"{opening} {REST[locale]}"
    assert codes_for("photos_needed", body, locale=locale) == expected


def test_a_label_before_the_greeting_is_still_a_missing_greeting() -> None:
    body = (
        "[Templated call script: no AI model wrote it.]\n\nHi Priya! Could you send photos of "
        "the damaged items and of the box they arrived in, please?"
    )
    assert codes_for("photos_needed", body) == {"form.greeting"}


def test_quotations_are_found_across_line_breaks_and_case() -> None:
    scan = "Note:\nwe can keep helping as long as\nthe conversation stays respectful. Thanks."
    spans = quoted_spans([BOUNDARY.text], scan)
    assert [scan[s:e] for s, e in spans] == [scan[6:-8]]
    assert quoted(BOUNDARY.text, scan)
    assert not quoted(BOUNDARY.text, scan.replace("as long as", "while"))


def test_short_texts_are_not_masked_and_overlapping_quotes_merge() -> None:
    short = " ".join(["Final", "sale", "only"][: MIN_QUOTE_WORDS - 1])
    assert quoted_spans([short], f"{short} here") == ()
    scan = "one two three four five"
    assert quoted_spans(["one two three", "three four five"], scan) == ((0, len(scan)),)


def test_mask_keeps_every_position_and_closes_the_clause_on_both_sides() -> None:
    scan = "no way, sale rules apply we'll refund"
    start = scan.index("sale")
    end = start + len("sale rules apply")
    masked = mask(scan, [(start, end)])
    assert len(masked) == len(scan)
    assert masked[:start] == scan[:start]
    assert masked[end:] == scan[end:]
    assert masked[start] == masked[end - 1] == "\n"
    assert not any(c.isalnum() or c == " " for c in masked[start:end])


def test_offer_terms_are_quotable_only_once_the_verdict_has_decided() -> None:
    _, decline = scenario("window_decline")
    terms = decline.offers[0].terms
    assert terms in verdict_texts(decline)
    pending = decline.model_copy(update={"decision": Decision.escalate})
    assert terms not in verdict_texts(pending)
