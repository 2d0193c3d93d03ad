"""Alternatives: a decline or partial refund offers what the policy allows, concretely.

For each offer of the verdict, the reply must name its kind and its figure: the amount or
percentage the verdict gives it, or a number from its terms ("up to 3 months"). An offer whose
terms hold no number counts as concrete once named ("another size or colour"). Approvals,
escalations and requests for information are not scored: their offers are optional.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from drafter.evals.config import Thresholds
from drafter.evals.lexicon import lexicon, phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target, not_applicable, quoted
from drafter.evals.text import Reply, amount_in, parse_number
from drafter.schemas import Decision, Offer

__all__ = ["ALTERNATIVES", "offer_concrete", "offer_named"]

_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_NAMES = {
    Decision.approve: "an approval",
    Decision.escalate: "an escalation",
    Decision.needs_info: "a request for information",
}


def offer_named(
    offer: Offer, reply: Reply, language: str, labels: Mapping[str, str] | None = None
) -> bool:
    """Whether the reply names this kind of offer: by the pack's word for it (``labels``, from
    the verdict), the lexicon's words, or else its id's words."""
    label = (labels or {}).get(offer.kind)
    if label and label.lower() in reply.lower:
        return True
    if offer.kind in lexicon("offers"):
        return phrases("offers", offer.kind, language).any(reply.text)
    return offer.id.replace("_", " ") in reply.lower


def _figures(offer: Offer) -> list[Decimal]:
    """The offer's amount, cap and percentage, and the numbers in its terms."""
    figures = [m.amount for m in (offer.amount, offer.cap) if m is not None]
    if offer.percent is not None:
        figures.append(offer.percent)
    parsed = (parse_number(token) for token in _DIGITS.findall(offer.terms))
    return figures + [number for number in parsed if number is not None]


def offer_concrete(
    offer: Offer, reply: Reply, language: str, labels: Mapping[str, str] | None = None
) -> bool:
    """Named, with one of its figures when it has any."""
    if not offer_named(offer, reply, language, labels):
        return False
    figures = _figures(offer)
    return not figures or any(amount_in(f, reply.numbers) for f in figures)


def _enough(concrete: list[str], offers: list[Offer], thresholds: Thresholds) -> bool:
    return bool(concrete) and len(concrete) / len(offers) >= thresholds.alternatives_min


def _score(target: Target) -> Outcome:
    if target.decision not in (Decision.decline, Decision.partial):
        return not_applicable(f"{_NAMES[target.decision]} needs no alternative")
    offers = target.verdict.offers
    if not offers:
        return not_applicable("the verdict allows no alternative")
    reply, language = target.reply, target.language
    labels = target.verdict.nouns.offers if target.verdict.nouns else None
    concrete = [o.id for o in offers if offer_concrete(o, reply, language, labels)]
    named = [
        o.id for o in offers if offer_named(o, reply, language, labels) and o.id not in concrete
    ]
    missing = [o.id for o in offers if o.id not in concrete and o.id not in named]
    passed = _enough(concrete, offers, target.thresholds)
    parts = [f"concrete: {', '.join(concrete) or 'none'}"]
    if named:
        parts.append(f"named without figures: {', '.join(named)}")
    if missing:
        parts.append(f"not offered: {', '.join(missing)}")
    vague = phrases("tone", "vague", language).find(reply.text)
    if vague:
        parts.append(f"vague wording {quoted(vague)}")
    return Outcome(value=len(concrete) / len(offers), passed=passed, reason="; ".join(parts))


ALTERNATIVES = Scorer(
    name="alternatives",
    family="tone",
    hard=False,
    targets=("no_alternative", "vague"),
    description="Declines offer the allowed alternatives with their amounts or terms.",
    function=_score,
)
