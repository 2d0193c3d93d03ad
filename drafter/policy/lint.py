"""Static checks on a compiled policy: unreachable, shadowed and overlapping rules, unused
parameters and inputs.

Conditions are evaluated over the cross-product of every enum value, both booleans, "missing",
and numeric values on each side of every constant the policy mentions (29, 30, 31 around a
30-day window). When the product is too large, a fixed-seed sample stands in for it, so the
same policy always gives the same findings.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from drafter.policy.expr import Compiled, Table, tokenize
from drafter.policy.facts import OUTCOME_FACTS
from drafter.policy.model import CompiledRule, Policy
from drafter.policy.types import BOOL, INT, MISSING, MONEY, EnumType, Type, Value

__all__ = ["Finding", "lint", "never_fires"]

MAX_OWN = 4096
FILLS = 8


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning", "info"]
    code: str
    rule: str | None
    line: int | None
    message: str


def lint(policy: Policy) -> list[Finding]:
    """Every finding, errors first."""
    space = _Space(policy)
    findings = [
        *_order_findings(policy, space),
        *_trigger_findings(policy, space),
        *_unused(policy),
    ]
    rank = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: rank[f.level])


def never_fires(policy: Policy) -> Finding | None:
    """The first rule whose own condition is false (or unknown) for every candidate input."""
    space = _Space(policy)
    for rule_id, line, when in _conditions(policy):
        if not any(when(env) is True for env in space.own(when)):
            return Finding(
                "error",
                "unreachable",
                rule_id,
                line,
                "can never fire: no combination of inputs makes its condition true",
            )
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
        own = list(space.around(rule.when, earlier))
        if not own:
            yield Finding(
                "error",
                "unreachable",
                rule.id,
                rule.line,
                "can never fire: no combination of inputs makes its condition true",
            )
            continue
        if not any(_reaches(earlier, env) for env in own):
            blockers = sorted({b for env in own if (b := _first_firing(earlier, env))})
            yield Finding(
                "error",
                "shadowed",
                rule.id,
                rule.line,
                f"shadowed: whenever it holds, an earlier rule decides first "
                f"({', '.join(str(b) for b in blockers)})",
            )
        yield from _overlaps(rule, later, own, space)


def _overlaps(
    rule: CompiledRule, later: Sequence[CompiledRule], own: list[dict[str, Value]], space: _Space
) -> Iterator[Finding]:
    for other in later:
        if other.decision == rule.decision or other.when.source == "true":
            continue
        if any(other.when(env) is True for env in space.extend(own, other.when)):
            yield Finding(
                "info",
                "overlap",
                rule.id,
                rule.line,
                f"overlaps '{other.id}' ({other.decision}); first match gives {rule.decision}",
            )


def _trigger_findings(policy: Policy, space: _Space) -> Iterator[Finding]:
    triggers: list[tuple[str, int | None, Compiled]] = [
        (t.id, t.line, t.when) for t in policy.escalations
    ] + [(f.id, f.line, f.when) for f in policy.flags]
    for rule_id, line, when in triggers:
        if not any(when(env) is True for env in space.own(when)):
            yield Finding(
                "error",
                "unreachable",
                rule_id,
                line,
                "can never fire: no combination of inputs makes its condition true",
            )


def _reaches(earlier: Sequence[CompiledRule], env: Mapping[str, Value]) -> bool:
    return all(rule.when(env) is False for rule in earlier)


def _first_firing(earlier: Sequence[CompiledRule], env: Mapping[str, Value]) -> str | None:
    for rule in earlier:
        if rule.when(env) is not False:
            return rule.id
    return None


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
    compiled += [p for rule in (*policy.gates, *policy.outcomes) for p in rule.rationale.parts]
    facts = set().union(*(c.facts for c in compiled))
    params = set().union(*(c.params for c in compiled))
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
        self.values = {name: self.candidates(kind) for name, kind in self.types.items()}
        self.random = random.Random(policy.sha256)

    def candidates(self, kind: Type) -> list[Value]:
        if isinstance(kind, EnumType):
            return [*sorted(kind.values), MISSING]
        if kind == BOOL:
            return [True, False, MISSING]
        step = 1 if kind == INT else Decimal("0.01")
        around = {n + d for n in self.numbers for d in (-step, 0, step)} | {0}
        if kind == INT:
            around = {int(n) for n in around}
        elif kind == MONEY:
            around = {Decimal(n).quantize(Decimal("0.01")) for n in around}
        return [*sorted(around), MISSING]

    def own(self, when: Compiled) -> Iterator[dict[str, Value]]:
        """Assignments of the condition's own facts (exhaustive when small enough)."""
        names = sorted(when.facts)
        pools = [self.values[name] for name in names]
        size = 1
        for pool in pools:
            size *= len(pool)
        if size <= MAX_OWN:
            combos: Iterator[tuple[Value, ...]] = itertools.product(*pools)
        else:
            combos = (tuple(self.random.choice(p) for p in pools) for _ in range(MAX_OWN))
        for combo in combos:
            yield dict(zip(names, combo, strict=True))

    def around(self, when: Compiled, earlier: Sequence[CompiledRule]) -> Iterator[dict[str, Value]]:
        """Own-fact assignments where the condition holds, completed (when a greedy search
        with a few shuffled restarts can) so that every earlier rule is false."""
        for own in self.own(when):
            env: dict[str, Value] = {**dict.fromkeys(self.values, MISSING), **own}
            if when(env) is not True:
                continue
            yield self.complete(env, earlier, frozenset(own)) or env

    def extend(self, envs: list[dict[str, Value]], when: Compiled) -> Iterator[dict[str, Value]]:
        """Each assignment with the still-missing facts of ``when`` filled in every way."""
        for env in envs[:64]:
            free = sorted(f for f in when.facts if env[f] is MISSING)
            pools = [self.values[f] for f in free]
            for combo in itertools.islice(itertools.product(*pools), 256):
                yield {**env, **dict(zip(free, combo, strict=True))}

    def complete(
        self, env: dict[str, Value], earlier: Sequence[CompiledRule], fixed: frozenset[str]
    ) -> dict[str, Value] | None:
        for attempt in range(FILLS):
            trial = dict(env)
            for index, rule in enumerate(earlier):
                if rule.when(trial) is False:
                    continue
                found = self.falsify(trial, rule, earlier[:index], fixed, attempt)
                if found is None:
                    break
                trial = found
            else:
                return trial
        return None

    def falsify(
        self,
        env: dict[str, Value],
        rule: CompiledRule,
        before: Sequence[CompiledRule],
        fixed: frozenset[str],
        attempt: int,
    ) -> dict[str, Value] | None:
        free = sorted(f for f in rule.when.facts if f not in fixed and env[f] is MISSING)
        pools = [[v for v in self.values[f] if v is not MISSING] for f in free]
        if attempt:
            for pool in pools:
                self.random.shuffle(pool)
        for combo in itertools.islice(itertools.product(*pools), MAX_OWN):
            trial = {**env, **dict(zip(free, combo, strict=True))}
            if rule.when(trial) is False and _reaches(before, trial):
                return trial
        return None


def _constants(policy: Policy) -> set[Decimal]:
    numbers: set[Decimal] = set()
    for _, _, when in _conditions(policy):
        numbers |= {Decimal(t.text) for t in tokenize(when.source) if t.kind == "number"}
    for param in policy.scope.params.values():
        values = param.values.values() if isinstance(param, Table) else [param[1]]
        numbers |= {
            Decimal(v) for v in values if isinstance(v, int | Decimal) and not isinstance(v, bool)
        }
    return numbers
