"""Static checks on a compiled policy: unreachable, shadowed and overlapping rules, unused
parameters and inputs.

Conditions are evaluated over the cross-product of every enum value, both booleans, "missing",
and numeric values on each side of every constant the policy mentions (29, 30, 31 around a
30-day window). When the product is too large, a fixed-seed sample stands in for it, so the
same policy always gives the same findings.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from drafter.policy.expr import Compiled, Table, tokenize
from drafter.policy.model import OUTCOME_FACTS, CompiledRule, Policy
from drafter.policy.types import (
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    INT,
    MISSING,
    MONEY,
    UNLIMITED,
    EnumType,
    ListType,
    RecordType,
    Type,
    Value,
)

__all__ = ["Finding", "lint", "never_fires"]

MAX_OWN = 4096
MAX_EXHAUSTIVE = 50_000
TRIES = 12
STEPS = 60


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning", "info"]
    code: str
    rule: str | None
    line: int | None
    message: str


def lint(policy: Policy, reached: Collection[str] = ()) -> list[Finding]:
    """Every finding, errors first. ``reached`` are the rules known requests reach (the test
    table's passing cases): where the search found no input for one of them, it is the search
    that fell short, so that finding is only informational."""
    space = _Space(policy)
    findings = [
        *_order_findings(policy, space),
        *_fee_findings(policy, space),
        *_trigger_findings(policy, space),
        *_unused(policy),
    ]
    findings = [_settled(f) if f.rule in reached else f for f in findings]
    rank = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: rank[f.level])


def _settled(finding: Finding) -> Finding:
    if finding.level != "warning" or finding.code not in ("shadowed", "unreachable"):
        return finding
    message = "the search found no input that reaches it, but the test table does"
    return Finding("info", finding.code, finding.rule, finding.line, message)


def never_fires(policy: Policy) -> Finding | None:
    """The first rule whose own condition is certainly false (or unknown) for every candidate
    input. Only certain answers count here, since this check runs when a policy loads."""
    space = _Space(policy)
    for rule_id, line, when in _conditions(policy):
        witness, certain = space.satisfy(when)
        if witness is None and certain:
            return Finding("error", "unreachable", rule_id, line, _NEVER)
    return None


def _conditions(policy: Policy) -> Iterator[tuple[str, int | None, Compiled]]:
    for rule in (*policy.gates, *policy.outcomes):
        yield rule.id, rule.line, rule.when
    for trigger in policy.escalations:
        yield trigger.id, trigger.line, trigger.when
    for flag in policy.flags:
        yield flag.id, flag.line, flag.when


def _order_findings(policy: Policy, space: _Space) -> Iterator[Finding]:
    chain: Sequence[CompiledRule] = (*policy.gates, *policy.outcomes)
    for index, rule in enumerate(chain):
        earlier, later = chain[:index], chain[index + 1 :]
        witness, certain = space.satisfy(rule.when)
        if witness is None:
            yield _unreachable(rule.id, rule.line, certain)
            continue
        goals = [(r.when, False) for r in earlier] + [(rule.when, True)]
        reached, certain = space.reach(goals)
        if reached is None:
            full = {**dict.fromkeys(space.values, MISSING), **witness}
            blocker = next((r.id for r in earlier if r.when(full) is not False), "?")
            yield Finding(
                "error" if certain else "warning",
                "shadowed",
                rule.id,
                rule.line,
                f"{'no' if certain else 'the search found no'} input reaches it "
                f"without an earlier rule deciding first (for example '{blocker}')",
            )
        for other in later:  # gates are meant to pre-empt outcomes; compare within a stage
            if other.stage != rule.stage or other.decision == rule.decision:
                continue
            if other.when.source == "true":
                continue
            if space.solve([(rule.when, True), (other.when, True)], tries=2) is not None:
                yield Finding(
                    "info",
                    "overlap",
                    rule.id,
                    rule.line,
                    f"overlaps '{other.id}' ({other.decision}); first match gives {rule.decision}",
                )


def _fee_findings(policy: Policy, space: _Space) -> Iterator[Finding]:
    """Rules whose fees can take the whole refund: the verdict still refunds, 0.00, and the
    reply says so. Informational: the search is incomplete (and may miss a case), and whether
    a refund of nothing deserves its own rule is the policy owner's call."""
    chain: Sequence[CompiledRule] = (*policy.gates, *policy.outcomes)
    for index, rule in enumerate(chain):
        if rule.refund is None or not rule.refund.fees:
            continue
        eaten = _fees_take_all(rule.refund.amount, [fee for _, fee in rule.refund.fees])
        numbers = sorted(n for n in eaten.facts if space.types.get(n) in (MONEY, INT))
        goals = [(r.when, False) for r in chain[:index]]
        goals += [(rule.when, True), (eaten, True), (_not_negative(numbers), True)]
        witness, _ = space.reach(goals)
        if witness is None:
            continue
        example = ", ".join(f"{n}={witness[n]}" for n in sorted(eaten.facts) if n in witness)
        yield Finding(
            "info",
            "refund_of_nothing",
            rule.id,
            rule.line,
            f"its fees can take the whole refund (for example {example}), and the reply then "
            "says it refunds 0.00; an earlier rule can decide that case",
        )


def _fees_take_all(amount: Compiled, fees: Sequence[Compiled]) -> Compiled:
    """A condition: the refund's amount is above zero and its fees are at least as much."""

    def fn(env: dict[str, Value]) -> Value:
        values = [amount(env), *(fee(env) for fee in fees)]
        numbers = [v for v in values if isinstance(v, int | Decimal) and not isinstance(v, bool)]
        if len(numbers) != len(values):
            return MISSING
        return numbers[0] > 0 and sum(numbers[1:]) >= numbers[0]

    facts = frozenset().union(amount.facts, *(fee.facts for fee in fees))
    return Compiled("fees take the whole refund", BOOL, fn, facts, frozenset())


def _not_negative(names: Sequence[str]) -> Compiled:
    """A condition: these amounts and counts are not below zero, so an example is one a
    request could make (the search also tries one below each constant, and 0 - 1 is -1)."""

    def fn(env: dict[str, Value]) -> Value:
        numbers = (env.get(n) for n in names)
        return all(v >= 0 for v in numbers if isinstance(v, int | Decimal))

    return Compiled("amounts are not negative", BOOL, fn, frozenset(names), frozenset())


def _trigger_findings(policy: Policy, space: _Space) -> Iterator[Finding]:
    triggers = [(t.id, t.line, t.when) for t in policy.escalations]
    triggers += [(f.id, f.line, f.when) for f in policy.flags]
    for rule_id, line, when in triggers:
        witness, certain = space.satisfy(when)
        if witness is None:
            yield _unreachable(rule_id, line, certain)


_NEVER = "can never fire: no combination of inputs makes its condition true"


def _unreachable(rule: str, line: int | None, certain: bool) -> Finding:
    if certain:
        return Finding("error", "unreachable", rule, line, _NEVER)
    return Finding(
        "warning",
        "unreachable",
        rule,
        line,
        "may never fire: the search found no input that makes its condition true",
    )


def _unused(policy: Policy) -> Iterator[Finding]:
    compiled = [when for _, _, when in _conditions(policy)]
    compiled += [
        c
        for rule in (*policy.gates, *policy.outcomes)
        if rule.refund
        for c in (rule.refund.amount, *(fee for _, fee in rule.refund.fees))
    ]
    compiled += [
        c
        for offer in policy.offers.values()
        for c in (offer.amount, offer.percent, offer.cap)
        if c is not None
    ]
    compiled += [c for exception in policy.exceptions.values() for c in exception.caps.values()]
    # Placeholders in any customer-facing text read facts and parameters too.
    wordings = [r.rationale for r in (*policy.gates, *policy.outcomes)]
    wordings += [r.rationale for r in policy.escalations]
    wordings += [f.rationale for f in policy.flags]
    wordings += [e.rationale for e in policy.exceptions.values()]
    wordings += [*policy.disclosures.values(), *(o.terms for o in policy.offers.values())]
    wordings.append(policy.needs_info_rationale)
    compiled += [part for wording in wordings for part in wording.parts]
    facts = set().union(*(c.facts for c in compiled))
    params = set().union(*(c.params for c in compiled))
    used = set().union(*(c.conditions for c in compiled))
    for name in policy.scope.conditions:
        if name not in used:
            yield Finding("warning", "unused-condition", None, None, f"'{name}' is never used")
    for name in policy.inputs:
        if name not in facts and name != "amount_paid":  # the engine's refund cap reads it
            yield Finding("warning", "unused-input", None, None, f"input '{name}' is never read")
    for name in policy.params:
        if name not in params:
            yield Finding(
                "warning", "unused-param", None, None, f"parameter '{name}' is never used"
            )
    offered = {o for rule in (*policy.gates, *policy.outcomes) for o in rule.offers}
    for name in policy.offers:
        if name not in offered:
            yield Finding(
                "warning", "unused-offer", None, None, f"offer '{name}' is never made by any rule"
            )


class _Space:
    """Candidate values for every fact, and assignments built from them."""

    def __init__(self, policy: Policy) -> None:
        self.types: dict[str, Type] = {**policy.scope.facts, **OUTCOME_FACTS}
        self.numbers = _constants(policy)
        self.values = {name: self.pool(kind) for name, kind in self.types.items()}
        # Facts whose candidates are a sample, not every case that matters: an answer that
        # depends on them is never certain.
        self.approximate = {
            name for name, kind in self.types.items() if kind in _SAMPLED or _composite(kind)
        }
        # A fixed seed: the same rules always get the same findings, whatever the file's
        # comments or formatting.
        self.random = random.Random("drafter-lint")

    def candidates(self, kind: Type) -> list[Value]:
        if isinstance(kind, EnumType):
            return [*sorted(kind.values), MISSING]
        if kind == BOOL:
            return [True, False, MISSING]
        step = 1 if kind == INT else Decimal("0.01")
        around = {n + d for n in self.numbers for d in (-step, 0, step)} | {0}
        if kind == INT:
            around = {int(n) for n in around}
        if len(around) < 3:
            # No constant to vary around (or only fractions, for an int): 0 alone would make a
            # comparison of two facts, such as `items_total < order_total`, look impossible.
            # Only padded here, so policies with constants keep the same candidates.
            around |= {1, 2}
        if kind == MONEY:
            around = {Decimal(n).quantize(Decimal("0.01")) for n in around}
        return [*sorted(around), MISSING]

    def pool(self, kind: Type) -> list[Value]:
        """Candidate values of a fact of any type; composites are built from their fields'."""
        if isinstance(kind, RecordType):
            fields = [(name, self.pool(field)[:-1] or [MISSING]) for name, field in kind.fields]
            records: list[Value] = [
                {name: values[i % len(values)] for name, values in fields} for i in range(3)
            ]
            return [*records, MISSING]
        if isinstance(kind, ListType):
            elements = self.pool(kind.element)[:-1] or [MISSING]
            return [(), elements[:1], elements[:2], MISSING]
        if kind in _SAMPLED:
            return [*_SAMPLED[kind], MISSING]
        return self.candidates(kind)

    def satisfy(self, when: Compiled) -> tuple[dict[str, Value] | None, bool]:
        """An assignment making ``when`` true, and whether a None answer is certain."""
        return self.reach([(when, True)])

    def reach(self, goals: list[tuple[Compiled, bool]]) -> tuple[dict[str, Value] | None, bool]:
        """An assignment meeting every goal: exhaustive (so a None is certain) when the
        facts involved have few enough combinations, otherwise a local search (a None is
        only what the search could not find)."""
        names = sorted(set().union(*(when.facts for when, _ in goals)))
        pools = [self.values[name] for name in names]
        if math.prod(len(pool) for pool in pools) > MAX_EXHAUSTIVE:
            return self.solve(goals), False
        certain = not self.approximate.intersection(names)
        for combo in itertools.product(*pools):
            env = dict(zip(names, combo, strict=True))
            if all(when(env) is wanted for when, wanted in goals):
                return env, True
        return None, certain

    def solve(
        self, goals: list[tuple[Compiled, bool]], *, tries: int = TRIES
    ) -> dict[str, Value] | None:
        """Local search (fixed seed) for an assignment where every condition has the wanted
        value: repeatedly pick an unmet goal and change the one fact that most reduces the
        number of unmet goals. Incomplete, but finds what a reviewer would find."""
        names = sorted(set().union(*(when.facts for when, _ in goals)))
        known = {n: [v for v in self.values[n] if v is not MISSING] for n in names}
        for _ in range(tries):
            env = {n: self.random.choice(known[n]) for n in names}
            for _ in range(STEPS):
                unmet = [when for when, wanted in goals if when(env) is not wanted]
                if not unmet:
                    return env
                moves = list(self.moves(env, self.random.choice(unmet), known))
                if not moves:
                    break
                env = min(moves, key=lambda e: sum(w(e) is not v for w, v in goals))
        return None

    def moves(
        self, env: dict[str, Value], target: Compiled, known: Mapping[str, list[Value]]
    ) -> Iterator[dict[str, Value]]:
        names = sorted(target.facts)
        self.random.shuffle(names)
        for name in names:
            for value in known[name]:
                if value != env[name]:
                    yield {**env, name: value}


def _composite(kind: Type) -> bool:
    return isinstance(kind, RecordType | ListType)


_BASE_DAY = dt.date(2026, 1, 1)
_BASE_MOMENT = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
_SAMPLED: dict[Type, list[Value]] = {
    DATE: [_BASE_DAY + dt.timedelta(days=d) for d in (-400, -31, -1, 0, 1, 31, 400)],
    DATETIME: [_BASE_MOMENT + dt.timedelta(hours=h) for h in (-800, -48, -24, -1, 0, 1, 25, 800)],
    DURATION: [dt.timedelta(hours=h) for h in (-24, 0, 1, 23, 24, 25, 72, 24 * 31, 24 * 400)],
}


def _constants(policy: Policy) -> set[Decimal]:
    numbers: set[Decimal] = set()
    sources = [when.source for _, _, when in _conditions(policy)]
    sources += [c.source for c in policy.scope.conditions.values() if c.type == BOOL]
    for source in sources:
        numbers |= {Decimal(t.text) for t in tokenize(source) if t.kind == "number"}
    for param in policy.scope.params.values():
        values = param.values.values() if isinstance(param, Table) else [param[1]]
        numbers |= {
            Decimal(v)
            for v in values
            if isinstance(v, int | Decimal) and not isinstance(v, bool) and v != UNLIMITED
        }
    return numbers
