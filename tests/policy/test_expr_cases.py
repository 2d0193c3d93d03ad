"""The expression language over a case's parts: records and lists, times and durations,
tables keyed by several enums, unlimited values and named conditions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from drafter.policy.expr import ExprError, Scope, Table, add_months, compile_expr
from drafter.policy.types import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INT,
    MISSING,
    MONEY,
    STR,
    UNLIMITED,
    EnumType,
    ListType,
    Months,
    RecordType,
    Value,
)

UTC = dt.UTC
CABIN = EnumType(frozenset({"economy", "business"}))
MEMBERSHIP = EnumType(frozenset({"none", "gold"}))
CODES = ListType(STR)
SEGMENT = RecordType((("flown", BOOL), ("fare", MONEY), ("departs", DATETIME), ("cabin", CABIN)))
BOOKING = RecordType(
    (
        ("check_in", DATETIME),
        ("booked_on", DATE),
        ("nights", INT),
        ("segments", ListType(SEGMENT)),
        ("codes", CODES),
    )
)
SCOPE = Scope(
    facts={
        "booking": BOOKING,
        "as_of": DATETIME,
        "today": DATE,
        "cabin": CABIN,
        "membership": MEMBERSHIP,
        "passengers": INT,
    },
    params={
        "bags": Table(
            INT,
            (MEMBERSHIP, CABIN),
            {
                ("none", "economy"): 1,
                ("none", "business"): 2,
                ("gold", "economy"): 3,
                ("gold", "business"): UNLIMITED,
            },
        ),
        "change_cap": (MONEY, UNLIMITED),
        "free_window": (DURATION, dt.timedelta(hours=24)),
    },
)


def _segment(flown: Value, fare: str, hour: int) -> dict[str, Value]:
    departs = dt.datetime(2026, 12, 10, hour, tzinfo=UTC)
    return {"flown": flown, "fare": Decimal(fare), "departs": departs, "cabin": "economy"}


def _env(**changes: Value) -> dict[str, Value]:
    booking: dict[str, Value] = {
        "check_in": dt.datetime(2026, 12, 3, 15, tzinfo=UTC),
        "booked_on": dt.date(2026, 11, 30),
        "nights": 3,
        "segments": [_segment(True, "120.00", 8), _segment(False, "80.50", 18)],
        "codes": ("A1", "B2"),
    }
    env: dict[str, Value] = {
        "booking": booking,
        "as_of": dt.datetime(2026, 12, 2, 9, tzinfo=UTC),
        "today": dt.date(2026, 12, 2),
        "cabin": "business",
        "membership": "gold",
        "passengers": 2,
    }
    for key, value in changes.items():
        if key in booking:
            booking[key] = value
        else:
            env[key] = value
    return env


def run(source: str, **changes: Value) -> Value:
    return compile_expr(source, SCOPE)(_env(**changes))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("booking.nights * 2", 6),
        ("any(s.flown for s in booking.segments)", True),
        ("all(s.flown for s in booking.segments)", False),
        ("count(booking.segments)", 2),
        ("count(s for s in booking.segments if not s.flown)", 1),
        ("sum(s.fare for s in booking.segments)", Decimal("200.50")),
        ("sum(s.fare for s in booking.segments if not s.flown)", Decimal("80.50")),
        ("min(s.fare for s in booking.segments)", Decimal("120.00") - Decimal("39.50")),
        ("max(s.departs for s in booking.segments)", dt.datetime(2026, 12, 10, 18, tzinfo=UTC)),
        ("sum(s.fare for s in booking.segments if s.fare > 1000)", 0),
        ("min(s.fare for s in booking.segments if s.fare > 1000)", MISSING),
        ("all(s.flown for s in booking.segments if s.fare > 100)", True),
        ("100 * passengers", 200),
        # Times and durations
        ("booking.check_in - as_of", dt.timedelta(hours=30)),
        ("booking.check_in - as_of >= 24 hours", True),
        ("booking.check_in - as_of >= free_window + 7 hours", False),
        ("as_of + 2 days > booking.check_in", True),
        ("today - booking.booked_on <= 2 days", True),
        ("days_between(booking.booked_on, today)", 2),
        ("hours_between(as_of, booking.check_in)", Decimal(30)),
        ("hours_between(booking.check_in, as_of)", Decimal(-30)),
        ("months_between(booking.booked_on, today + 3 months)", 3),
        ("months_between(today, booking.booked_on)", 0),
        ("date(booking.check_in) == today + 1 day", True),
        ("booking.booked_on + 1 month", dt.date(2026, 12, 30)),
        ("today + 2 * 1 month", dt.date(2027, 2, 2)),
        ("(booking.check_in - as_of) / 1 hour", Decimal(30)),
        ("(booking.check_in - as_of) * 2 > 2 days", True),
        ("-1 day < 0 days", True),
        ("min(as_of, booking.check_in) == as_of", True),
        # Membership in a list of the case, and conditional values with an explicit unknown
        ("'A1' in booking.codes", True),
        ("'C3' not in booking.codes", True),
        ("booking.nights * 2 if passengers > 1 else 0", 6),
        ("booking.nights if passengers > 5 else unknown", MISSING),
        (
            "unknown if count(booking.segments) == 0 else sum(s.fare for s in booking.segments)",
            Decimal("200.50"),
        ),
        # Tables keyed by several enums, and unlimited values
        ("bags[membership, cabin]", UNLIMITED),
        ("bags['none', cabin]", 2),
        ("passengers <= bags[membership, cabin]", True),
        ("min(bags[membership, cabin], 5)", 5),
        ("change_cap > 1000000", True),
    ],
)
def test_evaluates(source: str, expected: Value) -> None:
    assert run(source) == expected


@pytest.mark.parametrize(
    ("source", "changes", "expected"),
    [
        # One true decides "any"; otherwise an unknown leaves it unknown (never "none").
        ("any(s.flown for s in booking.segments)", {"segments": [{"flown": None}]}, MISSING),
        (
            "any(s.flown for s in booking.segments)",
            {"segments": [{"flown": None}, {"flown": True}]},
            True,
        ),
        ("all(s.flown for s in booking.segments)", {"segments": []}, True),
        (
            "all(s.flown for s in booking.segments)",
            {"segments": [{"flown": None}, {"flown": False}]},
            False,
        ),
        ("any(s.flown for s in booking.segments)", {"segments": MISSING}, MISSING),
        ("count(booking.segments)", {"segments": MISSING}, MISSING),
        # A sum or count with a hole in it is unknown.
        ("sum(s.fare for s in booking.segments)", {"segments": [{"fare": None}]}, MISSING),
        (
            "count(s for s in booking.segments if s.flown)",
            {"segments": [{"flown": True}, {"flown": None}]},
            MISSING,
        ),
        # A filter that rules an element out makes its unknown body irrelevant.
        (
            "sum(s.fare for s in booking.segments if s.flown)",
            {"segments": [{"flown": False, "fare": None}, {"flown": True, "fare": Decimal(5)}]},
            Decimal(5),
        ),
        ("booking.check_in - as_of", {"check_in": MISSING}, MISSING),
        ("booking.nights", {"booking": MISSING}, MISSING),
        ("known(booking.check_in)", {"check_in": None}, False),
        ("bags[membership, cabin]", {"cabin": MISSING}, MISSING),
        # Arithmetic that overflows the calendar is unknown, not a crash.
        ("booking.booked_on + 5000000 days", {}, MISSING),
    ],
)
def test_three_valued(source: str, changes: dict[str, Value], expected: Value) -> None:
    assert run(source, **changes) == expected or run(source, **changes) is expected


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 15), 14, dt.date(2028, 1, 15)),
        (dt.date(2026, 1, 15), -13, dt.date(2024, 12, 15)),
    ],
)
def test_calendar_months_keep_the_day_or_take_the_last(
    moment: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(moment, Months(months)) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("booking.rooms", "no field 'rooms' here"),
        ("booking.nigths", "did you mean 'nights'?"),
        ("cabin.class", "needs a record but found enum"),
        ("any(s for s in passengers)", "'for' needs a list but found int"),
        ("any(s.fare for s in booking.segments)", "any() needs a bool but found money"),
        ("sum(s.flown for s in booking.segments)", "sum() needs numbers or durations"),
        ("any(cabin for cabin in booking.segments)", "'cabin' is already a name here"),
        ("any(s.flown for s in booking.segments if s.fare)", "'if' needs a bool"),
        ("concat(s.flown for s in booking.segments)", "not a list function"),
        ("any(booking.segments)", "any() reads a list"),
        ("count(passengers)", "count() needs a list"),
        ("as_of > today", "cannot compare datetime with date"),
        ("as_of - today", "cannot apply '-' to datetime and date"),
        ("today + 3", "cannot apply '+' to date and int"),
        ("as_of > 3", "cannot compare datetime with int"),
        ("1 month > 30 days", "cannot compare months with duration"),
        ("1.5 months", "months must be a whole number"),
        ("booking.check_in + booking.check_in", "cannot apply '+' to datetime and datetime"),
        ("hours_between(today, today)", "hours_between() needs datetimes"),
        ("days_between(today, as_of)", "needs two dates but found datetime"),
        ("bags[cabin]", "'bags' takes 2 key(s), not 1"),
        ("bags[cabin, membership]", "does not fit"),
        ("bags", "index it, as in bags['none', 'economy']"),
        ("booking.segments == booking.segments", "cannot compare list"),
        ("booking.", "expected a field name after '.'"),
        ("unknown", "'unknown' is only a branch"),
        ("1 if passengers else 2", "'if' needs a bool"),
        ("1 if passengers > 1 else 'x'", "both branches must be one type"),
        ("1 if passengers > 1", "expected 'else'"),
        ("passengers in booking.codes", "cannot compare int with str"),
    ],
)
def test_rejects_with_a_clear_message(source: str, message: str) -> None:
    with pytest.raises(ExprError) as caught:
        compile_expr(source, SCOPE)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("source", "unbounded"),
    [
        ("bags[membership, cabin]", True),
        ("min(bags[membership, cabin], 5)", False),
        ("max(bags[membership, cabin], 5)", True),
        ("change_cap * 2", True),
        ("100 - change_cap", False),
        ("booking.nights", False),
    ],
)
def test_knows_what_an_unlimited_value_can_reach(source: str, unbounded: bool) -> None:
    assert compile_expr(source, SCOPE).unbounded is unbounded


def test_named_conditions_are_used_by_name_and_read_their_facts() -> None:
    late = compile_expr("booking.check_in - as_of < free_window", SCOPE, expect=BOOL)
    scope = Scope(SCOPE.facts, SCOPE.params, {"late_cancel": late})
    rule = compile_expr("late_cancel and passengers > 1", scope)
    assert rule.facts == {"booking", "as_of", "passengers"}
    assert rule.conditions == {"late_cancel"}
    assert rule(_env()) is False
    assert rule(_env(as_of=dt.datetime(2026, 12, 3, 0, tzinfo=UTC))) is True


def test_types_of_results() -> None:
    assert compile_expr("booking.check_in - as_of", SCOPE).type == DURATION
    assert compile_expr("today + 1 month", SCOPE).type == DATE
    assert compile_expr("hours_between(as_of, as_of)", SCOPE).type == DECIMAL
    assert compile_expr("count(booking.segments)", SCOPE).type == INT
    assert compile_expr("sum(s.fare for s in booking.segments)", SCOPE, expect=MONEY).type == MONEY


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("any(s.flown for s in booking.segments) and count(booking.codes) == 2", True),
        # Nested loops, the outer one reading its own element after the inner one ran.
        (
            "all(any(t.fare > s.fare for t in booking.segments) or s.fare > 100 "
            "for s in booking.segments if s.flown)",
            True,
        ),
        ("sum(count(t for t in booking.segments if t.flown) for s in booking.segments)", 2),
    ],
)
def test_a_loop_binds_its_variable_for_its_body_only(source: str, expected: Value) -> None:
    """Loops bind their variable in the environment itself (no copy per loop): it is taken
    away again after the loop, whatever the body did."""
    env = _env()
    before = dict(env)
    assert compile_expr(source, SCOPE)(env) == expected
    assert env == before
