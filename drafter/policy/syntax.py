"""The expression language's syntax: tokens, syntax tree, and a recursive-descent parser.

The grammar is in ``expr``, which type-checks and compiles what this module parses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from drafter.policy.types import Months

__all__ = [
    "UNITS",
    "Attribute",
    "Binary",
    "Call",
    "Comprehension",
    "Conditional",
    "ExprError",
    "Index",
    "ListOf",
    "Literal",
    "Name",
    "Node",
    "Parser",
    "Token",
    "Unary",
    "Unknown",
    "parse_duration",
    "tokenize",
]


class ExprError(ValueError):
    """A syntax or type error at ``column`` (1-based) of the expression."""

    def __init__(self, message: str, column: int) -> None:
        self.column = column
        super().__init__(f"{message} (column {column})")


# --- tokens ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?)
    | (?P<string>'[^'\\]*'|"[^"\\]*")
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>==|!=|<=|>=|[-+*/<>()\[\],.])
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "for", "if", "else", "unknown"}

# A number followed by one of these is a length of time: ``24 hours``, ``3 months``.
UNITS: dict[str, str] = {
    "minute": "minutes",
    "minutes": "minutes",
    "hour": "hours",
    "hours": "hours",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    column: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while True:
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup is None:
            rest = source[position:]  # once, at the end or at an error: linear overall
            if rest.strip() == "":
                break
            column = len(source) - len(rest.lstrip()) + 1
            raise ExprError(f"unexpected character {source[column - 1]!r}", column)
        kind = match.lastgroup
        text, column = match.group(kind), match.start(kind) + 1
        if kind == "name" and text in _KEYWORDS:
            kind = "keyword"
        tokens.append(Token(kind, text, column))
        position = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


# --- syntax tree -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    column: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: bool | int | Decimal | str | dt.timedelta | Months


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Attribute(Node):
    """A field of a record: ``booking.check_in``."""

    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    """A parameter table's entry: ``bags[membership, cabin]``."""

    target: Node
    keys: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Comprehension(Node):
    """``any(s.flown for s in segments if s.paid)``: ``function`` over the elements of
    ``source``, each bound to ``variable``, that pass ``condition``."""

    function: str
    body: Node
    variable: str
    source: Node
    condition: Node | None


@dataclass(frozen=True, slots=True)
class ListOf(Node):
    items: tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class Unknown(Node):
    """``unknown``: no value, in a branch of a conditional (a fact that cannot be told)."""


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """``then if condition else otherwise``."""

    then: Node
    condition: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


class Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.position = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def take(self) -> Token:
        token = self.token
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        if self.token.text == text and self.token.kind in ("op", "keyword"):
            self.position += 1
            return True
        return False

    def expect(self, text: str) -> Token:
        if self.token.text != text:
            found = self.token.text or "end of expression"
            raise ExprError(f"expected '{text}' but found '{found}'", self.token.column)
        return self.take()

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExprError("empty expression", 1)
        node = self.parse_conditional()
        if self.token.kind != "end":
            raise ExprError(f"unexpected '{self.token.text}'", self.token.column)
        return node

    def parse_conditional(self) -> Node:
        node = self.parse_or()
        if self.token.text == "if" and self.token.kind == "keyword":
            column = self.take().column
            condition = self.parse_or()
            self.expect("else")
            return Conditional(column, node, condition, self.parse_conditional())
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.token.text == "or":
            column = self.take().column
            node = Binary(column, "or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.token.text == "and":
            column = self.take().column
            node = Binary(column, "and", node, self.parse_not())
        return node

    def parse_not(self) -> Node:
        if self.token.text == "not" and self.token.kind == "keyword":
            column = self.take().column
            return Unary(column, "not", self.parse_not())
        return self.parse_compare()

    def parse_compare(self) -> Node:
        node = self.parse_sum()
        column = self.token.column
        for op in ("==", "!=", "<=", ">=", "<", ">", "in"):
            if self.accept(op):
                return Binary(column, op, node, self.parse_sum())
        if self.token.text == "not" and self.tokens[self.position + 1].text == "in":
            self.position += 2
            return Binary(column, "not in", node, self.parse_sum())
        return node

    def parse_sum(self) -> Node:
        node = self.parse_product()
        while self.token.text in ("+", "-") and self.token.kind == "op":
            token = self.take()
            node = Binary(token.column, token.text, node, self.parse_product())
        return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        while self.token.text in ("*", "/") and self.token.kind == "op":
            token = self.take()
            node = Binary(token.column, token.text, node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        if self.token.text == "-" and self.token.kind == "op":
            column = self.take().column
            return Unary(column, "-", self.parse_unary())
        node = self.parse_atom()
        while True:
            if self.accept("["):
                keys = [self.parse_or()]
                while self.accept(","):
                    keys.append(self.parse_or())
                self.expect("]")
                node = Index(node.column, node, tuple(keys))
            elif self.accept("."):
                field = self.take()
                if field.kind != "name":
                    raise ExprError("expected a field name after '.'", field.column)
                node = Attribute(node.column, node, field.text)
            else:
                return node

    def parse_atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            value = Decimal(token.text) if "." in token.text else int(token.text)
            if self.token.kind == "name" and self.token.text in UNITS:
                return Literal(token.column, duration(value, UNITS[self.take().text], token))
            return Literal(token.column, value)
        if token.kind == "string":
            return Literal(token.column, token.text[1:-1])
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Literal(token.column, token.text == "true")
        if token.kind == "keyword" and token.text == "unknown":
            return Unknown(token.column)
        if token.kind == "name":
            if self.accept("("):
                return self.parse_call(token)
            return Name(token.column, token.text)
        if token.text == "(":
            node = self.parse_conditional()
            self.expect(")")
            return node
        if token.text == "[":
            return self.parse_list(token.column)
        found = token.text or "end of expression"
        raise ExprError(f"unexpected '{found}'", token.column)

    def parse_call(self, name: Token) -> Call | Comprehension:
        args: list[Node] = []
        if self.accept(")"):
            return Call(name.column, name.text, ())
        args.append(self.parse_or())
        if self.accept("for"):
            variable = self.take()
            if variable.kind != "name":
                raise ExprError("expected a name after 'for'", variable.column)
            self.expect("in")
            source = self.parse_sum()
            condition = self.parse_or() if self.accept("if") else None
            self.expect(")")
            return Comprehension(name.column, name.text, args[0], variable.text, source, condition)
        while self.accept(","):
            args.append(self.parse_or())
        self.expect(")")
        return Call(name.column, name.text, tuple(args))

    def parse_list(self, column: int) -> ListOf:
        items: list[Literal] = []
        while not self.accept("]"):
            if items:
                self.expect(",")
            item = self.parse_atom()
            if not isinstance(item, Literal):
                raise ExprError("lists may hold only literal values", item.column)
            items.append(item)
        return ListOf(column, tuple(items))


def parse_duration(text: str) -> dt.timedelta | None:
    """``24 hours`` as written in a policy or a request, or None when it is not one."""
    try:
        node = Parser(text).parse()
    except ExprError:
        return None
    if isinstance(node, Literal) and isinstance(node.value, dt.timedelta):
        return node.value
    return None


def duration(number: int | Decimal, unit: str, token: Token) -> dt.timedelta | Months:
    """``24 hours`` as a timedelta; ``3 months`` as calendar months (whole ones only)."""
    if unit == "months":
        if not isinstance(number, int):
            raise ExprError("months must be a whole number", token.column)
        return Months(number)
    return dt.timedelta(**{unit: float(number) if isinstance(number, Decimal) else number})
