"""What a run keeps beside the scores, so a reader can judge a case without the code: the
verdict as a person reads it, the prompt the model was sent, and what its calls cost."""

from __future__ import annotations

from collections.abc import Iterable

from drafter.evals.recordings import RecordedCall
from drafter.evals.results import PromptMessage, Usage, VerdictView
from drafter.phrase.prompting import Prompt
from drafter.schemas import Money, Offer, Verdict

__all__ = ["prompt_messages", "usage_of", "verdict_view"]


def _money(money: Money | None) -> str:
    return "" if money is None else f"{money.amount} {money.currency}"


def _offer(offer: Offer) -> str:
    size = _money(offer.amount) or (f"{offer.percent}%" if offer.percent is not None else "")
    cap = f", at most {_money(offer.cap)}" if offer.cap else ""
    head = f"{offer.kind} {size}".strip()
    return f"{head}{cap}: {offer.terms}"


def verdict_view(verdict: Verdict) -> VerdictView:
    """The decision, refund, offers and disclosures of ``verdict``, as text."""
    refund = verdict.refund
    return VerdictView(
        decision=verdict.decision.value,
        policy_version=f"{verdict.policy.id}@{verdict.policy.version}",
        policy_sha256=verdict.policy.sha256,
        refund=f"{_money(refund.amount)} to {refund.destination}" if refund else None,
        offers=[_offer(offer) for offer in verdict.offers],
        must_say=[d.text for d in verdict.must_say],
        must_not_say=[d.text for d in verdict.must_not_say],
    )


def prompt_messages(prompt: Prompt | None) -> list[PromptMessage]:
    """The prompt's messages with its per-call canary masked, so reruns compare equal."""
    if prompt is None:
        return []
    return [
        PromptMessage(role=m.role, content=m.content.replace(prompt.canary, "[canary]"))
        for m in prompt.messages
    ]


def usage_of(calls: Iterable[RecordedCall]) -> Usage | None:
    """The summed tokens and latency of ``calls``; a figure any call lacks is None."""
    calls = list(calls)
    if not calls:
        return None
    prompt = [c.prompt_tokens for c in calls]
    completion = [c.completion_tokens for c in calls]
    latency = [c.latency_ms for c in calls]
    return Usage(
        calls=len(calls),
        prompt_tokens=None if None in prompt else sum(p or 0 for p in prompt),
        completion_tokens=None if None in completion else sum(c or 0 for c in completion),
        latency_ms=None if None in latency else round(sum(x or 0.0 for x in latency), 1),
    )
