"""The case's own expectations on the reply: forbidden claims (hard) and required offers."""

from __future__ import annotations

import re

from drafter.evals.scorers.alternatives import offer_named
from drafter.evals.scorers.base import Outcome, Scorer, Target, not_applicable
from drafter.schemas import Decision

__all__ = ["FORBIDDEN_CLAIMS", "REQUIRED_OFFERS"]


def _forbidden(target: Target) -> Outcome:
    claims = target.expect.forbidden
    if not claims:
        return not_applicable("the case forbids no claim")
    made = []
    for claim in claims:
        match = re.search(claim.pattern, target.reply.text, re.IGNORECASE)
        if match:
            made.append(f"'{match.group(0)}' ({claim.id}: {claim.why})")
    if made:
        return Outcome(value=0.0, passed=False, reason="makes " + "; ".join(made))
    return Outcome(value=1.0, passed=True, reason=f"none of {len(claims)} forbidden claim(s)")


def _required_ids(target: Target) -> list[str]:
    if target.expect.offers is not None:
        return target.expect.offers
    if target.decision in (Decision.decline, Decision.partial):
        return [offer.id for offer in target.verdict.offers]
    return []


def _offers(target: Target) -> Outcome:
    wanted = _required_ids(target)
    if not wanted:
        return not_applicable("the case requires no offer")
    offers = {offer.id: offer for offer in target.verdict.offers}
    absent = [
        offer_id
        for offer_id in wanted
        if offer_id not in offers
        or not offer_named(
            offers[offer_id],
            target.reply,
            target.language,
            target.verdict.nouns.offers if target.verdict.nouns else None,
        )
    ]
    value = 1 - len(absent) / len(wanted)
    if absent:
        return Outcome(value=value, passed=False, reason=f"does not offer {', '.join(absent)}")
    return Outcome(value=1.0, passed=True, reason=f"offers {', '.join(wanted)}")


FORBIDDEN_CLAIMS = Scorer(
    name="forbidden_claims",
    family="expectations",
    hard=True,
    targets=(),
    description="None of the claims the case forbids (injected amounts, promises).",
    function=_forbidden,
)

REQUIRED_OFFERS = Scorer(
    name="required_offers",
    family="expectations",
    hard=False,
    targets=(),
    description="Makes the offers the case requires (by default a decline's allowed offers).",
    function=_offers,
)
