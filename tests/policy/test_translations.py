"""Every customer-facing text of every shipped policy, and every question of every
pack's facts, speaks the four supported languages.

A text a policy leaves in English reaches a Spanish, French or German customer as an English
sentence inside their reply; a translation that drops or alters a placeholder states a
different figure than the English (or fails to fill one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from drafter.phrase.formatting import SUPPORTED_LANGUAGES
from drafter.policy import PolicyRegistry
from drafter.policy.domain import Domain
from drafter.policy.model import Policy, Wording
from drafter.settings import Settings

TRANSLATED = tuple(lang for lang in SUPPORTED_LANGUAGES if lang != "en")
_PLACEHOLDER = re.compile(r"\{[^{}]+\}")
_REGISTRY = PolicyRegistry(Settings().policies_dir)


def _wordings(policy: Policy) -> Iterator[tuple[str, Wording]]:
    """Every customer-facing text of ``policy``, named by where it sits."""
    for name, wording in policy.disclosures.items():
        yield f"disclosures.{name}", wording
    for name, offer in policy.offers.items():
        yield f"offers.{name}.terms", offer.terms
    rules = (*policy.gates, *policy.outcomes, *policy.escalations, *policy.flags)
    for rule in (*rules, *policy.exceptions.values()):
        yield f"{rule.id}.rationale", rule.rationale
    yield "needs_info.rationale", policy.needs_info_rationale


@pytest.mark.parametrize("policy_id", _REGISTRY.ids())
def test_every_customer_facing_text_is_translated_with_the_same_placeholders(
    policy_id: str,
) -> None:
    policy = _REGISTRY.get(policy_id)
    found = list(_wordings(policy))
    assert len(found) > 20
    for where, wording in found:
        english = sorted(_PLACEHOLDER.findall(wording.text))
        for lang in TRANSLATED:
            assert lang in wording.variants, f"{policy_id} {where}: no '{lang}' translation"
            text = wording.variants[lang].text
            assert text != wording.text, f"{policy_id} {where}: '{lang}' is the English"
            assert sorted(_PLACEHOLDER.findall(text)) == english, f"{policy_id} {where} {lang}"


def _domains() -> list[Domain]:
    return list({p.domain.id: p.domain for p in map(_REGISTRY.get, _REGISTRY.ids())}.values())


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_fact_question_is_translated(lang: str) -> None:
    for domain in _domains():
        for name, fact in domain.facts.items():
            asked = domain.question(name, lang)
            assert asked != fact.question, f"{domain.id} {name}: no '{lang}' question"
            assert asked.rstrip().endswith("?"), f"{domain.id} {name} ({lang}): {asked!r}"


def test_questions_speak_to_the_customer_not_about_them() -> None:
    about = [
        f.question
        for domain in _domains()
        for f in domain.facts.values()
        if re.search(r"\bthe customer\b", f.question)
    ]
    assert about == []
