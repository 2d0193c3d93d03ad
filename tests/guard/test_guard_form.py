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


BODY = "Thanks for telling us about the dinner set, and for your patience with all of this."


def _form(body: str, **options: object) -> set[str]:
    return codes_for("photos_needed", body, only=("form",), **options)  # type: ignore[arg-type]


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
    assert _form(f"{opening} {BODY}") == expected


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
        "es": "Gracias por contarnos lo que ha pasado con la vajilla y por su paciencia.",
        "fr": "Merci de nous avoir décrit ce qui est arrivé au service de table.",
        "de": "Vielen Dank, dass Sie uns geschildert haben, was mit dem Geschirr passiert ist.",
    }
    assert _form(f"{opening} {bodies[locale]}", locale=locale) == set()


def test_length_bounds_per_channel() -> None:
    # Without the markers' sentences, a few words of greeting are too short for any channel.
    assert _form("Hi Priya! Thanks.", channel="chat", complete=False) == {"form.too_short"}
    long = "Hi Priya! " + " ".join([BODY] * 12)
    assert _form(long, channel="chat") == {"form.too_long"}


def test_marker_sentences_do_not_count_against_the_upper_bound() -> None:
    # The verdict's sentences must all be in the reply, and translations run longer than the
    # English: only the model's own words count against the channel's upper bound.
    body = "Hi Priya! " + " ".join(["[[decision]] [[questions]] [[next_step]]"] + [BODY] * 4)
    assert _form(body, channel="chat") == set()


def test_marker_sentences_count_towards_the_lower_bound() -> None:
    assert _form("Hi Priya! Thanks.", channel="chat") == set()
    assert _form("Hi Priya! Thanks.", channel="phone") == set()
    assert _form("Hi Priya! Thanks.", channel="phone", complete=False) == {"form.too_short"}


def test_email_needs_a_subject_and_chat_does_not() -> None:
    body = "Hi Priya! " + " ".join([BODY] * 3)
    assert _form(body, channel="email") == {"form.subject_missing"}
    assert _form(body, channel="chat") == set()


def test_a_language_without_a_phrasebook_is_checked_for_length_only() -> None:
    body = "Ciao Priya! Grazie per averci scritto del servizio di piatti."
    assert _form(body, locale="it", channel="chat") == set()
    assert _form("Ciao!", locale="it", channel="chat", complete=False) == {"form.too_short"}


def test_a_language_without_a_phrasebook_is_read_with_every_lexicon() -> None:
    # Italian shares words with the four lexicons; digits and symbols are caught anyway.
    body = "Ciao Priya! Garantiamo il 100% entro domani."
    codes = codes_for("photos_needed", body, locale="it", only=("free",))
    assert codes == {"free.promise", "free.figure"}


@pytest.mark.parametrize(
    ("channel", "lines", "expected"),
    [
        ("chat", ["## Your request", "Thanks for writing."], {"form.markup"}),
        ("chat", ["Thanks for **writing** to us."], {"form.markup"}),
        ("chat", ["Thanks for writing! 😊"], {"form.markup"}),
        ("phone", ["Thanks for calling.", "- one thing first"], {"form.markup"}),
        ("chat", ["Thanks for writing - and for your patience."], set()),
    ],
)
def test_markdown_emoji_and_spoken_bullets_are_refused(
    channel: str, lines: list[str], expected: set[str]
) -> None:
    assert _form("\n".join(["Hi Priya!", *lines]), channel=channel) == expected


@pytest.mark.parametrize(
    ("locale", "words", "expected"),
    [
        ("fr", "Bonjour Priya, merci pour ton message.", {"form.register"}),
        ("fr", "Bonjour Priya, merci pour votre message.", set()),
        ("es", "Hola, Priya: gracias por tu mensaje.", {"form.register"}),
        ("de", "Hallo Priya, danke für deine Nachricht.", {"form.register"}),
        ("de", "Hallo Priya, danke für Ihre Nachricht.", set()),
    ],
)
def test_the_familiar_you_is_refused_where_the_house_voice_is_formal(
    locale: str, words: str, expected: set[str]
) -> None:
    codes = codes_for("photos_needed", words, locale=locale, channel="chat", only=("form",))
    assert codes - {"form.language"} == expected
