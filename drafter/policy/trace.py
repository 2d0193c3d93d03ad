"""A verdict's trace: the engine records steps as tuples, and this module turns them into
``TraceStep`` models once, at the end.

Building a pydantic model costs about a microsecond even without validation, and a trace has
twenty to thirty steps, so steps are interned: a step is fully determined by its rule, stage,
result and the shown values of the facts it read, and ``TraceStep`` is frozen, so one policy's
verdicts share the step objects for the combinations they have in common. Their ``facts`` are a
read-only dict, so no caller can change a step another verdict also holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NoReturn

from drafter.policy.expr import Compiled
from drafter.policy.types import MISSING, Value
from drafter.schemas import TraceStep

__all__ = ["ReadOnlyFacts", "Recorded", "StepCache", "show", "trace_steps"]

# (rule, stage, result, the condition tested or the facts shown)
Recorded = tuple[str, str, str, "Compiled | dict[str, str | None]"]

# How many distinct steps one policy keeps; past it the cache starts again, so a stream of
# ever-new amounts cannot grow memory without bound.
STEP_CACHE_LIMIT = 8192

_new, _set = object.__new__, object.__setattr__
_FIELDS = {"rule", "stage", "result", "facts"}


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


class StepCache:
    """The interned trace steps of one policy."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: dict[tuple[object, ...], TraceStep] = {}

    def add(self, key: tuple[object, ...], step: TraceStep) -> TraceStep:
        """Keep ``step`` under ``key``."""
        if len(self.steps) >= STEP_CACHE_LIMIT:
            self.steps.clear()
        self.steps[key] = step
        return step


def show(value: Value) -> str:
    """A fact value as the trace and the texts show it."""
    if value is MISSING:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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


def trace_steps(
    recorded: list[Recorded], env: Mapping[str, Value], cache: StepCache
) -> list[TraceStep]:
    """The recorded steps as TraceSteps, each fact shown once however many rules read it."""
    shown, steps, interned = _shown(env), [], cache.steps
    for rule, stage, result, seen in recorded:
        if isinstance(seen, dict):
            steps.append(_step(rule, stage, result, ReadOnlyFacts(seen)))
            continue
        try:
            key = (rule, stage, result, seen.pick(shown))
        except KeyError:  # a fact the request never had a value for: shown as null
            key = (rule, stage, result, tuple(shown.get(name) for name in seen.names))
        step = interned.get(key)
        if step is None:
            facts = ReadOnlyFacts({name: shown.get(name) for name in seen.names})
            step = cache.add(key, _step(rule, stage, result, facts))
        steps.append(step)
    return steps


def _step(rule: str, stage: str, result: str, facts: ReadOnlyFacts) -> TraceStep:
    step = _new(TraceStep)
    _set(step, "__dict__", {"rule": rule, "stage": stage, "result": result, "facts": facts})
    _set(step, "__pydantic_fields_set__", _FIELDS)
    _set(step, "__pydantic_extra__", None)
    _set(step, "__pydantic_private__", None)
    return step
