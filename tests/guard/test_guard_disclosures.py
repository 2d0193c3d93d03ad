"""Disclosures: must_say presence across languages, must_not_say by lexicon and by text."""

from __future__ import annotations

import pytest
from guard_dataset import codes_for, scenario

from drafter.guard import check
from drafter.schemas import Disclosure

OPEN = {"en": "Hi Jonas! ", "es": "¡Hola Jonas! ", "fr": "Bonjour Jonas ! ", "de": "Hallo Jonas! "}
TIMING = {
    "en": "The refund reaches your card within 5 to 10 business days.",
    "es": "El reembolso llegará a tu tarjeta en 5 a 10 días hábiles.",
    "fr": "Le remboursement arrivera sur votre carte sous 5 à 10 jours ouvrés.",
    "de": "Die Erstattung ist innerhalb von 5 bis 10 Werktagen auf Ihrer Karte.",
}
FEE = {
    "en": "We keep a 15% restocking fee.",
    "es": "Aplicamos una tarifa de reposición del 15 %.",
    "fr": "Nous retenons 15 % de frais de remise en stock.",
    "de": "Wir berechnen eine Wiedereinlagerungsgebühr von 15 %.",
}


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_must_say_items_are_found_in_every_language(lang: str) -> None:
    body = OPEN[lang] + TIMING[lang] + " " + FEE[lang]
    assert codes_for("opened_partial", body, locale=lang) == set()


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_a_changed_timeframe_breaks_the_disclosure(lang: str) -> None:
    body = OPEN[lang] + TIMING[lang].replace("10", "20") + " " + FEE[lang]
    assert codes_for("opened_partial", body, locale=lang) == {
        "disclosure.missing",
        "figure.timeframe",
    }


def test_an_item_without_figures_or_key_terms_fails_closed_outside_english() -> None:
    request, verdict = scenario("photos_needed", locale="fr", channel="chat")
    novel = Disclosure(id="loyalty_note", text="Mention our loyalty programme.")
    verdict = verdict.model_copy(update={"must_say": [novel]})
    body = "Bonjour Priya ! Pourriez-vous nous envoyer des photos des pièces abîmées ?"
    report = check(body=body, subject=None, verdict=verdict, request=request)
    (violation,) = report.violations
    assert violation.code == "disclosure.missing"
    assert "cannot verify" in violation.message


def test_an_english_item_without_lexicon_is_checked_by_its_words() -> None:
    request, verdict = scenario("photos_needed", channel="chat")
    novel = Disclosure(id="loyalty_note", text="Mention our loyalty programme.")
    verdict = verdict.model_copy(update={"must_say": [novel]})
    said = "Hi Priya! Could you send photos? Our loyalty programme has you covered too."
    silent = "Hi Priya! Could you send photos of the damaged items and the box, please?"
    for body, passed in ((said, True), (silent, False)):
        assert check(body=body, subject=None, verdict=verdict, request=request).passed is passed


@pytest.mark.parametrize(
    ("lang", "sentence", "caught"),
    [
        ("en", "This was not our mistake.", False),
        ("en", "We are responsible for the damage.", True),
        ("es", "No fue culpa nuestra.", False),
        ("es", "Fue culpa nuestra.", True),
        ("fr", "Ce n'est pas notre faute.", False),
        ("fr", "C'est notre faute.", True),
        ("de", "Das war nicht unser Fehler.", False),
        ("de", "Das war unser Fehler.", True),
    ],
)
def test_admission_of_fault_is_negation_aware(lang: str, sentence: str, caught: bool) -> None:
    greeting = {"en": "Hi Thomas! ", "es": "¡Hola Thomas! ", "fr": "Bonjour Thomas ! "}
    rest = {
        "en": " Our legal team will review the case; a specialist replies within 2 business days.",
        "es": " Nuestro equipo legal revisará el caso; un especialista responde en 2 días hábiles.",
        "fr": " Le service juridique verra le dossier ; un spécialiste répond sous 2 jours ouvrés.",
        "de": " Unsere Rechtsabteilung prüft den Fall, ein Spezialist meldet sich in 2 Werktagen.",
    }
    body = greeting.get(lang, "Hallo Thomas! ") + sentence + rest[lang]
    codes = codes_for("legal_escalate", body, locale=lang)
    assert codes <= {"disclosure.forbidden"}
    assert ("disclosure.forbidden" in codes) is caught
