"""Form: language, length for the channel, greeting, name and subject."""

from __future__ import annotations

import pytest
from guard_dataset import codes_for

from drafter.guard import BOUNDS, detect_language
from drafter.schemas import Channel


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Thank you for your order, we will get back to you within the week.", "en"),
        ("Gracias por tu pedido, te responderemos durante la semana con los detalles.", "es"),
        ("Merci pour votre commande, nous vous répondrons dans la semaine avec les détails.", "fr"),
        ("Danke für Ihre Bestellung, wir melden uns noch in dieser Woche bei Ihnen.", "de"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text)[0] == lang


def test_bounds_are_ordered_and_cover_every_channel() -> None:
    assert set(BOUNDS) == set(Channel)
    assert all(0 < low < high for low, high in BOUNDS.values())


BODY = "Could you send photos of the damaged items and of the box they arrived in, please?"


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        ("Hi Priya!", set()),
        ("Dear Ms. Shah,", set()),
        ("Good morning Priya Shah,", set()),
        ("Hello again Priya,", set()),
        ("Priya,", {"form.greeting"}),
        ("Hi Maria,", {"form.name_wrong"}),
        ("Hi there,", {"form.name_missing"}),
    ],
)
def test_greeting_and_name(opening: str, expected: set[str]) -> None:
    assert codes_for("photos_needed", f"{opening} {BODY}") == expected


@pytest.mark.parametrize(
    ("locale", "opening"),
    [
        ("es", "Estimada Sra. Shah:"),
        ("fr", "Bonjour Madame Shah,"),
        ("de", "Sehr geehrte Frau Shah,"),
    ],
)
def test_formal_greetings_with_honorifics(locale: str, opening: str) -> None:
    bodies = {
        "es": "¿Podrías enviarnos fotos de las piezas dañadas y de la caja, por favor?",
        "fr": "Pourriez-vous nous envoyer des photos des pièces abîmées et du carton ?",
        "de": "Könnten Sie uns bitte Fotos der beschädigten Teile und des Kartons schicken?",
    }
    assert codes_for("photos_needed", f"{opening} {bodies[locale]}", locale=locale) == set()


def test_length_bounds_per_channel() -> None:
    short = "Hi Priya! Photos, please."
    assert codes_for("photos_needed", short, channel="chat") == {"form.too_short"}
    long = "Hi Priya! " + " ".join([BODY] * 12)
    assert codes_for("photos_needed", long, channel="chat") == {"form.too_long"}
    assert "form.too_short" in codes_for(
        "photos_needed", f"Hi Priya! {BODY}", channel="email", subject="Photos"
    )


def test_email_needs_a_subject_and_chat_does_not() -> None:
    body = "Hi Priya! " + " ".join([BODY] * 3)
    assert codes_for("photos_needed", body, channel="email") == {"form.subject_missing"}
    assert codes_for("photos_needed", body, channel="chat") == set()


def test_a_locale_the_guard_cannot_read_fails_closed() -> None:
    body = "Ciao Priya! Potresti inviarci delle foto degli articoli danneggiati e della scatola?"
    assert codes_for("photos_needed", body, locale="it") == {"form.unsupported_locale"}
