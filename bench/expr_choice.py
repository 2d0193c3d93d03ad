"""Why drafter compiles its own expression language: the same policy condition, evaluated by
drafter's compiler and, when installed, by rule-engine and by cel-python.

    .venv/bin/python bench/expr_choice.py        # the candidates are optional:
    pip install rule-engine cel-python           # install them into a scratch venv to compare

Prints the median time of one evaluation of a typical gate condition for each engine.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from drafter.policy.expr import Scope, Table, compile_expr
from drafter.policy.types import BOOL, INT, MONEY, EnumType

CONDITION = "days_since_delivery > window[tier] and not any_final_sale and items_total <= 250"
FACTS: dict[str, Any] = {
    "days_since_delivery": 42,
    "tier": "gold",
    "any_final_sale": False,
    "items_total": Decimal("89.00"),
}
WINDOW = {"standard": 30, "silver": 45, "gold": 60}


def median_ns(call: Callable[[], object], rounds: int = 20_000) -> float:
    for _ in range(1000):
        call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples)


def drafter_engine() -> Callable[[], object]:
    tier = EnumType(frozenset(WINDOW))
    scope = Scope(
        facts={
            "days_since_delivery": INT,
            "tier": tier,
            "any_final_sale": BOOL,
            "items_total": MONEY,
        },
        params={"window": Table(INT, (tier,), {(key,): value for key, value in WINDOW.items()})},
    )
    compiled = compile_expr(CONDITION, scope, expect=BOOL)
    return lambda: compiled(FACTS)


def rule_engine() -> Callable[[], object] | None:
    try:
        import rule_engine as re_
    except ImportError:
        return None
    types = {
        "days_since_delivery": re_.DataType.FLOAT,
        "tier": re_.DataType.STRING,
        "any_final_sale": re_.DataType.BOOLEAN,
        "items_total": re_.DataType.FLOAT,
        "window": re_.DataType.MAPPING(re_.DataType.STRING, re_.DataType.FLOAT),
    }
    context = re_.Context(type_resolver=re_.type_resolver_from_dict(types))
    rule = re_.Rule(CONDITION, context=context)
    facts = {**FACTS, "window": WINDOW}
    return lambda: rule.matches(facts)


def cel() -> Callable[[], object] | None:
    try:
        import celpy
    except ImportError:
        return None
    source = CONDITION.replace(" and not ", " && !").replace(" and ", " && ")
    env = celpy.Environment()
    program = env.program(env.compile(source))
    activation = celpy.json_to_cel(
        {
            **{k: (float(v) if isinstance(v, Decimal) else v) for k, v in FACTS.items()},
            "window": WINDOW,
        }
    )
    return lambda: program.evaluate(activation)


def main() -> None:
    print(f"condition: {CONDITION}  ({dt.date.today()})")
    for name, factory in (
        ("drafter (own compiler)", drafter_engine),
        ("rule-engine", rule_engine),
        ("cel-python", cel),
    ):
        call = factory()
        if call is None:
            print(f"{name:24} not installed")
            continue
        print(f"{name:24} result={call()!s:5}  median {median_ns(call) / 1000:8.2f} µs")


if __name__ == "__main__":
    main()
