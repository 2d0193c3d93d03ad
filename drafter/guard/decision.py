"""Decision contradictions: the draft grants what the verdict refuses, or refuses what it
grants.

- decline, escalate, needs_info: any approval or "refund issued" phrase no negator reaches and
  no hedge ("if the supervisor approves it") makes conditional. A decline that allows a
  partial or shipping refund as an offer may speak of that refund in the sentence naming it.
- approve: any decline phrase ("we can't refund", "your request was denied").
- partial: any affirmative promise of the full amount ("a full refund").
"""

from __future__ import annotations

from collections.abc import Iterator

from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.lexicon import gated, keyed_patterns
from drafter.guard.text import Text, is_hedged, is_negated
from drafter.schemas import Decision, Violation

__all__ = ["check_decision"]

_NOT_GRANTING = {Decision.decline, Decision.escalate, Decision.needs_info}


def _affirmative(ctx: Context, text: Text, key: str) -> Iterator[tuple[int, int]]:
    for _, match in gated("decision", key, ctx.langs).finditer(text.scan, text.lower):
        start, end = match.span()
        if not is_negated(text, start, end) and not is_hedged(text, start, end):
            yield start, end


def _names_refund_offer(ctx: Context, text: Text, start: int, end: int) -> bool:
    """Whether the sentence names an offer of a refund kind the verdict allows."""
    lexicon = keyed_patterns("offers", "kinds", ctx.langs)
    kinds = [o.kind for o in ctx.verdict.offers if "refund" in o.kind and o.kind in lexicon]
    sentence_start, sentence_end = text.sentence(start, end)
    return any(lexicon[kind].search(text.scan, sentence_start, sentence_end) for kind in kinds)


def _approvals(ctx: Context, text: Text) -> Iterator[Violation]:
    decision = ctx.verdict.decision.value
    for start, end in _affirmative(ctx, text, "approval"):
        if not _names_refund_offer(ctx, text, start, end):
            message = f"grants or promises a refund, but the verdict is {decision}"
            yield violation(Code.APPROVAL_LANGUAGE, message, text, start, end)


def _declines(ctx: Context, text: Text) -> Iterator[Violation]:
    for _, match in gated("decision", "decline", ctx.langs).finditer(text.scan, text.lower):
        message = "refuses the request, but the verdict approves it"
        yield violation(Code.DECLINE_LANGUAGE, message, text, *match.span())


def _full_refunds(ctx: Context, text: Text) -> Iterator[Violation]:
    for start, end in _affirmative(ctx, text, "full_refund"):
        message = "promises the full amount, but the verdict is a partial refund"
        yield violation(Code.FULL_REFUND_ON_PARTIAL, message, text, start, end)


def check_decision(ctx: Context, text: Text) -> Iterator[Violation]:
    """Violations of the verdict's decision in ``text``."""
    decision = ctx.verdict.decision
    if decision in _NOT_GRANTING:
        yield from _approvals(ctx, text)
    elif decision == Decision.approve:
        yield from _declines(ctx, text)
    elif decision == Decision.partial:
        yield from _full_refunds(ctx, text)
