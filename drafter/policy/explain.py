"""A policy as plain text, for review by support operations (``drafter policy explain``)."""

from __future__ import annotations

from collections.abc import Iterator

from drafter.policy.expr import Table
from drafter.policy.model import CompiledRule, Policy
from drafter.policy.trace import show

__all__ = ["explain"]


def explain(policy: Policy) -> str:
    return "\n".join(_lines(policy)) + "\n"


def _lines(policy: Policy) -> Iterator[str]:
    yield f"{policy.title} ({policy.id} {policy.version}, effective {policy.effective})"
    yield f"Owner: {policy.owner}. Amounts in {policy.currency}."
    if policy.summary:
        yield f"\n{policy.summary}"
    yield from _params(policy)
    yield from _conditions(policy)
    yield "\nFirst, these gates are checked in order; the first that applies decides:"
    yield from _rules(policy.gates, policy)
    yield "\nOtherwise, the first of these outcomes that applies decides:"
    yield from _rules(policy.outcomes, policy)
    if policy.escalations:
        yield "\nThen the decision goes to a person if any of these holds:"
        for trigger in policy.escalations:
            to = "legal" if trigger.target == "legal" else "a supervisor"
            yield f"  - [{trigger.id}] if {_prose(trigger.when.source)}: to {to}."
            yield f"      {trigger.reason}"
            yield from _notes(trigger.must_say, trigger.must_not_say, policy)
    if policy.flags:
        yield "\nAnd these add to what the reply must (not) say:"
        for flag in policy.flags:
            yield f"  - [{flag.id}] if {_prose(flag.when.source)}."
            yield from _notes(flag.must_say, flag.must_not_say, policy)
    if policy.exceptions:
        yield "\nExceptions that a person may grant:"
        for exception in policy.exceptions.values():
            caps = ", ".join(f"{role} up to {cap.source}" for role, cap in exception.caps.items())
            waives = f"; waives {', '.join(sorted(exception.waives))}" if exception.waives else ""
            yield f"  - [{exception.id}] {exception.description} ({caps}{waives})"
    yield "\nIf a fact that a rule needs is missing, the answer is to ask for it, never to approve."


def _params(policy: Policy) -> Iterator[str]:
    if not policy.scope.params:
        return
    yield "\nParameters:"
    for name, param in policy.scope.params.items():
        if isinstance(param, Table):
            values = ", ".join(f"{' and '.join(k)}: {show(v)}" for k, v in param.values.items())
            yield f"  - {name}: {values}"
        else:
            yield f"  - {name}: {show(param[1])}"


def _conditions(policy: Policy) -> Iterator[str]:
    if not policy.scope.conditions:
        return
    yield "\nNamed amounts and conditions, used by name below:"
    for name, condition in policy.scope.conditions.items():
        yield f"  - {name}: {_prose(condition.source)}"


def _rules(rules: tuple[CompiledRule, ...], policy: Policy) -> Iterator[str]:
    for number, rule in enumerate(rules, start=1):
        condition = "otherwise" if rule.when.source == "true" else f"if {_prose(rule.when.source)}"
        decision = rule.decision.replace("_", " ")
        if rule.handover is not None:
            decision += f" to {rule.handover.target} ({rule.handover.reason})"
        yield f"  {number}. [{rule.id}] {condition}: {decision}."
        if rule.refund is not None:
            fees = "".join(f", minus {name} ({fee.source})" for name, fee in rule.refund.fees)
            yield (
                f"      Refund {rule.refund.amount.source}{fees}, to "
                f"{rule.refund.destination.replace('_', ' ')}."
            )
        for offer_id in rule.offers:
            offer = policy.offers[offer_id]
            yield f"      Offer {offer_id} ({offer.kind}): {offer.terms.text}"
        yield from _notes(rule.must_say, rule.must_not_say, policy)
        yield f'      Customer is told: "{rule.rationale.text}"'


def _notes(say: tuple[str, ...], never: tuple[str, ...], policy: Policy) -> Iterator[str]:
    for item in say:
        yield f"      Must say: {policy.disclosures[item].text}"
    for item in never:
        yield f"      Must not say: {policy.forbidden[item]}"


def _prose(source: str) -> str:
    words = {
        "==": "is",
        "!=": "is not",
        "<=": "is at most",
        ">=": "is at least",
        "<": "is under",
        ">": "is over",
    }
    return " ".join(words.get(token, token) for token in source.split())
