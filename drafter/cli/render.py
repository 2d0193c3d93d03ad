"""Rich rendering of verdicts and reports for people at a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from drafter.schemas import Money, Verdict

__all__ = ["money", "render_verdict"]

_COLOURS = {
    "approve": "green",
    "partial": "yellow",
    "decline": "red",
    "escalate": "magenta",
    "needs_info": "cyan",
}


def money(value: Money) -> str:
    return f"{value.amount} {value.currency}"


def render_verdict(console: Console, verdict: Verdict) -> None:
    colour = _COLOURS[verdict.decision.value]
    # A question is asked because a rule could not be decided; no rule decided it.
    by = "at rule" if verdict.decision.value == "needs_info" else "by rule"
    console.print(
        f"[bold {colour}]{verdict.decision.value.upper()}[/] {by} "
        f"[bold]{verdict.rule}[/]  ({verdict.policy.id} {verdict.policy.version}, "
        f"as of {verdict.as_of})",
        highlight=False,
    )
    if verdict.refund is not None:
        fees = "".join(f", minus {f.id} {money(f.amount)}" for f in verdict.refund.fees)
        console.print(
            f"Refund: [bold]{money(verdict.refund.amount)}[/] to "
            f"{verdict.refund.destination} (gross {money(verdict.refund.gross)}{fees})",
            highlight=False,
        )
    for offer in verdict.offers:
        size = (
            money(offer.amount) if offer.amount else (f"{offer.percent}%" if offer.percent else "")
        )
        cap = f" (cap {money(offer.cap)})" if offer.cap else ""
        console.print(f"Offer: {offer.kind} {size}{cap}: {offer.terms}", highlight=False)
    if verdict.escalation is not None:
        console.print(f"Escalate to {verdict.escalation.target}: {verdict.escalation.reason}")
        console.print(f"  Recommended: {verdict.escalation.summary.recommended}", highlight=False)
    for need in verdict.needs:
        console.print(f"Needs: {need.fact}: {need.question}")
    for item in verdict.must_say:
        console.print(f"Must say: {item.text}")
    for item in verdict.must_not_say:
        console.print(f"Must not say: {item.text}")
    for reason in verdict.rationale:
        console.print(f"Why ({reason.rule}): {reason.text}", highlight=False)
    console.print(_trace(verdict))


def _trace(verdict: Verdict) -> Table:
    table = Table(
        title="Trace",
        title_justify="left",
        show_edge=False,
        caption="fired: its condition held; passed: it did not; unknown: a fact it reads is "
        "missing; waived: an exception set it aside",
        caption_justify="left",
    )
    for column in ("rule", "stage", "result", "facts seen"):
        table.add_column(column)
    for step in verdict.trace:
        facts = ", ".join(f"{k}={'missing' if v is None else v}" for k, v in step.facts.items())
        table.add_row(step.rule, step.stage, step.result, facts)
    return table
