"""Politeness strategies (Danescu-Niculescu-Mizil et al. 2013), counted per reply."""

from __future__ import annotations

from drafter.evals.politeness import strategies
from drafter.evals.text import Reply


def test_polite_strategies_are_found_and_score_positive() -> None:
    measured = strategies(
        Reply(
            "Thanks so much for waiting. You're right to ask. Perhaps store credit "
            "would help? Could you send a photo, please?"
        ),
        "en",
    )
    assert measured.counts["gratitude"] == 1
    assert measured.counts["deference"] == 1
    assert measured.counts["hedges"] >= 1
    assert measured.counts["counterfactual_modal"] == 1
    assert measured.counts["please"] == 1
    assert measured.score > 1


def test_commands_and_second_person_starts_score_negative() -> None:
    measured = strategies(
        Reply(
            "Send the photos today. Read the policy. You need to pay for shipping. "
            "Actually, it was your choice."
        ),
        "en",
    )
    assert measured.counts["direct_imperative"] == 2
    assert measured.counts["second_person_start"] == 1
    assert measured.counts["factuality"] == 1
    assert measured.score < 0


def test_please_before_a_command_is_not_a_bare_imperative() -> None:
    measured = strategies(Reply("Please send the photos."), "en")
    assert measured.counts["please_start"] == 1
    assert measured.counts["direct_imperative"] == 0


def test_other_languages_count_gratitude_and_apologies() -> None:
    measured = strategies(Reply("Vielen Dank für Ihre Geduld. Es tut uns leid."), "de")
    assert measured.counts["gratitude"] >= 1
    assert measured.counts["apology"] == 1
    assert "gratitude×1" in measured.found()[0] or measured.found()[0].startswith("gratitude")
