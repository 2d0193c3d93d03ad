"""Evaluate a compiled policy against a request: exception, gates, outcomes, escalations, flags.

Pure and deterministic: no clock, no I/O, no randomness. A condition that cannot be decided
because a fact is missing stops with ``needs_info`` (fail closed); it never falls through to a
later rule that might approve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from drafter.errors import ExceptionGrantError, RequestError
from drafter.policy.expr import Compiled
from drafter.policy.facts import CATALOGUE, extract, question
from drafter.policy.model import (
    CompiledEscalation,
    CompiledException,
    CompiledRule,
    Policy,
    Wording,
)
from drafter.policy.types import MISSING, Value
from drafter.schemas import (
    Decision,
    Disclosure,
    Escalation,
    Fee,
    Handoff,
    Money,
    Need,
    Offer,
    PolicyRef,
    Refund,
    Request,
    TraceStep,
    Verdict,
)
from drafter.schemas import Rationale as RationaleOut

__all__ = ["evaluate"]

M = TypeVar("M", bound=BaseModel)


def _make(cls: type[M], /, **fields: Any) -> M:
    """Build a verdict part from values the engine itself produced, without re-validating.

    Validating a whole verdict costs more than evaluating the policy. Every field is always
    passed explicitly, and the property tests round-trip every verdict through strict
    validation, so a wrong type here fails a test rather than reaching a caller.
    """
    instance = _new(cls)
    _set(instance, "__dict__", fields)
    _set(instance, "__pydantic_fields_set__", set(fields))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


_new, _set = object.__new__, object.__setattr__


CENT = Decimal("0.01")
Stage = Literal["gate", "outcome", "escalation", "flag", "exception", "cap"]
Result = Literal["fired", "passed", "unknown", "waived", "granted", "capped"]


class _Undecided(Exception):
    """A condition depends on missing facts; carries the rule and the facts."""

    def __init__(self, rule: str, missing: list[str]) -> None:
        self.rule, self.missing = rule, missing


@dataclass
class _Run:
    policy: Policy
    request: Request
    env: dict[str, Value]
    # (rule, stage, result, facts seen or the names of the facts the condition read);
    # turned into TraceSteps once, at the end, because most of a verdict's cost is its trace.
    trace: list[tuple[str, str, str, dict[str, str | None] | tuple[str, ...]]] = field(
        default_factory=list
    )
    waived: frozenset[str] = frozenset()
    cap: Decimal | None = None

    def say(self, wording: Wording) -> str:
        """The text in the customer's language (English when the policy has no translation),
        with its placeholders filled."""
        phrase = wording.phrase(self.request.locale[:2])
        text = phrase.text
        for part in phrase.parts:
            text = text.replace("{" + part.source + "}", _show(part(self.env)), 1)
        return text

    def test(self, rule: str, stage: Stage, when: Compiled) -> Value:
        value = when(self.env)
        result: Result = "unknown" if value is MISSING else ("fired" if value else "passed")
        self.trace.append((rule, stage, result, when.names))
        return value

    def missing(self, compiled: Compiled) -> list[str]:
        return sorted(f for f in compiled.facts if self.env.get(f) is MISSING)


def evaluate(policy: Policy, request: Request) -> Verdict:
    """The verdict ``policy`` gives ``request``.

    Raises:
        RequestError: the request does not fit the policy (currency, enum values).
        ExceptionGrantError: it carries an exception the policy does not allow.
    """
    env = extract(request, policy.catalogue_facts)
    _check_fit(policy, request, env)
    run = _Run(policy, request, env)
    _apply_exception(run)
    try:
        rule = _decide(run)
    except _Undecided as undecided:
        return _with_escalation(run, None, undecided)
    return _with_escalation(run, rule, None)


# --- stages ------------------------------------------------------------------------------


def _decide(run: _Run) -> CompiledRule:
    for gate in run.policy.gates:
        if gate.id in run.waived:
            run.trace.append((gate.id, "gate", "waived", {}))
            continue
        if _holds(run, gate.id, "gate", gate.when):
            return gate
    for outcome in run.policy.outcomes:
        if _holds(run, outcome.id, "outcome", outcome.when):
            return outcome
    raise _Undecided("no_outcome", [])  # unreachable for a linted policy: fail closed


def _holds(run: _Run, rule: str, stage: Stage, when: Compiled) -> bool:
    value = run.test(rule, stage, when)
    if value is MISSING:
        raise _Undecided(rule, run.missing(when))
    return bool(value)


def _apply_exception(run: _Run) -> None:
    granted = run.request.exception
    run.env["exception"], run.env["exception_cap"] = "none", MISSING
    if granted is None:
        return
    spec = run.policy.exceptions.get(granted.id)
    if spec is None:
        known = ", ".join(run.policy.exceptions) or "none"
        raise ExceptionGrantError(
            f"policy '{run.policy.id}' has no exception '{granted.id}'; it has: {known}",
            field="exception.id",
        )
    cap = _exception_cap(run, spec, granted.role)
    if granted.amount is not None and granted.amount > cap:
        raise ExceptionGrantError(
            f"{granted.amount} is above the {granted.role}'s cap of {cap} for '{spec.id}'",
            field="exception.amount",
        )
    run.cap = cap if granted.amount is None else granted.amount
    run.waived = spec.waives
    run.env["exception"], run.env["exception_cap"] = spec.id, run.cap
    facts: dict[str, str | None] = {
        "role": granted.role,
        "granted_by": granted.granted_by,
        "cap": str(run.cap),
    }
    run.trace.append((spec.id, "exception", "granted", facts))


def _exception_cap(run: _Run, spec: CompiledException, role: str) -> Decimal:
    compiled = spec.caps.get(role)
    if compiled is None:
        roles = ", ".join(spec.caps)
        raise ExceptionGrantError(
            f"'{spec.id}' may be granted only by: {roles}", field="exception.role"
        )
    cap = compiled(run.env)
    if not isinstance(cap, Decimal | int):
        missing = ", ".join(run.missing(compiled)) or "a fact"
        raise ExceptionGrantError(
            f"cannot size '{spec.id}': {missing} is missing", field="exception"
        )
    return _cents(Decimal(cap))


def _with_escalation(run: _Run, rule: CompiledRule | None, undecided: _Undecided | None) -> Verdict:
    decision = Decision(rule.decision) if rule else Decision.needs_info
    refund = _refund(run, rule) if rule and rule.refund else None
    if isinstance(refund, _Undecided):
        undecided, rule, decision, refund = refund, None, Decision.needs_info, None
    offers = _offers(run, rule.offers if rule else ())
    if isinstance(offers, _Undecided):
        undecided, rule, decision, refund, offers = offers, None, Decision.needs_info, None, []
    run.env["decision"] = decision.value
    run.env["refund_amount"] = refund.amount.amount if refund else Decimal("0.00")
    escalation = _escalate(run, decision)
    if isinstance(escalation, _Undecided):
        undecided, rule, decision, refund, offers = escalation, None, Decision.needs_info, None, []
        escalation = None
    return _verdict(run, _Outcome(decision, rule, refund, offers, escalation, undecided))


def _escalate(run: _Run, decision: Decision) -> CompiledEscalation | _Undecided | None:
    pending: _Undecided | None = None
    for trigger in run.policy.escalations:
        value = run.test(trigger.id, "escalation", trigger.when)
        if value is True:
            return trigger
        if value is MISSING and pending is None:
            pending = _Undecided(trigger.id, run.missing(trigger.when))
    # An undecidable trigger only matters when money or goods would go out.
    if pending is not None and decision in (Decision.approve, Decision.partial):
        return pending
    return None


# --- amounts -----------------------------------------------------------------------------


def _money(amount: Decimal, currency: str) -> Money:
    return _make(Money, amount=amount, currency=currency)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount(
    run: _Run, rule: str, compiled: Compiled, *, cents: bool = True
) -> Decimal | _Undecided:
    value = compiled(run.env)
    if value is MISSING:
        return _Undecided(rule, run.missing(compiled))
    assert isinstance(value, Decimal | int)
    return _cents(Decimal(value)) if cents else _plain(Decimal(value))


def _plain(value: Decimal) -> Decimal:
    """A rate without trailing zeros: 10, 12.5 (never 1E+1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _refund(run: _Run, rule: CompiledRule) -> Refund | _Undecided:
    assert rule.refund is not None
    if run.request.order is not None and run.env.get("amount_paid") is MISSING:
        # What was paid bounds every order refund; when it is unknown (no payments listed, or a
        # row that does not say charge or refund) the bound cannot be checked: fail closed.
        return _Undecided(rule.id, ["amount_paid"])
    gross = _amount(run, rule.id, rule.refund.amount)
    if isinstance(gross, _Undecided):
        return gross
    fees: list[Fee] = []
    for name, compiled in rule.refund.fees:
        fee = _amount(run, rule.id, compiled)
        if isinstance(fee, _Undecided):
            return fee
        fees.append(_make(Fee, id=name, amount=_money(max(fee, Decimal(0)), run.policy.currency)))
    net = max(gross - sum((f.amount.amount for f in fees), Decimal(0)), Decimal(0))
    net = _capped(run, rule.id, net)
    return _make(
        Refund,
        amount=_money(net, run.policy.currency),
        destination=rule.refund.destination,
        gross=_money(gross, run.policy.currency),
        fees=fees,
    )


def _capped(run: _Run, rule: str, net: Decimal) -> Decimal:
    """Never refund more than was paid, nor more than a granted exception allows."""
    limits = [("amount_paid", run.env.get("amount_paid", MISSING)), ("exception_cap", run.cap)]
    for name, limit in limits:
        if isinstance(limit, Decimal) and net > limit:
            facts: dict[str, str | None] = {name: str(limit), "uncapped": str(net)}
            run.trace.append((rule, "cap", "capped", facts))
            net = max(limit, Decimal(0))
    return net


def _offers(run: _Run, ids: tuple[str, ...]) -> list[Offer] | _Undecided:
    offers = []
    currency = run.policy.currency
    for offer_id in ids:
        spec = run.policy.offers[offer_id]
        values: dict[str, Decimal | None] = {}
        for key, compiled in (
            ("amount", spec.amount),
            ("percent", spec.percent),
            ("cap", spec.cap),
        ):
            value = _amount(run, offer_id, compiled, cents=key != "percent") if compiled else None
            if isinstance(value, _Undecided):
                return value
            values[key] = value
        amount, cap = values["amount"], values["cap"]
        if amount is not None and cap is not None:
            amount = min(amount, cap)
        offers.append(
            _make(
                Offer,
                id=offer_id,
                kind=spec.kind,
                terms=run.say(spec.terms),
                percent=values["percent"],
                amount=_money(amount, currency) if amount is not None else None,
                cap=_money(cap, currency) if cap is not None else None,
            )
        )
    return offers


# --- the verdict -------------------------------------------------------------------------


@dataclass
class _Outcome:
    decision: Decision
    rule: CompiledRule | None
    refund: Refund | None
    offers: list[Offer]
    escalation: CompiledEscalation | None
    undecided: _Undecided | None


def _verdict(run: _Run, out: _Outcome) -> Verdict:
    policy, flags = run.policy, _flags(run)
    say, never = _disclosures(run, out, flags)
    rationale = _rationale(run, out, flags)
    escalation = _escalation(run, out) if out.escalation else None
    decided_by = out.rule.id if out.rule else (out.undecided.rule if out.undecided else "")
    return _make(
        Verdict,
        decision=Decision.escalate if escalation else out.decision,
        rule=out.escalation.id if out.escalation else decided_by,
        currency=policy.currency,
        refund=out.refund,
        offers=out.offers,
        escalation=escalation,
        needs=_needs(out.undecided, run.request.locale[:2]),
        must_say=say,
        must_not_say=never,
        rationale=rationale,
        trace=_trace(run),
        policy=_make(PolicyRef, id=policy.id, version=policy.version, sha256=policy.sha256),
        as_of=run.request.as_of,
    )


def _flags(run: _Run) -> list[str]:
    return [flag.id for flag in run.policy.flags if run.test(flag.id, "flag", flag.when) is True]


def _disclosures(
    run: _Run, out: _Outcome, flags: list[str]
) -> tuple[list[Disclosure], list[Disclosure]]:
    say: list[str] = list(out.rule.must_say) if out.rule else []
    never: list[str] = list(out.rule.must_not_say) if out.rule else []
    if out.escalation:
        say += out.escalation.must_say
        never += out.escalation.must_not_say
    by_id = {flag.id: flag for flag in run.policy.flags}
    for flag_id in flags:
        say += by_id[flag_id].must_say
        never += by_id[flag_id].must_not_say
    policy = run.policy
    return (
        [_make(Disclosure, id=i, text=run.say(policy.disclosures[i])) for i in dict.fromkeys(say)],
        [_make(Disclosure, id=i, text=policy.forbidden[i]) for i in dict.fromkeys(never)],
    )


def _rationale(run: _Run, out: _Outcome, flags: list[str]) -> list[RationaleOut]:
    policy = run.policy
    parts: list[tuple[str, Wording]] = []
    if run.request.exception is not None:
        spec = policy.exceptions[run.request.exception.id]
        parts.append((spec.id, spec.rationale))
    if out.rule is not None:
        parts.append((out.rule.id, out.rule.rationale))
    elif out.undecided is not None:
        parts.append((out.undecided.rule, policy.needs_info_rationale))
    if out.escalation is not None:
        parts.append((out.escalation.id, out.escalation.rationale))
    by_id = {flag.id: flag for flag in policy.flags}
    parts += [(flag_id, by_id[flag_id].rationale) for flag_id in flags]
    return [_make(RationaleOut, rule=rule, text=run.say(text)) for rule, text in parts]


def _needs(undecided: _Undecided | None, language: str) -> list[Need]:
    if undecided is None:
        return []
    missing = undecided.missing or ["details"]
    return [_make(Need, fact=name, question=question(name, language)) for name in missing]


def _escalation(run: _Run, out: _Outcome) -> Escalation:
    trigger = out.escalation
    assert trigger is not None
    recommended = _describe(out)
    options = [recommended, *(f"offer {o.id} ({o.kind}{_offer_size(o)})" for o in out.offers)]
    summary = _make(
        Handoff,
        facts={
            name: None if value is MISSING else _show(value)
            for name, value in sorted(run.env.items())
        },
        rules_fired=[s[0] for s in run.trace if s[2] in ("fired", "granted", "capped")],
        options_considered=options,
        recommended=recommended,
    )
    return _make(Escalation, target=trigger.target, reason=trigger.reason, summary=summary)


def _describe(out: _Outcome) -> str:
    if out.rule is None:
        missing = ", ".join(out.undecided.missing) if out.undecided else "details"
        return f"ask the customer for: {missing}"
    text = f"{out.decision.value} under rule {out.rule.id}"
    if out.refund is not None:
        money = out.refund.amount
        text += f": refund {money.amount} {money.currency} to {out.refund.destination}"
        if out.refund.fees:
            text += " after fees " + ", ".join(f"{f.id} {f.amount.amount}" for f in out.refund.fees)
    return text


def _offer_size(offer: Offer) -> str:
    if offer.amount is not None:
        return f", {offer.amount.amount} {offer.amount.currency}"
    if offer.percent is not None:
        return f", {offer.percent}%"
    return ""


def _show(value: Value) -> str:
    if value is MISSING:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _trace(run: _Run) -> list[TraceStep]:
    """The trace as TraceSteps, each fact shown once however many rules read it."""
    env, shown, steps = run.env, dict[str, str | None](), []
    for rule, stage, result, seen in run.trace:
        if isinstance(seen, tuple):
            for name in seen:
                if name not in shown:
                    value = env.get(name, MISSING)
                    shown[name] = None if value is MISSING else _show(value)
            seen = {name: shown[name] for name in seen}
        step = _new(TraceStep)
        _set(step, "__dict__", {"rule": rule, "stage": stage, "result": result, "facts": seen})
        _set(step, "__pydantic_fields_set__", _TRACE_FIELDS)
        _set(step, "__pydantic_extra__", None)
        _set(step, "__pydantic_private__", None)
        steps.append(step)
    return steps


_TRACE_FIELDS = {"rule", "stage", "result", "facts"}


def _check_fit(policy: Policy, request: Request, env: dict[str, Value]) -> None:
    currency = request.currency
    if currency is not None and currency != policy.currency:
        where = "order.currency" if request.order is not None else "subscription.currency"
        raise RequestError(
            f"'{currency}' does not match policy '{policy.id}', which is in {policy.currency}",
            field=where,
        )
    for name, kind in policy.enum_inputs:
        value = env[name]
        if value is not MISSING and value not in kind.values:
            raise RequestError(
                f"'{value}' is not one of {', '.join(sorted(kind.values))} (policy '{policy.id}')",
                field=CATALOGUE[name].source,
            )
