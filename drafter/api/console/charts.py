"""Friction over time as inline SVG bar charts, drawn on the server: one small chart per
measure (decisions, declines, edits, rejections, fallbacks), one bar per UTC day. No script and
no chart library: the geometry is worked out here and the template writes the ``<rect>``s."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from drafter.feedback import DayFriction, RuleFriction

__all__ = ["MEASURES", "Bar", "Chart", "charts", "window"]

WIDTH, HEIGHT = 320, 120  # the plot area, in SVG units (the chart scales with the page)
MEASURES = (
    ("decisions", "Decisions"),
    ("declines", "Declines"),
    ("edited", "Edits"),
    ("rejected", "Rejections"),
    ("fallbacks", "Fallbacks"),
)


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: dt.date
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    measure: str
    title: str
    total: int
    peak: int
    bars: list[Bar]
    first: dt.date
    last: dt.date
    width: int = WIDTH
    height: int = HEIGHT


def window(today: dt.date, days: int) -> list[dt.date]:
    """The ``days`` UTC days that end with ``today``, oldest first."""
    return [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _per_day(rules: list[RuleFriction], days: list[dt.date]) -> dict[dt.date, DayFriction]:
    summed = {day: DayFriction() for day in days}
    for rule in rules:
        for day, counts in rule.by_day.items():
            into = summed.get(day)
            if into is None:  # before the window (a row written as the day turned)
                continue
            for measure, _ in MEASURES:
                setattr(into, measure, getattr(into, measure) + getattr(counts, measure))
    return summed


def charts(rules: list[RuleFriction], days: list[dt.date]) -> list[Chart]:
    """One chart per measure over ``days``, summed over ``rules``."""
    summed = _per_day(rules, days)
    slot = WIDTH / len(days)
    gap = min(2.0, slot / 4)
    drawn = []
    for measure, title in MEASURES:
        values = [int(getattr(summed[day], measure)) for day in days]
        peak = max(values, default=0)
        bars = []
        for index, (day, value) in enumerate(zip(days, values, strict=True)):
            height = HEIGHT * value / peak if peak else 0.0
            bars.append(
                Bar(
                    x=round(index * slot + gap / 2, 2),
                    y=round(HEIGHT - height, 2),
                    width=round(slot - gap, 2),
                    height=round(height, 2),
                    day=day,
                    value=value,
                )
            )
        drawn.append(Chart(measure, title, sum(values), peak, bars, days[0], days[-1]))
    return drawn
