"""A loaded policy: every expression compiled and type-checked, ready to evaluate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from drafter.policy.domain import Domain
from drafter.policy.expr import Compiled, Scope
from drafter.policy.trace import RuleSteps
from drafter.policy.types import MONEY, EnumType, Type, Value
from drafter.schemas import Decision

__all__ = [
    "OUTCOME_FACTS",
    "CompiledEscalation",
    "CompiledException",
    "CompiledFlag",
    "CompiledOffer",
    "CompiledRefund",
    "CompiledRule",
    "Phrase",
    "Policy",
    "Wording",
]


# Facts that only escalation triggers and flags may read: the outcome already decided.
OUTCOME_FACTS: dict[str, Type] = {
    "decision": EnumType(frozenset(Decision)),
    "refund_amount": MONEY,
}


@dataclass(frozen=True, slots=True)
class Phrase:
    """One language's text; ``{expression}`` placeholders are filled at evaluation."""

    text: str
    parts: tuple[Compiled, ...] = ()


@dataclass(frozen=True, slots=True)
class Wording:
    """Customer-facing text in English and any translations the policy gives."""

    variants: Mapping[str, Phrase]

    @property
    def text(self) -> str:
        """The English text, for reviewers."""
        return self.variants["en"].text

    def phrase(self, language: str) -> Phrase:
        return self.variants.get(language) or self.variants["en"]

    @property
    def parts(self) -> tuple[Compiled, ...]:
        return tuple(part for phrase in self.variants.values() for part in phrase.parts)


@dataclass(frozen=True, slots=True)
class CompiledRefund:
    amount: Compiled
    fees: tuple[tuple[str, Compiled], ...]
    destination: str


@dataclass(frozen=True, slots=True)
class CompiledOffer:
    id: str
    kind: str
    amount: Compiled | None
    percent: Compiled | None
    cap: Compiled | None
    terms: Wording


@dataclass(frozen=True, slots=True)
class CompiledEscalation:
    id: str
    line: int | None
    when: Compiled
    target: str
    reason: str
    must_say: tuple[str, ...]
    must_not_say: tuple[str, ...]
    rationale: Wording
    steps: RuleSteps = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", RuleSteps(self.id, "escalation", self.when))


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    stage: Literal["gate", "outcome"]
    line: int | None
    when: Compiled
    decision: Literal["approve", "partial", "decline", "needs_info", "transfer"]
    refund: CompiledRefund | None
    offers: tuple[str, ...]
    must_say: tuple[str, ...]
    must_not_say: tuple[str, ...]
    rationale: Wording
    # A transfer's handover to a person: the verdict escalates to its target.
    handover: CompiledEscalation | None = None
    steps: RuleSteps = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", RuleSteps(self.id, self.stage, self.when))


@dataclass(frozen=True, slots=True)
class CompiledFlag:
    id: str
    line: int | None
    when: Compiled
    must_say: tuple[str, ...]
    must_not_say: tuple[str, ...]
    rationale: Wording
    steps: RuleSteps = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", RuleSteps(self.id, "flag", self.when))


@dataclass(frozen=True, slots=True)
class CompiledException:
    id: str
    line: int | None
    description: str
    waives: frozenset[str]
    caps: Mapping[str, Compiled]
    rationale: Wording


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    effective: str
    currency: str
    owner: str
    title: str
    summary: str | None
    path: Path
    sha256: str
    inputs: Mapping[str, Type]
    scope: Scope
    params: Mapping[str, Value | Mapping[tuple[str, ...], Value]]
    disclosures: Mapping[str, Wording]
    forbidden: Mapping[str, str]
    offers: Mapping[str, CompiledOffer]
    gates: tuple[CompiledRule, ...]
    outcomes: tuple[CompiledRule, ...]
    escalations: tuple[CompiledEscalation, ...]
    flags: tuple[CompiledFlag, ...]
    exceptions: Mapping[str, CompiledException]
    needs_info_rationale: Wording
    # The pack's domain: the facts the policy reads and the words of its replies.
    domain: Domain
    # The facts evaluation reads: the inputs, and what the engine itself needs.
    fact_names: frozenset[str] = field(default_factory=frozenset)
    # Where each fact comes from in a request (``order.delivered_on``): the field a request
    # error names when a fact's value is outside the policy's vocabulary.
    fact_sources: Mapping[str, str] = field(default_factory=dict)
    # Inputs whose vocabulary the policy defines, so a request must stay inside it.
    enum_inputs: tuple[tuple[str, EnumType], ...] = ()
    # Verdict parts that are the same for every request (frozen models of strings), by key;
    # a cache, so no part of the policy's value.
    parts: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def question(self, fact: str, language: str) -> str:
        """What to ask the customer for a missing fact."""
        return self.domain.question(fact, language)

    def forget_shared(self) -> None:
        """Drop the verdict parts and trace steps kept for reuse (benchmarks, tests)."""
        self.parts.clear()
        for rules in (self.gates, self.outcomes, self.escalations, self.flags):
            for rule in rules:
                rule.steps.forget()

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule id, in evaluation order."""
        return (
            *(r.id for r in self.gates),
            *(r.id for r in self.outcomes),
            *(r.id for r in self.escalations),
            *(r.id for r in self.flags),
            *self.exceptions,
        )
