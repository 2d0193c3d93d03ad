"""Eval cases: a request, its policy, the verdict it must get, and what the reply must do.

Cases live in ``evals/cases/*.yaml``. A file names one policy and may give a ``base`` request
that each case changes with ``set``/``unset`` (dotted paths, as in policy test tables)::

    policy: retail-standard
    base: {as_of: 2026-11-20, customer: {...}, order: {...}, ask: {...}}
    cases:
      - id: rs-outside-window-credit
        title: Unopened shoes sent back 40 days after delivery
        situations: [outside_window]
        set: {order.delivered_on: 2026-10-11}
        expect:
          verdict: {decision: decline, rule: outside_window_credit}
          reply:
            offers: [store_credit]
            forbidden: [{id: full_refund, pattern: 'full refund', why: the window has closed}]
            tone: {readability: 45}

Loading evaluates every request against its policy and refuses a case whose verdict differs
from the one it expects, so a policy change that moves a case is caught before any scoring.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from drafter.errors import RequestError, UserError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.policy import document as doc
from drafter.policy.tables import build_request
from drafter.schemas import Request, Verdict

__all__ = [
    "SITUATIONS",
    "CaseFileError",
    "EvalCase",
    "Forbidden",
    "ReplyExpect",
    "VerdictExpect",
    "load_cases",
]

# The situations of the domain notes a case may be tagged with; the suite's spread is checked
# against this list in tests/evals.
SITUATIONS = (
    "outside_window",
    "final_sale",
    "custom_order",
    "defective_after_window",
    "defective_misuse",
    "damaged_in_transit",
    "wrong_item",
    "late_delivery",
    "duplicate_charge",
    "cancel_mid_cycle",
    "annual_proration",
    "loyal_exception",
    "repeat_refunder",
    "abusive_language",
    "legal_threat",
    "chargeback_threat",
    "unrealistic_demand",
    "tech_unfamiliar",
    "missing_info",
    "prompt_injection",
    "partial_refund",
    "approval",
    "subscription",
    "order_change",
    "eligibility",
)


class CaseFileError(UserError):
    """An eval case file is malformed, or a case's verdict is not the one it expects."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.file, self.line = file, line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VerdictExpect(_Strict):
    """The parts of the verdict a case pins; unset parts are not compared."""

    decision: str
    rule: str
    refund: str | None = None
    offers: list[str] | None = None
    escalation: str | None = None
    needs: list[str] | None = None
    must_say: list[str] | None = None
    must_not_say: list[str] | None = None


class Forbidden(_Strict):
    """A claim the reply must never make: a case-insensitive regular expression and why."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    pattern: str = Field(min_length=1)
    why: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"is not a valid regular expression: {error}") from None
        return value


class ReplyExpect(_Strict):
    """What the reply must do beyond the verdict's own must_say and must_not_say.

    ``offers``: offer ids the reply must make (None means every offer of the verdict).
    ``forbidden``: claims the reply must not make. ``tone``: threshold overrides by key of
    ``evals/config.yaml``'s ``tone`` section.
    """

    offers: list[str] | None = None
    forbidden: list[Forbidden] = Field(default_factory=list)
    tone: dict[str, float] = Field(default_factory=dict)


class Expect(_Strict):
    verdict: VerdictExpect
    reply: ReplyExpect = Field(default_factory=ReplyExpect)


class CaseSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    title: str = Field(min_length=1, max_length=200)
    situations: list[str] = Field(min_length=1)
    request: dict[str, Any] | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    unset: list[str] = Field(default_factory=list)
    expect: Expect

    @field_validator("situations")
    @classmethod
    def _known_situations(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SITUATIONS]
        if unknown:
            raise ValueError(f"unknown situation(s) {unknown}; known: {list(SITUATIONS)}")
        return value


class CaseFile(_Strict):
    policy: str = Field(min_length=1)
    base: dict[str, Any] | None = None
    cases: list[CaseSpec] = Field(min_length=1)


@dataclass(frozen=True)
class EvalCase:
    """One loaded case: the parsed request and the verdict it was checked to get."""

    id: str
    title: str
    situations: tuple[str, ...]
    policy: str
    request: Request
    verdict: Verdict
    reply: ReplyExpect
    file: str
    line: int | None

    @property
    def locale(self) -> str:
        return self.request.locale

    @property
    def language(self) -> str:
        return self.request.locale.split("-")[0]


def load_cases(directory: Path, registry: PolicyRegistry) -> list[EvalCase]:
    """Every case under ``directory``, in file then case order, each checked against its policy.

    Raises:
        CaseFileError: a file is unreadable or malformed, two cases share an id, a request is
            invalid, or a verdict differs from the expected one.
        UnknownPolicyError: a file names a policy the registry does not have.
    """
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CaseFileError("no case files (*.yaml) found", file=str(directory))
    cases: list[EvalCase] = []
    seen: dict[str, str] = {}
    for path in files:
        for case in _load_file(path, registry):
            if case.id in seen:
                raise CaseFileError(
                    f"case id '{case.id}' is also used in {seen[case.id]}", file=case.file
                )
            seen[case.id] = case.file
            cases.append(case)
    return cases


def _load_file(path: Path, registry: PolicyRegistry) -> list[EvalCase]:
    raw = _read_yaml(path)
    try:
        spec = CaseFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        line = doc.line_of(raw, tuple(first["loc"]))
        raise CaseFileError(f"{where}: {first['msg']}", file=str(path), line=line) from None
    policy = registry.get(spec.policy)
    loaded = []
    for index, case in enumerate(spec.cases):
        line = doc.line_of(raw, ("cases", index))
        request = _request(spec.base, case, file=str(path), line=line)
        try:
            verdict = evaluate(policy, request)
        except RequestError as error:
            raise CaseFileError(f"case '{case.id}': {error}", file=str(path), line=line) from None
        _check_verdict(case, verdict, file=str(path), line=line)
        loaded.append(
            EvalCase(
                id=case.id,
                title=case.title,
                situations=tuple(case.situations),
                policy=spec.policy,
                request=request,
                verdict=verdict,
                reply=case.expect.reply,
                file=str(path),
                line=line,
            )
        )
    return loaded


def _read_yaml(path: Path) -> Any:
    try:
        return doc.yaml_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CaseFileError(f"cannot read: {error.strerror}", file=str(path)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CaseFileError(f"invalid YAML: {error}", file=str(path), line=line) from None


def _request(
    base: dict[str, Any] | None, case: CaseSpec, *, file: str, line: int | None
) -> Request:
    # build_request expects the policy-table case shape; the fields it reads are the same.
    data = build_request(base, case)  # type: ignore[arg-type]
    try:
        return parse_request(json.dumps(data, default=str))
    except RequestError as error:
        raise CaseFileError(f"case '{case.id}': request.{error}", file=file, line=line) from None


def _check_verdict(case: CaseSpec, verdict: Verdict, *, file: str, line: int | None) -> None:
    problems = list(_differences(case.expect.verdict, verdict))
    if problems:
        message = f"case '{case.id}': verdict differs from expected: " + "; ".join(problems)
        raise CaseFileError(message, file=file, line=line)


def _actual(verdict: Verdict) -> dict[str, object]:
    refund = verdict.refund
    return {
        "decision": verdict.decision.value,
        "rule": verdict.rule,
        "refund": str(refund.amount.amount) if refund else None,
        "offers": sorted(o.id for o in verdict.offers),
        "escalation": verdict.escalation.target if verdict.escalation else None,
        "needs": sorted(n.fact for n in verdict.needs),
        "must_say": sorted(d.id for d in verdict.must_say),
        "must_not_say": sorted(d.id for d in verdict.must_not_say),
    }


def _differences(expect: VerdictExpect, verdict: Verdict) -> list[str]:
    actual = _actual(verdict)
    problems = []
    for key, wanted in expect.model_dump(exclude_none=True).items():
        if isinstance(wanted, list):
            wanted = sorted(wanted)
        if wanted != actual[key]:
            problems.append(f"{key}: expected {wanted!r}, got {actual[key]!r}")
    return problems
