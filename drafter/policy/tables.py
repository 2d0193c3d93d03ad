"""Policy test tables (``<id>.tests.yaml``): cases with expected verdicts, run like unit tests,
plus a coverage report of the rules no case reaches."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import PolicyError, RequestError
from drafter.intake import parse_request
from drafter.policy import document as doc
from drafter.policy.engine import evaluate
from drafter.policy.model import Policy
from drafter.schemas import Verdict

__all__ = ["CaseResult", "TableReport", "build_request", "load_table", "run_table"]


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: str | None = None
    rule: str | None = None
    refund: str | None = None
    destination: str | None = None
    fees: dict[str, str] | None = None
    offers: list[str] | None = None
    offer_amounts: dict[str, str] | None = None
    offer_caps: dict[str, str] | None = None
    escalation: str | None = None
    needs: list[str] | None = None
    must_say: list[str] | None = None
    must_not_say: list[str] | None = None
    error: str | None = Field(None, description="The request must be refused on this field.")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    request: dict[str, Any] | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    unset: list[str] = Field(default_factory=list)
    expect: Expect


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base: dict[str, Any] | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class CaseResult:
    name: str
    line: int | None
    problems: list[str]
    verdict: Verdict | None

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class TableReport:
    policy: str
    results: list[CaseResult] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.uncovered


def load_table(path: Path) -> tuple[Table, Any]:
    """Parse a test table, keeping lines for error messages."""
    try:
        raw = doc.yaml_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(f"cannot read: {error.strerror}", file=str(path)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise PolicyError(
            f"invalid YAML: {error}", file=str(path), line=mark.line + 1 if mark else None
        ) from None
    try:
        return Table.model_validate(raw), raw
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(s) for s in first["loc"])
        raise PolicyError(
            f"{where}: {first['msg']}", file=str(path), line=doc.line_of(raw, tuple(first["loc"]))
        ) from None


def build_request(base: dict[str, Any] | None, case: Case) -> dict[str, Any]:
    """The case's request as plain JSON data: inline, or the base with ``set``/``unset``."""
    data = copy.deepcopy(case.request if case.request is not None else base or {})
    for path, value in case.set.items():
        _assign(data, path.split("."), value)
    for path in case.unset:
        _remove(data, path.split("."))
    return data


def _step(node: Any, key: str) -> Any:
    return node[int(key)] if isinstance(node, list) else node.setdefault(key, {})


def _assign(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node: Any = data
    for key in keys[:-1]:
        node = _step(node, key)
    if isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value


def _remove(data: dict[str, Any], keys: list[str]) -> None:
    node: Any = data
    for key in keys[:-1]:
        node = _step(node, key)
    if isinstance(node, list):
        del node[int(keys[-1])]
    else:
        node.pop(keys[-1], None)


def run_table(policy: Policy, path: Path) -> TableReport:
    table, raw = load_table(path)
    report = TableReport(policy.id)
    for index, case in enumerate(table.cases):
        line = doc.line_of(raw, ("cases", index))
        report.results.append(_run_case(policy, table.base, case, line))
    reached = {
        step.rule
        for r in report.results
        if r.passed and r.verdict
        for step in r.verdict.trace
        if step.result in ("fired", "granted")
    }
    report.uncovered = [rule for rule in policy.rules if rule not in reached]
    return report


def _run_case(
    policy: Policy, base: dict[str, Any] | None, case: Case, line: int | None
) -> CaseResult:
    data = json.dumps(build_request(base, case), default=str)
    try:
        verdict = evaluate(policy, parse_request(data))
    except RequestError as error:
        return CaseResult(case.name, line, _expected_error(case.expect, error), None)
    if case.expect.error is not None:
        problem = f"expected an error on '{case.expect.error}' but got {verdict.decision}"
        return CaseResult(case.name, line, [problem], verdict)
    return CaseResult(case.name, line, list(_compare(case.expect, verdict)), verdict)


def _expected_error(expect: Expect, error: RequestError) -> list[str]:
    if expect.error is None:
        return [f"request refused: {error}"]
    if expect.error != error.field:
        return [f"expected an error on '{expect.error}' but it was on '{error.field}': {error}"]
    return []


def _compare(expect: Expect, verdict: Verdict) -> Iterable[str]:
    refund = verdict.refund
    actual: dict[str, object] = {
        "decision": verdict.decision.value,
        "rule": verdict.rule,
        "refund": str(refund.amount.amount) if refund else None,
        "destination": refund.destination if refund else None,
        "fees": {f.id: str(f.amount.amount) for f in refund.fees} if refund else {},
        "offers": [o.id for o in verdict.offers],
        "offer_amounts": {o.id: str(o.amount.amount) for o in verdict.offers if o.amount},
        "offer_caps": {o.id: str(o.cap.amount) for o in verdict.offers if o.cap},
        "escalation": verdict.escalation.target if verdict.escalation else None,
        "needs": [n.fact for n in verdict.needs],
        "must_say": [d.id for d in verdict.must_say],
        "must_not_say": [d.id for d in verdict.must_not_say],
    }
    # Only the keys a case writes are compared; one written as null asserts "none" (no refund,
    # no escalation, no destination).
    for key, wanted in expect.model_dump(exclude_unset=True, exclude={"error"}).items():
        got = actual[key]
        if wanted is None and isinstance(got, list | dict):
            wanted = type(got)()  # "offers: null" reads as "no offers"
        if key in ("offers", "needs", "must_say", "must_not_say"):
            wanted, got = sorted(wanted), sorted(got)  # type: ignore[call-overload]
        if key == "refund" and wanted is not None:
            wanted = _money_text(wanted)
        if wanted != got:
            yield f"{key}: expected {wanted!r}, got {got!r}"


def _money_text(value: str) -> str:
    from decimal import Decimal

    return str(Decimal(str(value)).quantize(Decimal("0.01")))
