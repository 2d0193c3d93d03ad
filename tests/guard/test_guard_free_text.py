"""The model's own words commit to nothing: each category in each language, the names the
request allows, and linear time on hostile text."""

from __future__ import annotations

import time

import pytest
from guard_dataset import codes_for

from drafter.guard.free_text import claim_detectors, find


def _categories(text: str, lang: str = "en") -> set[str]:
    return {finding.category for finding in find(text, lang)}


@pytest.mark.parametrize(
    ("text", "lang", "category"),
    [
        ("I've gone ahead and approved it.", "en", "decision"),
        ("We can't do that.", "en", "decision"),
        ("Unfortunately that is how it is.", "en", "decision"),
        ("Lo sentimos, no podemos hacerlo.", "es", "decision"),
        ("Malheureusement, c'est ainsi.", "fr", "decision"),
        ("Das können wir leider nicht.", "de", "decision"),
        ("You'll get your money back.", "en", "money"),
        ("Le devolveremos el importe.", "es", "money"),
        ("Nous vous proposons un bon d'achat.", "fr", "money"),
        ("Sie erhalten eine Rückerstattung.", "de", "money"),
        ("Wir tauschen die Schuhe gerne um.", "de", "money"),
        ("We might be able to help.", "en", "promise"),
        ("I'm confident the supervisor agrees.", "en", "promise"),
        ("Quizás haya otra opción.", "es", "promise"),
        ("Vous recevrez une réponse.", "fr", "promise"),
        ("Das wird schnell gehen.", "de", "promise"),
        ("This was our mistake.", "en", "fault"),
        ("Fue culpa nuestra.", "es", "fault"),
        ("C'est notre erreur.", "fr", "fault"),
        ("Das war unser Fehler.", "de", "fault"),
        ("You get the whole amount.", "en", "completeness"),
        ("Le reembolsamos el importe íntegro.", "es", "completeness"),
        ("It arrives by Friday.", "en", "timing"),
        ("Dentro de poco lo tendrá.", "es", "timing"),
        ("It takes a few days.", "en", "figure"),
        ("It takes 3 days.", "en", "figure"),
        ("ten percent off", "en", "figure"),
        ("Cuesta cincuenta.", "es", "figure"),
        ("Es kostet 20 €.", "de", "figure"),
        ("Have a good day!", "en", None),
        ("Thanks for your patience, and feel free to write back.", "en", None),
        ("Gracias por su paciencia.", "es", None),
        ("Merci pour votre patience.", "fr", None),
        ("Vielen Dank für Ihre Geduld.", "de", None),
    ],
)
def test_each_category_in_each_language(text: str, lang: str, category: str | None) -> None:
    found = _categories(text, lang)
    assert (category in found) if category else not found, found


def test_english_slips_are_found_in_every_language() -> None:
    assert "money" in _categories("Hola Ana, su refund está en camino.", "es")


def test_the_request_s_names_and_references_are_skipped() -> None:
    # Order W2093377, item "Ceramic dinner set", customer Priya Shah: digits and all.
    body = "Hi Priya! Thanks for writing about order W2093377 and the Ceramic dinner set."
    assert codes_for("photos_needed", body, only=("free",)) == set()
    assert codes_for("photos_needed", body + " Order W2093378 too.", only=("free",)) == {
        "free.figure"
    }


def test_the_subject_commits_to_nothing_either() -> None:
    codes = codes_for(
        "photos_needed", "Hi Priya! Thanks.", channel="email", subject="Refund approved"
    )
    assert {"free.money", "free.decision"} <= codes


def test_every_forbidden_claim_of_the_shipped_policies_has_a_detector() -> None:
    assert set(claim_detectors()) >= {"admission_of_fault", "promised_outcome"}
    categories = {"decision", "money", "promise", "fault", "completeness", "timing", "figure"}
    assert all(set(cats) <= categories for cats in claim_detectors().values())


@pytest.mark.parametrize(
    "hostile",
    [
        "[[" * 20_000,
        "a" * 100_000,
        "refund " * 20_000,
        "<a hidden" * 5_000,
        ("1" * 9 + " ") * 10_000,
        "ü" * 50_000 + "ß" * 50_000,
    ],
)
def test_hostile_text_is_read_in_linear_time(hostile: str) -> None:
    started = time.process_time()
    list(find(hostile, "de"))
    # 100 kB read word by word: well under a second even on a loaded 2-core machine.
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize(
    "hostile",
    [
        "+1 800 555 0142 " * 2_000,  # skipped spans (phones) everywhere
        "W2093377 Priya " * 2_000,  # the request's names everywhere
        "https://x.example/a " * 1_000,
        "[[" * 10_000,
        "<a hidden" * 2_000,
    ],
)
def test_the_whole_check_reads_hostile_own_words_in_linear_time(hostile: str) -> None:
    started = time.process_time()
    codes_for("photos_needed", f"Hi Priya! {hostile}", channel="email", subject="Photos")
    assert time.process_time() - started < 3.0
