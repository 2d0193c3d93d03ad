"""Figures the verdict does not give: every money amount, percentage, date and timeframe in a
draft must be one the verdict or the request's own facts give (see ``allowed``), so a model
can neither invent a goodwill amount nor promise a faster refund than the policy states."""

from __future__ import annotations

from collections.abc import Iterator

from drafter.guard.allowed import Allowed
from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.numbers import Figure
from drafter.guard.text import Text
from drafter.schemas import Violation

__all__ = ["check_figures"]


def _allowed(figure: Figure, allowed: Allowed) -> bool:
    if figure.kind == "money":
        return allowed.has_money(figure.values[0], figure.currencies)
    if figure.kind == "percent":
        return allowed.has_percent(figure.values[0])
    if figure.kind == "timeframe":
        return all(allowed.has_span(value, figure.unit) for value in figure.values)
    return any(allowed.has_date(parts) for parts in figure.dates)


_CODES = {
    "money": (Code.UNSUPPORTED_AMOUNT, "an amount"),
    "percent": (Code.UNSUPPORTED_PERCENT, "a percentage"),
    "date": (Code.UNSUPPORTED_DATE, "a date"),
    "timeframe": (Code.UNSUPPORTED_TIMEFRAME, "a timeframe"),
}


def check_figures(ctx: Context, text: Text) -> Iterator[Violation]:
    """Violations for each figure in ``text`` that neither the verdict nor the request gives."""
    for figure in text.figures:
        if not _allowed(figure, ctx.allowed):
            code, what = _CODES[figure.kind]
            message = f"states {what} that the verdict and the request do not give"
            yield violation(code, message, text, figure.start, figure.end)
