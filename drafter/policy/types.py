"""The types of the policy expression language.

Scalars: ``bool``, ``int``, ``decimal`` (a plain number such as a rate), ``money`` (a Decimal in
the policy's currency), ``str``, ``date``, ``datetime`` (always with a time zone), ``duration``
(a fixed length of time: minutes, hours, days, weeks) and ``months`` (a number of calendar
months, whose length depends on where it is added, so it only moves a date). Enums are closed
sets of strings. A case's parts are records of named fields, and lists of them.

A fact whose value is unknown is ``MISSING``. A parameter may be ``UNLIMITED``: a number larger
than any other, which compares and takes ``min`` as expected and is never paid out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "DURATION",
    "INT",
    "MISSING",
    "MONEY",
    "MONTHS",
    "NUMERIC",
    "SCALARS",
    "STR",
    "UNLIMITED",
    "EnumType",
    "ListType",
    "Missing",
    "Months",
    "RecordType",
    "Scalar",
    "Type",
    "Value",
    "parse_type",
]


@dataclass(frozen=True, slots=True)
class Scalar:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class EnumType:
    """A string that must be one of ``values``; comparisons against other strings are errors."""

    values: frozenset[str]

    def __str__(self) -> str:
        return "enum(" + ", ".join(sorted(self.values)) + ")"


@dataclass(frozen=True, slots=True)
class RecordType:
    """A part of a case with named fields (a reservation, one flight segment)."""

    fields: tuple[tuple[str, Type], ...]

    def field(self, name: str) -> Type | None:
        return dict(self.fields).get(name)

    def __str__(self) -> str:
        return "record(" + ", ".join(name for name, _ in self.fields) + ")"


@dataclass(frozen=True, slots=True)
class ListType:
    element: Type

    def __str__(self) -> str:
        return f"list of {self.element}"


Type = Scalar | EnumType | RecordType | ListType

BOOL: Final = Scalar("bool")
INT: Final = Scalar("int")
DECIMAL: Final = Scalar("decimal")
MONEY: Final = Scalar("money")
STR: Final = Scalar("str")
DATE: Final = Scalar("date")
DATETIME: Final = Scalar("datetime")
DURATION: Final = Scalar("duration")
MONTHS: Final = Scalar("months")
NUMERIC: Final = frozenset({INT, DECIMAL, MONEY})

SCALARS: Final = {t.name: t for t in (BOOL, INT, DECIMAL, MONEY, STR, DATE, DATETIME, DURATION)}

# Larger than every number; a parameter table's "unlimited".
UNLIMITED: Final = Decimal("Infinity")


@dataclass(frozen=True, slots=True, order=True)
class Months:
    """A number of calendar months: ``date + 3 months`` lands on the same day of the month,
    or the month's last day when it has no such day."""

    count: int

    def __str__(self) -> str:
        return f"{self.count} month" + ("" if abs(self.count) == 1 else "s")


class Missing:
    """The value of a fact nobody supplied. Falsy, and distinct from every real value."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = Missing()

Value = (
    bool
    | int
    | Decimal
    | str
    | dt.date
    | dt.datetime
    | dt.timedelta
    | Months
    | Mapping[str, "Value"]
    | Sequence["Value"]
    | Missing
)


def parse_type(name: str) -> Scalar:
    """Scalar type by name; raises ``KeyError`` for unknown names."""
    return SCALARS[name]
