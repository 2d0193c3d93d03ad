"""Replay stored requests against a candidate policy and tally what would change.

Each stored request is decided by the candidate through the engine's public ``decide``, which
works out what ``evaluate``'s verdict would decide without building its texts and trace (a
test holds the two to the same answer on the golden sample). That is compared with the verdict
the request was answered with (the stored one, as the customer got it), or, when a baseline
policy is given (``--against current``), with what the current policy decides today: that
isolates the candidate's own change from changes made since the requests were answered. The
tally is made of sums and counts only, so parts replayed in separate processes merge exactly:

- the decision transition matrix, from → to, with counts;
- money per currency, before and after: the refund paid (net of fees), the refund proposed
  in escalated verdicts (a supervisor decides it), the fees kept, the offers made with an
  amount (store credit), and the caps of offers made as a percentage, each summed apart
  (money in two currencies is never added up);
- escalations added and removed, by target; the facts the candidate newly asks for;
- hits per rule (the deciding rule and every rule that fired), before and after;
- requests the candidate cannot evaluate (their request no longer fits: a schema change), each
  counted and listed with the field at fault, never dropped;
- for each kind of change, examples: the oldest few requests (smallest ids) showing it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from drafter.errors import RequestError
from drafter.policy import Decided, Policy, decide
from drafter.schemas import Channel, Request
from drafter.store import StoredRequest

__all__ = ["Answer", "Example", "Money", "Tally", "Unevaluable", "replay"]

ZERO = Decimal(0)
EXAMPLES = 3


@dataclass(slots=True)  # not frozen: two a replayed request (see policy.domain.CaseRead)
class Answer:
    """What a verdict answered, reduced to what the replay compares and sums."""

    decision: str
    rule: str
    currency: str
    refund: Decimal | None
    fees: Decimal
    offers: tuple[tuple[str, Decimal | None, Decimal | None, Decimal | None], ...]
    escalation: str | None
    needs: frozenset[str]
    fired: frozenset[str]

    @property
    def offer_value(self) -> Decimal:
        return sum((amount for _, amount, _, _ in self.offers if amount is not None), ZERO)

    @property
    def offer_caps(self) -> Decimal:
        return sum((cap for _, amount, _, cap in self.offers if amount is None and cap), ZERO)

    def same_as(self, other: Answer) -> bool:
        """Whether a customer would get the same answer: decision, money, offers, escalation
        and questions (a different rule reaching the same answer is not a change)."""
        return (
            self.decision,
            self.refund,
            self.fees,
            self.offers,
            self.escalation,
            self.needs,
        ) == (other.decision, other.refund, other.fees, other.offers, other.escalation, other.needs)

    def brief(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "rule": self.rule,
            "refund": None if self.refund is None else f"{self.refund} {self.currency}",
            "offers": [offer_id for offer_id, *_ in self.offers],
            "escalation": self.escalation,
            "needs": sorted(self.needs),
        }


def _decimal(money: dict[str, Any] | None) -> Decimal | None:
    return None if money is None else Decimal(str(money["amount"]))


def _fees(refund: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [] if refund is None else list(refund.get("fees", ()))


def stored_answer(verdict: dict[str, Any]) -> Answer:
    """The answer of a verdict as stored (JSON)."""
    refund = verdict.get("refund")
    fired = {s["rule"] for s in verdict.get("trace", ()) if s["result"] == "fired"}
    escalation = verdict.get("escalation")
    return Answer(
        decision=verdict["decision"],
        rule=verdict["rule"],
        currency=verdict["currency"],
        refund=None if refund is None else _decimal(refund["amount"]),
        fees=sum(
            (Decimal(str(f["amount"]["amount"])) for f in (refund or {}).get("fees", ())), ZERO
        ),
        offers=tuple(
            (
                o["id"],
                _decimal(o.get("amount")),
                None if o.get("percent") is None else Decimal(str(o["percent"])),
                _decimal(o.get("cap")),
            )
            for o in verdict.get("offers", ())
        ),
        escalation=None if escalation is None else escalation["target"],
        needs=frozenset(n["fact"] for n in verdict.get("needs", ())),
        fired=frozenset(fired | {verdict["rule"]}),
    )


def answer_of(decided: Decided) -> Answer:
    """The answer the engine just decided."""
    refund = decided.refund
    return Answer(
        decision=decided.decision.value,
        rule=decided.rule,
        currency=decided.currency,
        refund=None if refund is None else refund.amount.amount,
        fees=sum((f.amount.amount for f in refund.fees), ZERO) if refund else ZERO,
        offers=tuple(
            (
                o.id,
                None if o.amount is None else o.amount.amount,
                o.percent,
                None if o.cap is None else o.cap.amount,
            )
            for o in decided.offers
        ),
        escalation=decided.escalation,
        needs=frozenset(decided.needs),
        fired=decided.fired | {decided.rule},
    )


@dataclass(slots=True)
class Money:
    """Sums in one currency, before (stored) and after (candidate)."""

    refund: list[Decimal] = field(default_factory=lambda: [ZERO, ZERO])
    escalated_refund: list[Decimal] = field(default_factory=lambda: [ZERO, ZERO])
    fees: list[Decimal] = field(default_factory=lambda: [ZERO, ZERO])
    offers: list[Decimal] = field(default_factory=lambda: [ZERO, ZERO])
    offer_caps: list[Decimal] = field(default_factory=lambda: [ZERO, ZERO])

    def add(self, side: int, answer: Answer) -> None:
        # An escalated refund waits for a supervisor: counted apart from those paid.
        paid = self.escalated_refund if answer.decision == "escalate" else self.refund
        paid[side] += answer.refund or ZERO
        self.fees[side] += answer.fees
        self.offers[side] += answer.offer_value
        self.offer_caps[side] += answer.offer_caps

    def merge(self, other: Money) -> None:
        for mine, theirs in zip(
            (self.refund, self.escalated_refund, self.fees, self.offers, self.offer_caps),
            (other.refund, other.escalated_refund, other.fees, other.offers, other.offer_caps),
            strict=True,
        ):
            mine[0] += theirs[0]
            mine[1] += theirs[1]


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    source: str
    before: dict[str, Any]
    after: dict[str, Any] | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Unevaluable:
    """A stored request the candidate could not evaluate, and why."""

    id: str
    source: str
    field: str
    message: str


@dataclass(slots=True)
class Tally:
    """What a replay found; ``merge`` adds another part's."""

    replayed: int = 0
    changed: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    money: dict[str, Money] = field(default_factory=dict)
    escalations_added: Counter[str] = field(default_factory=Counter)
    escalations_removed: Counter[str] = field(default_factory=Counter)
    new_needs: Counter[str] = field(default_factory=Counter)
    requests_with_new_needs: int = 0
    hits_before: Counter[str] = field(default_factory=Counter)
    hits_after: Counter[str] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    unevaluable: list[Unevaluable] = field(default_factory=list)
    examples: dict[str, list[Example]] = field(default_factory=dict)
    examples_per_kind: int = EXAMPLES

    def add(self, row: StoredRequest, before: Answer, after: Answer) -> None:
        self.replayed += 1
        self.sources[row.source] += 1
        self.versions[row.policy_version] += 1
        self.transitions[before.decision, after.decision] += 1
        self.hits_before.update(before.fired)
        self.hits_after.update(after.fired)
        self._money(before.currency).add(0, before)
        self._money(after.currency).add(1, after)
        kinds = self._kinds(before, after)
        if not before.same_as(after):
            self.changed += 1
        for kind in kinds:
            self._example(kind, Example(row.id, row.source, before.brief(), after.brief()))

    def _kinds(self, before: Answer, after: Answer) -> list[str]:
        kinds = []
        if before.decision != after.decision:
            kinds.append(f"decision {before.decision} -> {after.decision}")
        elif (before.refund, before.fees) != (after.refund, after.fees):
            kinds.append(f"refund changed ({after.decision})")
        elif before.offers != after.offers:
            kinds.append(f"offers changed ({after.decision})")
        if before.escalation != after.escalation:
            if before.escalation is not None:
                self.escalations_removed[before.escalation] += 1
                kinds.append(f"escalation removed ({before.escalation})")
            if after.escalation is not None:
                self.escalations_added[after.escalation] += 1
                kinds.append(f"escalation added ({after.escalation})")
        new = after.needs - before.needs
        if new:
            self.requests_with_new_needs += 1
            self.new_needs.update(new)
            kinds.extend(f"newly needs {fact}" for fact in sorted(new))
        return kinds

    def refuse(self, row: StoredRequest, before: Answer | None, where: str, message: str) -> None:
        self.sources[row.source] += 1
        self.versions[row.policy_version] += 1
        self.unevaluable.append(Unevaluable(row.id, row.source, where, message))
        shown = before.brief() if before is not None else {}
        self._example("cannot evaluate", Example(row.id, row.source, shown, None, message))

    def _money(self, currency: str) -> Money:
        if currency not in self.money:
            self.money[currency] = Money()
        return self.money[currency]

    def _example(self, kind: str, example: Example) -> None:
        """Keep the ``examples_per_kind`` smallest ids (the oldest), whatever the order the
        rows came in, so a replay in parts shows the same examples as one in a piece."""
        kept = self.examples.setdefault(kind, [])
        if len(kept) < self.examples_per_kind:
            kept.append(example)
        elif example.id < kept[-1].id:
            kept[-1] = example
        else:
            return
        kept.sort(key=lambda e: e.id)

    def merge(self, other: Tally) -> None:
        self.replayed += other.replayed
        self.changed += other.changed
        self.requests_with_new_needs += other.requests_with_new_needs
        self.transitions.update(other.transitions)
        for mine, theirs in (
            (self.escalations_added, other.escalations_added),
            (self.escalations_removed, other.escalations_removed),
            (self.new_needs, other.new_needs),
            (self.hits_before, other.hits_before),
            (self.hits_after, other.hits_after),
            (self.versions, other.versions),
            (self.sources, other.sources),
        ):
            mine.update(theirs)
        for currency, money in other.money.items():
            self._money(currency).merge(money)
        self.unevaluable.extend(other.unevaluable)
        for kind, examples in other.examples.items():
            for example in examples:
                self._example(kind, example)


def _request(row: StoredRequest) -> Request:
    request = Request.model_validate_json(row.request_json)
    if row.channel is not None and row.channel != request.channel.value:
        # A draft asked for another channel than the request's: the API decided on that one.
        request = request.model_copy(update={"channel": Channel(row.channel)})
    return request


def _verdict_json(row: StoredRequest) -> dict[str, Any]:
    """The stored verdict's brief, or the whole verdict in a row stored before briefs."""
    # pydantic-core's parser: a stored draft's reply is several kB, and the standard library's
    # took about 30% longer to read it (28 against 20 us for a retail-standard verdict).
    answer: dict[str, Any] = from_json(row.answer_json)
    return answer["verdict"] if row.source == "draft" and not row.brief else answer


def replay_one(
    tally: Tally, candidate: Policy, row: StoredRequest, baseline: Policy | None = None
) -> None:
    """Evaluate one stored request with the candidate and add it to ``tally``, compared with
    the stored verdict, or with the verdict ``baseline`` (the current policy) gives now."""
    before = stored_answer(_verdict_json(row))
    try:
        request = _request(row)
        if baseline is not None:
            before = _baseline(baseline, request)
        decided = decide(candidate, request)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(step) for step in first["loc"]) or "(request)"
        tally.refuse(row, before, where, first["msg"])
        return
    except RequestError as error:
        tally.refuse(row, before, error.field, error.detail)
        return
    tally.add(row, before, answer_of(decided))


def _baseline(baseline: Policy, request: Request) -> Answer:
    try:
        return answer_of(decide(baseline, request))
    except RequestError as error:  # counted as a request that cannot be evaluated, saying why
        message = f"the current policy cannot: {error.detail}"
        raise RequestError(message, field=error.field) from None


def replay(
    rows: Iterable[StoredRequest],
    candidate: Policy,
    *,
    examples: int = EXAMPLES,
    baseline: Policy | None = None,
) -> Tally:
    """Replay ``rows`` against ``candidate`` in this process (compared with ``baseline``'s
    verdicts when given, else with the stored ones)."""
    tally = Tally(examples_per_kind=examples)
    for row in rows:
        replay_one(tally, candidate, row, baseline)
    return tally
