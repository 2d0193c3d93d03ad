"""Offers the verdict does not allow: a draft may mention an alternative affirmatively only
when the verdict offers that kind.

Beyond ``verdict.offers``, a kind is allowed when the decision itself is that thing: a partial
decision allows "partial refund", an approved exchange allows "exchange", a refund to store
credit or a gift card allows "store credit", and a granted exception allows "exception".

Free shipping is also allowed when the verdict's own commitments mention it affirmatively: the
``must_say`` texts (the draft has to say them) and the offers' terms (the draft may describe
what it offers). "We'll email you a prepaid return label" in a disclosure, or "we cover
shipping both ways" in a repair offer, makes free return shipping part of what the policy
grants, so a draft that says it in its own words is not inventing an offer (the kinds this
applies to are listed in ``lexicons/offers.yaml`` under ``committed_kinds``). The rationale does
not count: it explains the rule, and may name a condition that did not apply ("returns within
30 days come with a prepaid label"), so only a word-for-word quotation of it is allowed content
(``drafter.guard.verbatim``).
Mentions that no negator reaches and that do not refer back to the customer's ask
("you asked to exchange it", "your exchange request", "Ihre Umtauschanfrage") are reported.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.lexicon import gated_keys, load, patterns
from drafter.guard.text import WORDS_BEFORE, Text, is_negated
from drafter.schemas import AskKind, Decision, Verdict, Violation

__all__ = ["allowed_kinds", "check_offers", "committed_kinds", "kinds_in"]

_GRANTING = {Decision.approve, Decision.partial}


@functools.lru_cache(maxsize=1024)
def kinds_in(text: str) -> frozenset[str]:
    """The committable offer kinds a verdict text mentions affirmatively (in any language the
    lexicon has: a policy text may be translated or left in English)."""
    scan = Text(text)
    lexicon = gated_keys("offers", "kinds", frozenset(load("offers")["committed_kinds"]), None)
    return frozenset(
        kind
        for kind, match in lexicon.finditer(scan.scan, scan.lower)
        if not is_negated(scan, *match.span())
    )


def committed_kinds(verdict: Verdict) -> frozenset[str]:
    """The committable offer kinds the verdict's disclosures and offer terms mention."""
    texts = [item.text for item in verdict.must_say] + [offer.terms for offer in verdict.offers]
    return frozenset().union(*(kinds_in(text) for text in texts))


def allowed_kinds(ctx: Context) -> set[str]:
    """The offer kinds a draft for this verdict may mention affirmatively."""
    return _granted_kinds(ctx) | committed_kinds(ctx.verdict)


def _granted_kinds(ctx: Context) -> set[str]:
    """The kinds the verdict's offers and decision allow (commitments aside)."""
    verdict, request = ctx.verdict, ctx.request
    kinds = {offer.kind for offer in verdict.offers}
    if verdict.decision == Decision.partial:
        kinds.add("partial_refund")
    if verdict.decision in _GRANTING and request.ask.kind == AskKind.exchange:
        kinds.add("exchange")
    if verdict.refund is not None and verdict.refund.destination in ("store_credit", "gift_card"):
        kinds.add("store_credit")
    if any(step.stage == "exception" and step.result == "granted" for step in verdict.trace):
        kinds.add("exception")
    return kinds


def _refers_to_ask(text: Text, start: int, end: int) -> bool:
    """Whether the mention names the customer's own ask ("your exchange request", "solicitud
    de cambio", "Ihre Umtauschanfrage") rather than offering that kind."""
    if patterns("offers", "reference_within").search(text.scan, start, end):
        return True
    clause_start, clause_end = text.clause(start, end)
    head = _after_condition(text.scan[clause_start:start])
    before = " ".join(head.split()[-WORDS_BEFORE:])
    if patterns("offers", "reference").search(before):
        return True
    return patterns("offers", "reference_after").search(text.scan[end:clause_end]) is not None


def _after_condition(head: str) -> str:
    """``head`` (the clause up to a mention) after its last conditional clause addressed to the
    customer: in "If you'd like to send it back, return shipping is free" the wish belongs to the
    condition, and the promise after the comma is the company's, not the customer's ask."""
    end = 0
    for match in patterns("offers", "conditions").finditer(head):
        end = match.end()
    return head[end:]


def _forbidden(ctx: Context, text: Text) -> frozenset[str]:
    """The kinds the draft may not mention. The verdict's commitments are read only when the
    draft may mention a kind they could allow: most drafts never name free shipping."""
    forbidden = frozenset(load("offers")["kinds"]) - _granted_kinds(ctx)
    committable = forbidden & frozenset(load("offers")["committed_kinds"])
    if committable and gated_keys("offers", "kinds", committable, ctx.langs).may_match(text.lower):
        forbidden -= committed_kinds(ctx.verdict)
    return forbidden


def check_offers(ctx: Context, text: Text) -> Iterator[Violation]:
    """Violations for each affirmative mention of an offer kind the verdict does not allow."""
    lexicon = gated_keys("offers", "kinds", _forbidden(ctx, text), ctx.langs)
    for kind_id, match in lexicon.finditer(text.scan, text.lower):
        start, end = match.span()
        if is_negated(text, start, end) or _refers_to_ask(text, start, end):
            continue
        kind = kind_id.replace("_", " ")
        message = f"mentions {kind}, which the verdict does not offer"
        yield violation(Code.OFFER_NOT_ALLOWED, message, text, start, end)
