"""Negation, hedging and reference scope: the same phrase is or is not a promise depending on
what surrounds it, in all four languages. Chat drafts against real scenarios, so only the
phrase under test can cause a decision or offer violation."""

from __future__ import annotations

import pytest
from guard_dataset import codes_for

APPROVAL = "decision.approval_language"
OFFER = "offer.not_allowed"
FULL = "decision.full_refund_on_partial"
DECLINE = "decision.decline_language"

# Decline scenario (window_decline): greeting plus one sentence under test.
GREETING = {"en": "Hi Ana! ", "es": "¡Hola Ana! ", "fr": "Bonjour Ana ! ", "de": "Hallo Ana! "}
FILLER = {
    "en": " Thanks for your patience while we looked into it.",
    "es": " Gracias por tu paciencia mientras lo revisábamos.",
    "fr": " Merci de votre patience pendant notre vérification.",
    "de": " Danke für Ihre Geduld, während wir das geprüft haben.",
}


def _decline_codes(lang: str, sentence: str) -> set[str]:
    body = GREETING[lang] + sentence + FILLER[lang]
    return codes_for("window_decline", body, locale=lang)


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "We can't offer a refund for this pair."),
        ("en", "Unfortunately, we are unable to refund the shoes."),
        ("en", "A refund isn't possible this time."),
        ("en", "I won't be able to issue a refund, I'm afraid."),
        ("es", "No podemos ofrecerte un reembolso por este par."),
        ("es", "Lamentablemente no es posible emitir un reembolso."),
        ("fr", "Nous ne pouvons pas vous proposer de remboursement."),
        ("fr", "Il nous est impossible de vous rembourser."),
        ("de", "Wir können Ihnen den Kaufpreis leider nicht erstatten."),
        ("de", "Eine Erstattung ist leider nicht möglich."),
        ("de", "Leider können wir Ihnen keine Erstattung anbieten."),
    ],
)
def test_a_negated_refund_is_not_a_promise(lang: str, sentence: str) -> None:
    assert APPROVAL not in _decline_codes(lang, sentence)


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "No worries, we'll refund you today."),
        ("en", "We can't wait to help, so we will refund the shoes."),
        ("en", "Your refund is already on its way."),
        ("es", "No te preocupes, te reembolsaremos el importe."),
        ("fr", "N'hésitez pas : nous vous rembourserons dès réception."),
        ("de", "Kein Problem, wir erstatten Ihnen den Betrag."),
        ("de", "Ihre Erstattung wurde bereits veranlasst."),
    ],
)
def test_a_promise_next_to_a_pseudo_negation_is_still_caught(lang: str, sentence: str) -> None:
    assert APPROVAL in _decline_codes(lang, sentence)


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        (
            "en",
            "Hi Daniel! A supervisor will reply within 1 business day. If they approve it, "
            "the refund will reach your card.",
        ),
        (
            "es",
            "¡Hola Daniel! Un supervisor te responderá en un plazo de 1 día hábil. Si la "
            "supervisora lo aprueba, el reembolso ha sido tramitado en tu tarjeta.",
        ),
        (
            "fr",
            "Bonjour Daniel ! Un superviseur vous répondra sous 1 jour ouvré. Si la "
            "responsable l'approuve, le remboursement sera effectué sur votre carte.",
        ),
        (
            "de",
            "Hallo Daniel! Eine Vorgesetzte meldet sich innerhalb von 1 Werktag. Falls sie "
            "es genehmigt, erstatten wir Ihnen den Betrag.",
        ),
    ],
)
def test_an_approval_conditional_on_the_supervisor_is_not_a_promise(lang: str, body: str) -> None:
    assert codes_for("supervisor_escalate", body, locale=lang) == set()


def test_the_same_promise_without_the_hedge_is_caught() -> None:
    body = (
        "Hi Daniel! A supervisor will reply within 1 business day. The refund will reach your card."
    )
    assert codes_for("supervisor_escalate", body) == {APPROVAL}


@pytest.mark.parametrize(
    ("lang", "sentence", "caught"),
    [
        ("en", "We could exchange them for another size.", True),
        ("en", "I know you asked to exchange them, and I've checked.", False),
        ("en", "They can't be exchanged either.", False),
        ("es", "Podemos cambiarlas por otra talla.", True),
        ("es", "No podemos cambiarlas por otra talla.", False),
        ("fr", "Nous pouvons vous faire une remise sur votre prochaine commande.", True),
        ("fr", "Les frais de remise en stock couvrent la vérification.", False),
        ("de", "Wir schicken Ihnen gern einen Ersatz.", True),
        ("de", "Einen Ersatz können wir nicht schicken.", False),
    ],
)
def test_offers_are_reported_only_when_affirmative(lang: str, sentence: str, caught: bool) -> None:
    assert (OFFER in _decline_codes(lang, sentence)) is caught


@pytest.mark.parametrize(
    ("lang", "sentence", "caught"),
    [
        # A wish inside a conditional addressed to the customer does not make the promise after
        # the comma a reference to their ask.
        ("en", "If you'd like to send them back, return shipping is free.", True),
        ("en", "If you wish to send them back, shipping is on us.", True),
        ("es", "Si deseas devolverlas, el envío de vuelta es gratis.", True),
        ("fr", "Si vous souhaitez les renvoyer, le retour est gratuit.", True),
        ("de", "Wenn Sie sie zurückschicken möchten, ist der Rückversand kostenlos.", True),
        # The customer's own ask, named without a condition, is still a reference.
        ("en", "You'd like free return shipping, and I've checked.", False),
        ("es", "Pides un envío de vuelta gratis, y lo he revisado.", False),
        ("fr", "Vous demandez un retour gratuit, et j'ai vérifié.", False),
        ("de", "Sie möchten einen kostenlosen Rückversand, und ich habe das geprüft.", False),
        # A negator inside the condition's main clause still reaches the phrase.
        ("en", "If you'd like to send them back, return shipping isn't free.", False),
    ],
)
def test_a_promise_after_a_conditional_wish_is_caught(
    lang: str, sentence: str, caught: bool
) -> None:
    assert (OFFER in _decline_codes(lang, sentence)) is caught


@pytest.mark.parametrize(
    ("lang", "sentence", "caught"),
    [
        ("en", "We'll cover the return shipping.", True),
        ("en", "Our team will gladly cover return postage.", True),
        ("en", "You'll need to cover return shipping yourself.", False),
        ("en", "We'd ask that you cover the return postage.", False),
        ("es", "Nosotros cubrimos el envío de vuelta.", True),
        ("es", "Tendrás que cubrir el envío de vuelta.", False),
        ("fr", "Nous prenons en charge les frais de retour.", True),
        ("fr", "Les frais de retour sont pris en charge par vos soins.", False),
        ("de", "Die Rücksendekosten übernehmen wir.", True),
        ("de", "Die Rücksendekosten werden von uns übernommen.", True),
        ("de", "Die Rücksendekosten müssen Sie übernehmen.", False),
        ("de", "Die Rücksendekosten müssen von Ihnen übernommen werden.", False),
        ("de", "Wir bitten Sie, die Versandkosten zu übernehmen.", False),
    ],
)
def test_covering_shipping_is_an_offer_only_with_the_company_as_subject(
    lang: str, sentence: str, caught: bool
) -> None:
    assert (OFFER in _decline_codes(lang, sentence)) is caught


@pytest.mark.parametrize(
    ("lang", "sentence", "caught"),
    [
        ("en", "We can't offer a full refund, but we can refund €102.00.", False),
        ("en", "Instead of a full refund, we can refund €102.00.", False),
        ("en", "You'll receive a full refund of €102.00.", True),
        ("es", "No podemos hacerte un reembolso completo.", False),
        ("fr", "Nous ne pouvons pas vous rembourser intégralement.", False),
        ("de", "Eine volle Erstattung ist leider nicht möglich.", False),
        ("de", "Sie erhalten die volle Erstattung.", True),
    ],
)
def test_full_refund_on_a_partial_verdict(lang: str, sentence: str, caught: bool) -> None:
    greeting = {"en": "Hi Jonas! ", "es": "¡Hola Jonas! ", "fr": "Bonjour Jonas ! "}
    body = greeting.get(lang, "Hallo Jonas! ") + sentence + FILLER[lang]
    codes = codes_for("opened_partial", body, locale=lang)
    assert (FULL in codes) is caught


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "Unfortunately we can't refund this kettle."),
        ("es", "Lamentablemente, no podemos reembolsar el hervidor."),
        ("fr", "Nous sommes au regret de ne pas pouvoir vous rembourser."),
        ("de", "Leider können wir keine Erstattung anbieten."),
    ],
)
def test_decline_language_on_an_approval_is_caught(lang: str, sentence: str) -> None:
    greeting = {"en": "Hi Claire! ", "es": "¡Hola Claire! ", "fr": "Bonjour Claire ! "}
    body = greeting.get(lang, "Hallo Claire! ") + sentence + FILLER[lang]
    assert DECLINE in codes_for("defective_approve", body, locale=lang)
