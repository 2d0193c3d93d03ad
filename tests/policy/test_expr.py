from __future__ import annotations

import time
from decimal import Decimal

import pytest

from drafter.policy.expr import ExprError, Scope, Table, compile_expr, tokenize
from drafter.policy.types import BOOL, DECIMAL, INT, MISSING, MONEY, EnumType, Value

TIER = EnumType(frozenset({"standard", "gold"}))
SCOPE = Scope(
    facts={"tier": TIER, "days": INT, "total": MONEY, "final": BOOL, "rate": DECIMAL},
    params={
        "window": Table(INT, (TIER,), {("standard",): 30, ("gold",): 60}),
        "fee_rate": (DECIMAL, Decimal("0.15")),
        "limit": (MONEY, Decimal("250")),
    },
)
ENV: dict[str, Value] = {
    "tier": "gold",
    "days": 45,
    "total": Decimal("100.00"),
    "final": False,
    "rate": Decimal(2),
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("days > window[tier]", False),
        ("days > window['standard']", True),
        ("tier == 'gold' and not final", True),
        ("tier in ['standard']", False),
        ("tier not in ['standard']", True),
        ("total * fee_rate", Decimal("15.0000")),
        ("min(total * fee_rate, 10)", 10),
        ("max(total, limit)", Decimal("250")),
        ("total / 4", Decimal("25")),
        ("total / total", Decimal("1")),
        ("-days + 50", 5),
        ("(days >= 45) == true", True),
        ("known(days)", True),
        ("total > 99.99", True),
    ],
)
def test_evaluates(source: str, expected: Value) -> None:
    assert compile_expr(source, SCOPE)(ENV) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("days > 30", MISSING),
        ("final or days > 30", MISSING),
        ("tier == 'gold' or days > 30", True),  # short-circuits past the missing fact
        ("tier == 'standard' and days > 30", False),
        ("known(days)", False),
        ("not known(days)", True),
        ("total / 0", MISSING),
    ],
)
def test_missing_facts_are_three_valued(source: str, expected: Value) -> None:
    env = {**ENV, "days": MISSING, "final": MISSING}
    assert (
        compile_expr(source, SCOPE)(env) is expected or compile_expr(source, SCOPE)(env) == expected
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("tier == 'platinum'", "'platinum' can never match"),
        ("tir == 'gold'", "unknown name 'tir' (did you mean 'tier'?)"),
        ("days > 'x'", "cannot compare int with str"),
        ("total * total", "cannot apply '*' to money and money"),
        ("days / total", "cannot apply '/' to int and money"),
        ("final and 3", "'and' needs bool operands"),
        ("not days", "'not' needs a bool"),
        ("final > true", "'>' needs numbers"),
        ("window", "is a table; index it"),
        ("days[1]", "only a parameter table can be indexed"),
        ("window[days]", "expected enum"),
        ("days +", "unexpected 'end of expression'"),
        ("days @ 3", "unexpected character '@'"),
        ("tier in days", "needs a list"),
        ("tier in [days]", "lists may hold only literal values"),
        ("sqrt(days)", "unknown function 'sqrt'"),
        ("min(days)", "two or more values"),
        ("known(1)", "known() takes one fact name or field"),
        ("", "empty expression"),
        ("(days > 3", "expected ')'"),
        ("__import__('os')", "unknown function '__import__'"),
    ],
)
def test_rejects_with_a_clear_message(source: str, message: str) -> None:
    with pytest.raises(ExprError, match=None) as caught:
        compile_expr(source, SCOPE)
    assert message in str(caught.value)
    assert "column" in str(caught.value)


def test_expected_type_is_enforced() -> None:
    with pytest.raises(ExprError, match="expected a bool expression"):
        compile_expr("days + 1", SCOPE, expect=BOOL)
    assert compile_expr("days + 1", SCOPE, expect=MONEY).type == INT


def test_reports_what_it_reads() -> None:
    compiled = compile_expr("days > window[tier] and total > limit", SCOPE)
    assert compiled.facts == {"days", "tier", "total"}
    assert compiled.params == {"window", "limit"}


def test_nesting_python_can_compile_works() -> None:
    source = "(1 if final else " * 40 + "2" + ")" * 40
    assert compile_expr(source, SCOPE)(ENV) == 2


@pytest.mark.parametrize("depth", [120, 400])
def test_nesting_beyond_what_python_compiles_is_an_error_not_a_crash(depth: int) -> None:
    source = "(1 if final else " * depth + "2" + ")" * depth
    with pytest.raises(ExprError, match="nested too deeply"):
        compile_expr(source, SCOPE)


def test_tokenizing_a_long_expression_takes_linear_time() -> None:
    """A candidate policy can come from the console's form (hundreds of kB): tokenizing once
    sliced the rest of the text at every token, about 3 s for this one."""
    source = "a or " * 80_000 + "a"
    start = time.perf_counter()
    tokens = tokenize(source)
    assert len(tokens) == 160_002
    assert time.perf_counter() - start < 2.0
