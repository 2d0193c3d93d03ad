"""Evaluate a compiled policy against a request: exception, gates, outcomes, escalations, flags.

Pure and deterministic: no clock, no I/O, no randomness. A condition that cannot be decided
because a fact is missing stops with ``needs_info`` (fail closed); it never falls through to a
later rule that might approve.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency

from drafter.errors import ExceptionGrantError, RequestError
from drafter.policy.expr import Compiled
from drafter.policy.model import (
    CompiledEscalation,
    CompiledException,
    CompiledFlag,
    CompiledOffer,
    CompiledRule,
    Policy,
    Wording,
)
from drafter.policy.parts import make, policy_ref, shared_text, text_part
from drafter.policy.trace import ReadOnlyFacts, Recorded, StepKind, fresh_step, show, trace_steps
from drafter.policy.types import MISSING, MONEY, Value
from drafter.schemas import (
    Decision,
    Disclosure,
    Escalation,
    Fee,
    Handoff,
    Money,
    Need,
    Nouns,
    Offer,
    Refund,
    Request,
    TraceStep,
    Verdict,
)
from drafter.schemas import Rationale as RationaleOut

__all__ = ["Decided", "decide", "evaluate"]

T = TypeVar("T", Disclosure, RationaleOut)

CENT = Decimal("0.01")
NO_REFUND = Decimal("0.00")
ZERO = Decimal("0.00")  # the floor of an amount, in cents like every amount (never a bare 0)
# Enum lookups by value and .value are Python-level calls; these run on every evaluation.
_DECISIONS = {decision.value: decision for decision in Decision}
_DECISION_VALUES = {decision: decision.value for decision in Decision}
_PAYS_OUT = frozenset({Decision.approve, Decision.partial})


class _Undecided(Exception):
    """A condition depends on missing facts; carries the rule and the facts, and for facts a
    later rule needs as well: that rule, and the facts asked before whose answers decide
    whether it matters."""

    def __init__(self, rule: str, missing: list[str]) -> None:
        self.rule, self.missing = rule, missing
        self.needed_by = dict.fromkeys(missing, rule)
        self.depends_on: dict[str, list[str]] = {}

    def add(self, rule: str, missing: list[str]) -> None:
        """A later rule's missing facts; when it misses a fact already asked for too, its other
        facts may not matter once that one is answered (carrier damage matters only if the
        reason is damage), and say so."""
        asked = [f for f in missing if f in self.needed_by]
        for fact in missing:
            if fact not in self.needed_by:
                self.missing.append(fact)
                self.needed_by[fact] = rule
                if asked:
                    self.depends_on[fact] = asked


@dataclass(slots=True)
class _Run:
    policy: Policy
    request: Request
    env: dict[str, Value]
    language: str
    nouns: Nouns | None
    # Turned into TraceSteps once, at the end (see trace.py).
    trace: list[Recorded] = field(default_factory=list)
    waived: frozenset[str] = frozenset()
    cap: Decimal | None = None
    # Facts a text's placeholder needed but did not have: the verdict asks for them instead.
    unknown: set[str] = field(default_factory=set)

    def say(self, wording: Wording) -> str:
        """The text in the customer's language (English when the policy has no translation),
        with its placeholders filled; a placeholder with no value is noted in ``unknown``."""
        phrase = wording.phrase(self.language)
        text = phrase.text
        for part in phrase.parts:
            value = part.fn(self.env)
            if value is MISSING:
                self.unknown.update(self.missing(part) or [part.source])
            shown = self.money(value) if part.type == MONEY else show(value)
            text = text.replace("{" + part.source + "}", shown, 1)
        return text

    def money(self, value: Value) -> str:
        """An amount in a text, as the customer's locale writes the policy's currency
        (140,00 € in German); the text must not name the currency again."""
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            return show(value)
        amount = Decimal(value)
        if not amount.is_finite():
            return show(amount)
        cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
        return str(
            format_currency(cents, self.policy.currency, locale=_locale(self.request.locale))
        )

    def text_part(self, cls: type[T], key: str, wording: Wording) -> T:
        """A Disclosure or Rationale: ``key`` and the wording in the customer's language.

        One with no placeholders is the same for every request, and these models are frozen
        and hold only strings, so the policy's verdicts share it.
        """
        phrase = wording.phrase(self.language)
        if phrase.parts:
            return text_part(cls, key, self.say(wording))
        return shared_text(self.policy, cls, key, phrase.text)

    def test(self, rule: CompiledEscalation | CompiledFlag) -> Value:
        value = rule.when.fn(self.env)
        steps = rule.steps
        self.trace.append(
            steps.unknown if value is MISSING else (steps.fired if value else steps.passed)
        )
        return value

    def missing(self, compiled: Compiled) -> list[str]:
        return sorted(f for f in compiled.facts if self.env.get(f) is MISSING)


def evaluate(policy: Policy, request: Request) -> Verdict:
    """The verdict ``policy`` gives ``request``.

    Raises:
        RequestError: the request does not fit the policy (currency, enum values).
        ExceptionGrantError: it carries an exception the policy does not allow.
    """
    run = _start(policy, request, nouns=True)
    return _verdict(run, *_settled(run, *_outcome(run)))


@dataclass(slots=True)  # not frozen: see CaseRead
class Decided:
    """What the verdict of ``evaluate`` decides, without its texts, nouns or trace: the
    decision, the rule, the money, the escalation's target, the facts asked for and the rules
    that fired. For replaying many requests (``drafter policy impact``), where building the
    whole verdict was about a fifth of the time."""

    decision: Decision
    rule: str
    currency: str
    refund: Refund | None
    offers: list[Offer]
    escalation: str | None
    needs: list[str]
    fired: frozenset[str]


def decide(policy: Policy, request: Request) -> Decided:
    """What ``evaluate(policy, request)`` decides, worked out the same way (the texts are
    still said, since a text that needs a missing fact turns the verdict into a question).

    Raises:
        RequestError: the request does not fit the policy (currency, enum values).
        ExceptionGrantError: it carries an exception the policy does not allow.
    """
    run = _start(policy, request, nouns=False)
    out, _ = _settled(run, *_outcome(run))
    fired = {s.rule for s in run.trace if isinstance(s, StepKind) and s.result == "fired"}
    return Decided(
        decision=Decision.escalate if out.escalation else out.decision,
        rule=_decided_by(out),
        currency=policy.currency,
        refund=out.refund,
        offers=out.offers,
        escalation=out.escalation.target if out.escalation else None,
        needs=_missing(out.undecided),
        fired=frozenset(fired),
    )


def _start(policy: Policy, request: Request, *, nouns: bool) -> _Run:
    """The request's facts read, checked against the policy, with any exception granted."""
    domain = policy.domain
    case = domain.read(request, policy.fact_names, nouns=nouns)
    env = case.facts
    where = f"case.{domain.currency.source}" if domain.currency else ""
    words = domain.nouns(request.locale[:2], request.ask.kind, case) if nouns else None
    _check_fit(policy, (case.currency, where), env)
    run = _Run(policy, request, env, request.locale[:2], words)
    _apply_exception(run)
    return run


# --- stages ------------------------------------------------------------------------------


def _decide(run: _Run) -> CompiledRule:
    """The first gate that fires (unless waived), else the first outcome that does.

    When a rule cannot be decided, the rules after it are still read, up to the first that
    fires for certain, and every fact they miss is asked for at once, in the order of the
    rules that need them: one round of questions rather than one per rule."""
    env, trace, waived = run.env, run.trace, run.waived
    undecided: _Undecided | None = None
    for rules in (run.policy.gates, run.policy.outcomes):
        for rule in rules:
            if rule.id in waived and rule.stage == "gate":  # exceptions waive gates only
                if undecided is None:
                    trace.append(rule.steps.waived)
                continue
            # Inlined run.test: this loop runs some twenty conditions per request.
            value = rule.when.fn(env)
            if value is MISSING:
                trace.append(rule.steps.unknown)
                if undecided is None:
                    undecided = _Undecided(rule.id, run.missing(rule.when))
                else:
                    undecided.add(rule.id, run.missing(rule.when))
            elif value:
                if undecided is not None:
                    raise undecided
                trace.append(rule.steps.fired)
                return rule
            elif undecided is None:
                trace.append(rule.steps.passed)
    raise undecided or _Undecided("no_outcome", [])  # no outcome: unreachable when linted


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
    run.trace.append(fresh_step(spec.id, "exception", "granted", ReadOnlyFacts(facts)))


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
    cap = Decimal(cap)
    return _cents(cap) if cap.is_finite() else cap


def _outcome(run: _Run) -> tuple[_Outcome, list[CompiledFlag]]:
    """The decided outcome (rule, money, offers, escalation) and the flags that hold."""
    try:
        rule = _decide(run)
    except _Undecided as undecided:
        return _with_escalation(run, None, undecided)
    return _with_escalation(run, rule, None)


def _with_escalation(
    run: _Run, rule: CompiledRule | None, undecided: _Undecided | None
) -> tuple[_Outcome, list[CompiledFlag]]:
    handover = rule.handover if rule is not None else None
    if handover is not None:  # a transfer: the request goes to a person
        decision = Decision.escalate
    else:
        decision = _DECISIONS[rule.decision] if rule else Decision.needs_info
    refund = _refund(run, rule) if rule and rule.refund else None
    if isinstance(refund, _Undecided):
        undecided, rule, decision, refund = refund, None, Decision.needs_info, None
    offers = _offers(run, rule.offers if rule else ())
    if isinstance(offers, _Undecided):
        undecided, rule, decision, refund, offers = offers, None, Decision.needs_info, None, []
        run.unknown.clear()  # the offers' texts are not said after all
    run.env["decision"] = _DECISION_VALUES[decision]
    run.env["refund_amount"] = refund.amount.amount if refund else NO_REFUND
    escalation = _escalate(run, decision)
    if isinstance(escalation, _Undecided):
        undecided, rule, decision, refund, offers = escalation, None, Decision.needs_info, None, []
        run.unknown.clear()  # the offers' texts are not said after all
        escalation = None
    if escalation is None:  # a trigger that holds (legal action) takes over from a transfer
        escalation = handover
    flags, pending = _flags(run)
    if pending is not None and escalation is None and decision in _PAYS_OUT:
        # A disclosure that may be owed (a device's balance stays due) cannot be left out of a
        # reply that pays out: ask for what decides it.
        undecided, rule, decision, refund, offers = pending, None, Decision.needs_info, None, []
        run.unknown.clear()  # the offers' texts are not said after all
    return _Outcome(decision, rule, refund, offers, escalation, undecided), flags


def _asking(run: _Run, out: _Outcome, flags: list[CompiledFlag]) -> tuple[_Outcome, _Texts]:
    """When a text would need a fact nobody gave: ask for it rather than tell the customer it
    is "unknown". Flags whose own texts need one are left out."""
    unknown = sorted(run.unknown)
    where = out.rule.id if out.rule else (out.escalation.id if out.escalation else "texts")
    asking = _Outcome(Decision.needs_info, None, None, [], None, _Undecided(where, unknown))
    kept = []
    for flag in flags:
        run.unknown.clear()
        for wording in (flag.rationale, *(run.policy.disclosures[i] for i in flag.must_say)):
            run.say(wording)
        if not run.unknown:
            kept.append(flag)
    run.unknown.clear()
    return _settled(run, asking, kept, asking=True)


def _escalate(run: _Run, decision: Decision) -> CompiledEscalation | _Undecided | None:
    pending: _Undecided | None = None
    for trigger in run.policy.escalations:
        value = run.test(trigger)
        if value is True:
            return trigger
        if value is MISSING and pending is None:
            pending = _Undecided(trigger.id, run.missing(trigger.when))
    # An undecidable trigger only matters when money or goods would go out.
    if pending is not None and decision in _PAYS_OUT:
        return pending
    return None


# --- amounts -----------------------------------------------------------------------------


def _money(amount: Decimal, currency: str) -> Money:
    return make(Money, amount=amount, currency=currency)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount(
    run: _Run, rule: str, compiled: Compiled, *, cents: bool = True
) -> Decimal | _Undecided:
    value = compiled.fn(run.env)
    if value is MISSING:
        return _Undecided(rule, run.missing(compiled))
    assert isinstance(value, (Decimal, int))
    number = value if type(value) is Decimal else Decimal(value)
    if not number.is_finite():  # an unlimited cap; the loader keeps amounts finite
        return number
    return _cents(number) if cents else _plain(number)


def _plain(value: Decimal) -> Decimal:
    """A rate without trailing zeros: 10, 12.5 (never 1E+1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _refund(run: _Run, rule: CompiledRule) -> Refund | _Undecided:
    assert rule.refund is not None
    if run.env.get("amount_paid") is MISSING:
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
        if fee > 0:  # a fee of nothing (or less) is not charged, and a reply never names it
            fees.append(make(Fee, id=name, amount=_money(fee, run.policy.currency)))
    net = max(gross - sum((f.amount.amount for f in fees), ZERO), ZERO)
    net = _capped(run, rule.id, net)
    return make(
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
            run.trace.append(fresh_step(rule, "cap", "capped", ReadOnlyFacts(facts)))
            net = max(limit, ZERO)
    return net


def _offers(run: _Run, ids: tuple[str, ...]) -> list[Offer] | _Undecided:
    offers = []
    for offer_id in ids:
        offer = _offer(run, offer_id, run.policy.offers[offer_id])
        if isinstance(offer, _Undecided):
            return offer
        offers.append(offer)
    return offers


def _offer(run: _Run, offer_id: str, spec: CompiledOffer) -> Offer | _Undecided:
    sizes: list[Decimal | None] = []
    for compiled, cents in ((spec.amount, True), (spec.percent, False), (spec.cap, True)):
        value = _amount(run, offer_id, compiled, cents=cents) if compiled else None
        if isinstance(value, _Undecided):
            return value
        sizes.append(value)
    amount, percent, cap = sizes
    if cap is not None and not cap.is_finite():
        cap = None  # an unlimited cap is no cap
    if amount is not None and cap is not None:
        amount = min(amount, cap)
    currency = run.policy.currency
    return make(
        Offer,
        id=offer_id,
        kind=spec.kind,
        amount=_money(amount, currency) if amount is not None else None,
        percent=percent,
        cap=_money(cap, currency) if cap is not None else None,
        terms=run.say(spec.terms),  # the schema's field order, so re-validated JSON is identical
    )


# --- the verdict -------------------------------------------------------------------------


@dataclass
class _Outcome:
    decision: Decision
    rule: CompiledRule | None
    refund: Refund | None
    offers: list[Offer]
    escalation: CompiledEscalation | None
    undecided: _Undecided | None


# A verdict's texts: what it must say, what it must not, and the rationale.
_Texts = tuple[list[Disclosure], list[Disclosure], list[RationaleOut]]


def _settled(
    run: _Run, out: _Outcome, flags: list[CompiledFlag], *, asking: bool = False
) -> tuple[_Outcome, _Texts]:
    """The outcome with its texts said; a text that needs a missing fact turns it into a
    question for that fact (``_asking``)."""
    say, never = _disclosures(run, out, flags)
    rationale = _rationale(run, out, flags)
    if run.unknown and not asking:
        return _asking(run, out, flags)
    return out, (say, never, rationale)


def _decided_by(out: _Outcome) -> str:
    if out.escalation:
        return out.escalation.id
    return out.rule.id if out.rule else (out.undecided.rule if out.undecided else "")


def _verdict(run: _Run, out: _Outcome, texts: _Texts) -> Verdict:
    policy = run.policy
    say, never, rationale = texts
    escalation = _escalation(run, out) if out.escalation else None
    return make(
        Verdict,
        decision=Decision.escalate if escalation else out.decision,
        rule=_decided_by(out),
        currency=policy.currency,
        refund=out.refund,
        offers=out.offers,
        escalation=escalation,
        needs=_needs(run, out.undecided),
        must_say=say,
        must_not_say=never,
        rationale=rationale,
        trace=_trace(run),
        policy=policy_ref(policy),
        as_of=run.request.as_of,
        nouns=run.nouns,
    )


def _flags(run: _Run) -> tuple[list[CompiledFlag], _Undecided | None]:
    """The flags that hold, and the first one that must say something but cannot be decided."""
    held: list[CompiledFlag] = []
    pending: _Undecided | None = None
    for flag in run.policy.flags:
        value = run.test(flag)
        if value is True:
            held.append(flag)
        elif value is MISSING and flag.must_say and pending is None:
            pending = _Undecided(flag.id, run.missing(flag.when))
    return held, pending


def _disclosures(
    run: _Run, out: _Outcome, flags: list[CompiledFlag]
) -> tuple[list[Disclosure], list[Disclosure]]:
    say, never = _said(out, flags)
    policy = run.policy
    return (
        [run.text_part(Disclosure, i, policy.disclosures[i]) for i in say],
        [shared_text(policy, Disclosure, i, policy.forbidden[i]) for i in never],
    )


def _said(out: _Outcome, flags: list[CompiledFlag]) -> tuple[list[str], list[str]]:
    """The disclosures the reply must make and the claims it must not, by id, in order."""
    say: list[str] = list(out.rule.must_say) if out.rule else []
    never: list[str] = list(out.rule.must_not_say) if out.rule else []
    if out.escalation:
        # An escalated request has no outcome yet: the reply commits only to the handoff and
        # its timeline, never to the refund timing or return steps of a recommended outcome.
        say = list(out.escalation.must_say)
        never += out.escalation.must_not_say
    for flag in flags:
        say += flag.must_say
        never += flag.must_not_say
    return list(dict.fromkeys(say)), list(dict.fromkeys(never))


def _rationale(run: _Run, out: _Outcome, flags: list[CompiledFlag]) -> list[RationaleOut]:
    return [run.text_part(RationaleOut, rule, text) for rule, text in _reasons(run, out, flags)]


def _reasons(run: _Run, out: _Outcome, flags: list[CompiledFlag]) -> list[tuple[str, Wording]]:
    """The rationale's texts, by the rule that gives each."""
    policy = run.policy
    parts: list[tuple[str, Wording]] = []
    if run.request.exception is not None:
        spec = policy.exceptions[run.request.exception.id]
        parts.append((spec.id, spec.rationale))
    if out.rule is not None:
        parts.append((out.rule.id, out.rule.rationale))
    elif out.undecided is not None:
        parts.append((out.undecided.rule, policy.needs_info_rationale))
    if out.escalation is not None and out.escalation is not _handover(out):
        parts.append((out.escalation.id, out.escalation.rationale))
    parts += [(flag.id, flag.rationale) for flag in flags]
    return parts


def _missing(undecided: _Undecided | None) -> list[str]:
    if undecided is None:
        return []
    return undecided.missing or ["details"]


def _needs(run: _Run, undecided: _Undecided | None) -> list[Need]:
    if undecided is None:
        return []
    missing = _missing(undecided)
    ask = run.policy.question
    return [
        make(
            Need,
            fact=name,
            question=ask(name, run.language),
            rule=undecided.needed_by.get(name, undecided.rule),
            depends_on=undecided.depends_on.get(name, []),
        )
        for name in missing
    ]


def _escalation(run: _Run, out: _Outcome) -> Escalation:
    trigger = out.escalation
    assert trigger is not None
    recommended = _describe(out)
    options = [recommended, *(f"offer {o.id} ({o.kind}{_offer_size(o)})" for o in out.offers)]
    summary = make(
        Handoff,
        facts={
            name: None if value is MISSING else show(value)
            for name, value in sorted(run.env.items())
        },
        rules_fired=[s.rule for s in run.trace if s.result in ("fired", "granted", "capped")],
        options_considered=options,
        recommended=recommended,
    )
    return make(Escalation, target=trigger.target, reason=trigger.reason, summary=summary)


def _handover(out: _Outcome) -> CompiledEscalation | None:
    return out.rule.handover if out.rule is not None else None


def _describe(out: _Outcome) -> str:
    if out.rule is not None and out.rule.handover is not None:
        return f"transfer under rule {out.rule.id}: {out.rule.handover.reason}"
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


def _trace(run: _Run) -> list[TraceStep]:
    return trace_steps(run.trace, run.env)


@functools.cache
def _locale(tag: str) -> Locale:
    """The Babel locale of a request's locale tag (``de-DE``), English when Babel has none."""
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _check_fit(policy: Policy, currency: tuple[str | None, str], env: dict[str, Value]) -> None:
    """The request's currency (and the field it is in) is the policy's, and its enum facts
    take values the policy knows."""
    code, where = currency
    if code is not None and code != policy.currency:
        raise RequestError(
            f"'{code}' does not match policy '{policy.id}', which is in {policy.currency}",
            field=where,
        )
    for name, kind in policy.enum_inputs:
        value = env[name]
        if value is not MISSING and value not in kind.values:
            raise RequestError(
                f"'{value}' is not one of {', '.join(sorted(kind.values))} (policy '{policy.id}')",
                field=policy.fact_sources[name],
            )
