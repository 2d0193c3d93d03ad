"""A verdict's trace: the engine records which step each rule's test made, and this module turns
the record into ``TraceStep`` models once, at the end.

Building a pydantic model costs about a microsecond even without validation, and a trace has
twenty to thirty steps, so steps are interned: a step is fully determined by its rule, stage,
result and the shown values of the facts it read, and ``TraceStep`` is frozen, so one policy's
verdicts share the step objects for the combinations they have in common. Their ``facts`` are a
read-only dict, so no caller can change a step another verdict also holds.

Each rule gets its ``RuleSteps`` when the policy loads; a run records the ``StepKind`` its test
made (no tuple per test), and the trace looks each up by the shown values of its facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NoReturn

from drafter.policy.expr import Compiled
from drafter.policy.types import MISSING, Value
from drafter.schemas import Stage, StepResult, TraceStep

__all__ = [
    "ReadOnlyFacts",
    "Recorded",
    "RuleSteps",
    "StepKind",
    "fresh_step",
    "show",
    "trace_steps",
]

# How many steps one rule keeps per result; past it that rule starts again, so a stream of
# ever-new amounts cannot grow memory without bound (at most 4 x 256 steps of a few hundred
# bytes per rule). Steps that read only enums, flags and counts rarely need more than a few.
STEP_CACHE_LIMIT = 256


class ReadOnlyFacts(dict[str, str | None]):
    """A trace step's facts; shared between verdicts, so changing them is refused."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a verdict's trace facts are read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[ReadOnlyFacts], tuple[dict[str, str | None]]]:
        return (ReadOnlyFacts, (dict(self),))

    def __copy__(self) -> ReadOnlyFacts:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ReadOnlyFacts:
        return self


class StepKind:
    """One rule's test with one result, and the steps it has built, by the shown values of the
    facts its condition reads."""

    __slots__ = ("built", "names", "pick", "result", "rule", "stage")

    def __init__(self, rule: str, stage: Stage, result: StepResult, when: Compiled | None) -> None:
        self.rule, self.stage, self.result = rule, stage, result
        self.names: tuple[str, ...] = when.names if when else ()
        self.pick = when.pick if when else _none
        self.built: dict[object, TraceStep] = {}

    def add(self, shown: Mapping[str, str | None]) -> TraceStep:
        """Build, keep and return the step for these shown facts."""
        if len(self.built) >= STEP_CACHE_LIMIT:
            self.built.clear()
        facts = ReadOnlyFacts({name: shown.get(name) for name in self.names})
        step = self.built[self.key(shown)] = fresh_step(self.rule, self.stage, self.result, facts)
        return step

    def key(self, shown: Mapping[str, str | None]) -> object:
        try:
            return self.pick(shown)
        except KeyError:  # a fact the request never had a value for: shown as null
            return tuple(shown.get(name) for name in self.names)


class RuleSteps:
    """The steps a rule's test can record, made once when the policy loads."""

    __slots__ = ("fired", "passed", "unknown", "waived")

    def __init__(self, rule: str, stage: Stage, when: Compiled) -> None:
        self.fired = StepKind(rule, stage, "fired", when)
        self.passed = StepKind(rule, stage, "passed", when)
        self.unknown = StepKind(rule, stage, "unknown", when)
        self.waived = StepKind(rule, stage, "waived", None)

    def forget(self) -> None:
        """Drop every kept step (for measuring the cost of steps never seen before)."""
        for kind in (self.fired, self.passed, self.unknown, self.waived):
            kind.built.clear()


# What a run records: the kind of step a rule's test made, or a step already built.
Recorded = StepKind | TraceStep


def _none(_: object) -> tuple[()]:
    return ()


def show(value: Value) -> str:
    """A fact value as the trace and the texts show it."""
    if value is MISSING:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal) and not value.is_finite():
        return "unlimited"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _duration(value)
    if isinstance(value, Mapping):
        return "(a record)"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return f"({len(value)} item{'' if len(value) == 1 else 's'})"
    return str(value)


def _duration(span: dt.timedelta) -> str:
    """``36 hours``, ``3 days``, ``90 minutes``: the largest unit that is exact."""
    if span % dt.timedelta(minutes=1):
        return str(span)
    minutes = span // dt.timedelta(minutes=1)
    size, unit = next(
        (s, u) for s, u in ((1440, "day"), (60, "hour"), (1, "minute")) if not minutes % s
    )
    count = minutes // size
    return f"{count} {unit}{'' if abs(count) == 1 else 's'}"


# A trace shows a missing fact as null, and the rest as ``show`` does; by type, and with
# built-in callables only, so showing every fact of a request is one dictionary pass that never
# calls back into Python for the usual types.
_SHOWN_BY_TYPE: dict[type, Callable[[Any], str | None]] = {
    str: str,
    int: str,
    Decimal: str,
    bool: {True: "true", False: "false"}.__getitem__,
    type(MISSING): {MISSING: None}.__getitem__,
}


def _shown(env: Mapping[str, Value]) -> dict[str, str | None]:
    by_type = _SHOWN_BY_TYPE
    return {name: by_type.get(type(value), show)(value) for name, value in env.items()}


def trace_steps(recorded: list[Recorded], env: Mapping[str, Value]) -> list[TraceStep]:
    """The recorded steps as TraceSteps, each fact shown once however many rules read it."""
    shown, steps = _shown(env), list[TraceStep]()
    for kind in recorded:
        if not isinstance(kind, StepKind):  # an exception or cap step, built when recorded
            steps.append(kind)
            continue
        try:
            key = kind.pick(shown)
        except KeyError:
            key = kind.key(shown)
        step = kind.built.get(key)
        if step is None:
            step = kind.add(shown)
        steps.append(step)
    return steps


def fresh_step(rule: str, stage: Stage, result: StepResult, facts: ReadOnlyFacts) -> TraceStep:
    """A TraceStep built without validation (every field is the engine's own)."""
    return TraceStep.model_construct(rule=rule, stage=stage, result=result, facts=facts)
