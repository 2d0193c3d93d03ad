"""The template provider's replies: complete, personal, localized, and nothing more."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest

from drafter.phrase.brief import build_brief
from drafter.phrase.providers import TemplateProvider
from tests.drafting.samples import VERDICTS, case, eur, request, usd

DECISIONS = ("approve", "partial", "decline", "escalate", "needs_info")
LOCALES = ("en", "es", "fr", "de")
CHANNELS = ("email", "chat", "phone")

# One phrase per language and decision that states the decision plainly.
DECISION_PHRASES = {
    "en": {
        "approve": "has been approved",
        "partial": "approve part of",
        "decline": "can't approve",
        "escalate": "final answer",
        "needs_info": "need a few more details",
    },
    "es": {
        "approve": "hemos aprobado",
        "partial": "en parte",
        "decline": "no podemos aprobar",
        "escalate": "respuesta definitiva",
        "needs_info": "necesitamos algunos datos",
    },
    "fr": {
        "approve": "est acceptée",
        "partial": "en partie",
        "decline": "ne pouvons pas accepter",
        "escalate": "réponse définitive",
        "needs_info": "besoin de quelques précisions",
    },
    "de": {
        "approve": "genehmigt",
        "partial": "teilweise genehmigen",
        "decline": "nicht genehmigen",
        "escalate": "abschließende Antwort",
        "needs_info": "benötigen wir noch einige Angaben",
    },
}
# That a reply was templated travels beside it (Draft.templated), never inside it.
TEMPLATED = ("AI model", "modelo de IA", "modèle d'IA", "KI-Modell", "template", "plantilla")
RULE_IDS = ("within_window", "opened_item", "outside_window", "legal_threat", "goodwill_discount")
# A figure: digits with separators, optionally a currency or percent sign beside it.
FIGURE = re.compile(r"[$€]?\d[\d.,\u00a0\u202f]*\d?(?:\s?[€%]|\s?\$)?")


def templated(renderer, brief, tone=None):
    """The templated completion, with its body composed as the pipeline composes it."""
    completion = TemplateProvider(renderer).reply(brief, tone)
    body = renderer.phrasebook.compose(completion.body, brief, tone).text
    return dataclasses.replace(completion, body=body)


def reply_for(renderer, decision, locale, channel):
    request, verdict = case(decision, locale, channel, "Please help.")
    brief = build_brief(request, verdict)
    return templated(renderer, brief), brief, verdict


def amounts(brief):
    """Every figure the brief's refund and offers carry, as the reply must show them."""
    found = []
    if brief.refund is not None:
        found += [brief.refund.amount, brief.refund.gross, *(f.amount for f in brief.refund.fees)]
    for offer in brief.offers:
        found += [f for f in (offer.amount, offer.percent, offer.cap) if f is not None]
    return found


def figures(text):
    """Every number in ``text`` (digits only), to compare sets of figures."""
    return {re.sub(r"\D", "", m) for m in FIGURE.findall(text) if re.search(r"\d", m)}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("decision", DECISIONS)
def test_reply_is_complete_and_says_nothing_more(renderer, decision, locale, channel):
    completion, brief, verdict = reply_for(renderer, decision, locale, channel)
    body = completion.body
    # Greeting by name first in every channel; no templated label in the customer's text.
    assert "Ana Ruiz" in body.split("\n")[0]
    assert not any(label in body for label in TEMPLATED)
    assert "W-2378156" in body
    assert "Trail running shoes" in body
    assert DECISION_PHRASES[locale][decision] in body
    for figure in amounts(brief):
        assert figure in body
    for offer in brief.offers:
        assert offer.terms in body
    for disclosure in brief.disclosures:
        assert disclosure.text in body
    for reason in brief.rationale:
        assert reason.text in body or f"reason:{reason.id}" not in brief.markers
    for need in verdict.needs:
        assert need.question in body
    for forbidden in RULE_IDS:
        assert forbidden not in body
    allowed = figures(
        " ".join(
            [*amounts(brief), *brief.reasons, *brief.must_say, *(o.terms for o in brief.offers)]
        )
    ) | {"2378156", "1042"}
    assert figures(body) <= allowed, figures(body) - allowed
    assert completion.templated
    assert completion.llm_calls == 0
    assert completion.provider == "template"


@pytest.mark.parametrize("locale", LOCALES)
def test_escalation_and_needs_info_promise_nothing(renderer, locale):
    for decision in ("escalate", "needs_info"):
        completion, brief, _ = reply_for(renderer, decision, locale, "email")
        assert amounts(brief) == []
        assert brief.offers == ()
        assert not re.search(r"[$€]|\d+[.,]\d\d", completion.body)


@pytest.mark.parametrize("locale", LOCALES)
def test_under_a_legal_threat_the_acknowledgement_stays_neutral(renderer, locale):
    completion, _, _ = reply_for(renderer, "escalate", locale, "email")
    for apology in ("sorry", "Lamento", "désolés", "tut mir leid"):
        assert apology not in completion.body


# Apologies as each language words them (counted so a decline never says sorry twice).
APOLOGY = {
    "en": re.compile(r"\bsorry\b|\bapologi", re.I),
    "es": re.compile(r"\blo siento\b|\blamento\b|\blo sentimos\b|\bdisculp", re.I),
    "fr": re.compile(r"désolé|navré|\bexcus", re.I),
    "de": re.compile(r"tut (?:mir|uns) leid|entschuldig|bedauer", re.I),
}
# The neutral line of empathy used when the verdict forbids a claim.
NEUTRAL = {
    "en": "I understand how much this matters to you.",
    "es": "Entiendo cuánto le importa este asunto.",
    "fr": "Nous comprenons à quel point ce sujet compte pour vous.",
    "de": "Ich verstehe, wie wichtig Ihnen das ist.",
}


@pytest.mark.parametrize("reason", ["defective", "wrong_item", "late_delivery", "changed_mind"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("decision", DECISIONS)
def test_at_most_one_apology(renderer, decision, locale, reason):
    verdict = VERDICTS[decision](usd if locale == "en" else eur)
    brief = build_brief(request(locale=locale, reason=reason), verdict)
    body = templated(renderer, brief).body
    apologies = APOLOGY[locale].findall(body)
    assert len(apologies) <= 1, apologies
    # en, es and fr declines apologise in the decision itself; German says "Leider" instead.
    if decision == "decline" and locale != "de":
        assert len(apologies) == 1, body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_forbidden_claim_gets_the_neutral_line_of_empathy(renderer, locale):
    completion, brief, _ = reply_for(renderer, "escalate", locale, "email")
    assert brief.must_not_say
    assert NEUTRAL[locale] in completion.body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_short_chat_reply_still_names_the_order(renderer, locale):
    # Disclosures long enough to push the chat reply into its short form.
    asked, verdict = case("approve", locale, "chat")
    long_text = " ".join(["Refunds reach your original payment method in five to ten days."] * 8)
    disclosure = verdict.must_say[0].model_copy(update={"text": long_text})
    verdict = verdict.model_copy(update={"must_say": [disclosure]})
    brief = build_brief(asked, verdict)
    body = templated(renderer, brief).body
    opening = body.split("\n\n")[1]
    assert "W-2378156" in opening
    assert "Trail running shoes" not in opening  # the short form leaves the item list out
    assert NEUTRAL[locale] not in body


def test_only_email_has_a_subject_and_claims_match_the_verdict(renderer):
    email, _, verdict = reply_for(renderer, "decline", "en", "email")
    chat, _, _ = reply_for(renderer, "decline", "en", "chat")
    assert email.subject == "Your request for a refund: W-2378156"
    assert chat.subject is None
    assert email.claims.decision == verdict.decision
    offers = [m for m in email.claims.markers if m.startswith("offer:")]
    assert offers == [f"offer:{o.id}" for o in verdict.offers]


def test_phone_script_is_speakable(renderer):
    completion, _, _ = reply_for(renderer, "decline", "en", "phone")
    assert completion.body.startswith("Hi Ana Ruiz,")
    assert completion.body.rstrip().endswith("take care.")
    assert "\n- " not in completion.body
    assert "go over again?" in completion.body


def test_provider_protocol_complete_and_stream(renderer):
    request, verdict = case("partial", "es", "chat")
    prompt = renderer.render(request, verdict)
    provider = TemplateProvider(renderer)

    async def run():
        completion = await provider.complete(prompt)
        stream = provider.stream(prompt)
        deltas = [delta async for delta in stream]
        return completion, deltas, stream.completion

    completion, deltas, streamed = asyncio.run(run())
    assert "".join(deltas) == completion.body == streamed.body
    assert len(deltas) > 3


@pytest.mark.parametrize("channel", ["email", "chat"])
def test_each_question_is_on_a_line_of_its_own(renderer, channel):
    request, verdict = case("needs_info", "en", channel, "Please help.")
    need = verdict.needs[0]
    verdict = verdict.model_copy(update={"needs": [need, need.model_copy(update={"fact": "x"})]})
    body = templated(renderer, build_brief(request, verdict)).body
    assert f"- {need.question}\n- {need.question}\n" in body
