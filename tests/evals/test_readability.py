"""The syllable counters and reading-ease formulas, on words and texts with known answers."""

from __future__ import annotations

import pytest

from drafter.evals.readability import reading_ease, syllables
from drafter.evals.text import Reply

# Dictionary syllable counts, chosen to cover the counter's rules (silent e, -ed, -es, -le,
# vowel pairs that split) and words support replies use often.
ENGLISH = {
    "the": 1,
    "refund": 2,
    "return": 2,
    "policy": 3,
    "customer": 3,
    "delivery": 4,
    "business": 2,
    "create": 2,
    "riot": 2,
    "poem": 2,
    "table": 2,
    "apologize": 4,
    "understand": 3,
    "frustrating": 3,
    "unfortunately": 5,
    "available": 4,
    "replacement": 3,
    "subscription": 3,
    "immediately": 5,
    "cancelled": 2,
    "shipped": 1,
    "wanted": 2,
    "boxes": 2,
    "makes": 1,
    "received": 2,
    "experience": 4,
    "people": 2,
    "little": 2,
    "area": 3,
    "idea": 3,
    "science": 2,
    "going": 2,
    "usually": 4,
    "simple": 2,
    "label": 2,
    "original": 4,
    "option": 2,
    "information": 4,
    "because": 2,
    "notice": 2,
    "continue": 3,
    "situation": 4,
    "actually": 4,
    "supervisor": 4,
    "delivered": 3,
    "inspection": 3,
    "sincerely": 3,
    "something": 2,
    "sometimes": 2,
    "guarantee": 3,
    "player": 2,
    "maybe": 2,
    "lovely": 2,
    "safely": 2,
    "arrived": 2,
    "eligible": 4,
    "annual": 3,
    "stayed": 1,
    "agreed": 2,
    "needed": 2,
    "caused": 1,
    "hope": 1,
    "patience": 2,
}
SPANISH = {
    "reembolso": 4,
    "devolución": 4,
    "tienda": 2,
    "garantía": 4,
    "queremos": 3,
    "guitarra": 3,
    "cuenta": 2,
    "política": 4,
    "días": 2,
    "hábiles": 3,
    "aire": 2,
    "ciudad": 2,
    "leer": 2,
    "aéreo": 4,
    "país": 2,
    "baúl": 2,
    "oído": 3,
    "correo": 3,
}
GERMAN = {
    "Erstattung": 3,
    "Bestellung": 3,
    "leider": 2,
    "Gutschrift": 2,
    "Werktage": 3,
    "Entschuldigung": 4,
    "bearbeiten": 4,
    "Theater": 3,
}
FRENCH = {
    "commande": 2,
    "livraison": 3,
    "merci": 2,
    "boutique": 2,
    "politique": 3,
    "remboursement": 3,
    "jours": 1,
    "retour": 2,
}


def _share_right(words: dict[str, int], language: str) -> float:
    right = sum(syllables(word, language) == count for word, count in words.items())
    return right / len(words)


def test_english_counts_match_the_dictionary_for_nine_words_in_ten() -> None:
    assert _share_right(ENGLISH, "en") >= 0.9


@pytest.mark.parametrize(("words", "language"), [(SPANISH, "es"), (GERMAN, "de"), (FRENCH, "fr")])
def test_other_languages_match_their_samples(words: dict[str, int], language: str) -> None:
    assert _share_right(words, language) >= 0.85


def test_every_word_has_at_least_one_syllable() -> None:
    assert syllables("rhythm", "en") >= 1
    assert syllables("x", "de") == 1


PLAIN = "We can't refund the shoes. They came back late. We can give you store credit."
DENSE = (
    "Notwithstanding the aforementioned considerations, reimbursement eligibility "
    "determinations necessitate comprehensive documentation substantiating merchandise "
    "nonconformity."
)


def test_plain_text_reads_easier_than_dense_text() -> None:
    plain, dense = reading_ease(Reply(PLAIN), "en"), reading_ease(Reply(DENSE), "en")
    assert plain.ease > 80 > 20 > dense.ease
    assert plain.sentences == 3
    assert dense.syllables_per_word > 2.5


def test_salutation_and_sign_off_lines_do_not_count_as_sentences() -> None:
    framed = reading_ease(Reply(f"Hi Maya,\n\n{DENSE}\n\nBest,\nSam"), "en")
    assert framed.sentences == 1
    assert framed.ease == reading_ease(Reply(DENSE), "en").ease


@pytest.mark.parametrize(
    ("language", "plain", "dense"),
    [
        (
            "es",
            "No podemos devolver el dinero. Te damos un vale.",
            "Lamentablemente, la documentación proporcionada resulta insuficiente "
            "para determinar la procedencia administrativa del reembolso solicitado.",
        ),
        (
            "fr",
            "Nous ne pouvons pas vous rembourser. Voici un avoir.",
            "Malheureusement, la documentation communiquée demeure insuffisante pour "
            "déterminer l'admissibilité administrative du remboursement sollicité.",
        ),
        (
            "de",
            "Wir können das Geld nicht erstatten. Sie bekommen einen Gutschein.",
            "Bedauerlicherweise ermöglicht die übermittelte Dokumentation keine abschließende "
            "Beurteilung der Erstattungsfähigkeit Ihrer Reklamationsangelegenheit.",
        ),
    ],
)
def test_each_language_formula_ranks_plain_above_dense(
    language: str, plain: str, dense: str
) -> None:
    assert reading_ease(Reply(plain), language).ease > reading_ease(Reply(dense), language).ease


def test_an_empty_reply_has_zero_ease() -> None:
    measured = reading_ease(Reply(""), "en")
    assert (measured.ease, measured.words) == (0.0, 0)
