"""The types of the policy expression language.

There are five scalar types and closed enums. ``money`` is a Decimal in the policy's currency;
``decimal`` is a plain number such as a rate. A fact whose value is unknown is ``MISSING``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

__all__ = [
    "BOOL",
    "DECIMAL",
    "INT",
    "MISSING",
    "MONEY",
    "STR",
    "EnumType",
    "Missing",
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


Type = Scalar | EnumType

BOOL: Final = Scalar("bool")
INT: Final = Scalar("int")
DECIMAL: Final = Scalar("decimal")
MONEY: Final = Scalar("money")
STR: Final = Scalar("str")
NUMERIC: Final = frozenset({INT, DECIMAL, MONEY})

_BY_NAME: Final = {t.name: t for t in (BOOL, INT, DECIMAL, MONEY, STR)}


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

Value = bool | int | Decimal | str | Missing


def parse_type(name: str) -> Scalar:
    """Scalar type by name; raises ``KeyError`` for unknown names."""
    return _BY_NAME[name]
