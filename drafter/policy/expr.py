"""A small, safe, typed expression language for policy conditions and amounts.

Source text is tokenized and parsed by recursive descent (``syntax``), type-checked against a
``Scope`` and compiled to nested Python closures; a literal or parameter operand is captured as
a constant, so the closures a condition runs are as few as its facts and operators. Nothing is
ever passed to ``eval``. Evaluation is three-valued: a missing fact yields ``MISSING``, which
propagates through arithmetic and comparisons, while ``false and x`` and ``true or x``
short-circuit as usual.

Grammar (lowest precedence first)::

    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | postfix
    postfix := atom ("[" or "]")?
    atom    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" args ")" | "(" or ")"
             | "[" literals "]"
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from drafter.policy.syntax import (
    Binary,
    Call,
    ExprError,
    Index,
    ListOf,
    Literal,
    Name,
    Node,
    Parser,
    Unary,
    tokenize,
)
from drafter.policy.types import (
    BOOL,
    DECIMAL,
    INT,
    MISSING,
    MONEY,
    NUMERIC,
    STR,
    EnumType,
    Type,
    Value,
)

__all__ = ["Compiled", "ExprError", "Scope", "Table", "compile_expr", "tokenize"]

Env = Mapping[str, Value]
Fn = Callable[[Env], Value]


@dataclass(frozen=True, slots=True)
class Table:
    """A parameter keyed by the values of an enum: ``return_window_days[tier]``."""

    value_type: Type
    key_type: EnumType
    values: Mapping[str, Value]


@dataclass(frozen=True)
class Scope:
    """What names mean: facts (read at evaluation) and parameters (constants)."""

    facts: Mapping[str, Type]
    params: Mapping[str, tuple[Type, Value] | Table] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Compiled:
    source: str
    type: Type
    fn: Fn
    facts: frozenset[str]
    params: frozenset[str]
    names: tuple[str, ...] = ()  # the facts, sorted: the order a trace shows them in
    # The shown values of ``names`` from a mapping of them: the key a trace step is kept by.
    pick: Callable[[Mapping[str, str | None]], object] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        pick = operator.itemgetter(*self.names) if self.names else _nothing
        object.__setattr__(self, "pick", pick)

    def __call__(self, env: Env) -> Value:
        return self.fn(env)


def _nothing(_: object) -> tuple[()]:
    return ()


# --- type checking and compilation -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Typed:
    type: Type
    fn: Fn
    facts: frozenset[str]
    params: frozenset[str]
    # The value, when it is a literal or a parameter: operators then skip calling ``fn``.
    constant: object = field(default=None, compare=False)
    is_constant: bool = False
    # The fact's name, when the node is a bare fact: operators then read it from the facts
    # directly rather than calling ``fn``.
    fact: str | None = None


def compile_expr(source: str, scope: Scope, *, expect: Type | None = None) -> Compiled:
    """Parse, type-check and compile ``source``; raise ``ExprError`` on any problem.

    ``expect`` demands a result type (money accepts int and decimal results too).
    """
    typed = Compiler(scope).visit(Parser(str(source)).parse())
    if expect is not None and not _assignable(typed.type, expect):
        raise ExprError(f"expected a {expect} expression but this is {typed.type}", 1)
    return Compiled(
        str(source), typed.type, typed.fn, typed.facts, typed.params, tuple(sorted(typed.facts))
    )


def _assignable(actual: Type, wanted: Type) -> bool:
    if actual == wanted:
        return True
    return wanted in (MONEY, DECIMAL) and actual in NUMERIC


def _literal_type(value: bool | int | Decimal | str) -> Type:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, Decimal):
        return DECIMAL
    return STR


def _const(value: Value) -> Fn:
    return lambda env: value


class Compiler:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def visit(self, node: Node) -> Typed:
        if isinstance(node, Literal):
            kind = _literal_type(node.value)
            return Typed(kind, _const(node.value), frozenset(), frozenset(), node.value, True)
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Index):
            return self.index(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        raise ExprError("a list is only allowed after 'in'", node.column)

    def name(self, node: Name) -> Typed:
        if node.name in self.scope.facts:
            getter: Fn = operator.itemgetter(node.name)
            kind, facts = self.scope.facts[node.name], frozenset({node.name})
            return Typed(kind, getter, facts, frozenset(), fact=node.name)
        param = self.scope.params.get(node.name)
        if isinstance(param, Table):
            raise ExprError(
                f"'{node.name}' is a table; index it, as in "
                f"{node.name}[{next(iter(param.values))!r}]",
                node.column,
            )
        if param is not None:
            kind, value = param
            return Typed(kind, _const(value), frozenset(), frozenset({node.name}), value, True)
        raise ExprError(f"unknown name '{node.name}'{self.suggest(node.name)}", node.column)

    def suggest(self, name: str) -> str:
        import difflib

        known = [*self.scope.facts, *self.scope.params]
        close = difflib.get_close_matches(name, known, n=1)
        return f" (did you mean '{close[0]}'?)" if close else ""

    def index(self, node: Index) -> Typed:
        if not isinstance(node.target, Name) or not isinstance(
            self.scope.params.get(node.target.name), Table
        ):
            raise ExprError("only a parameter table can be indexed", node.column)
        table = self.scope.params[node.target.name]
        assert isinstance(table, Table)
        key = self.visit(node.key)
        self.check_enum_operand(table.key_type, key, node.key)
        values = dict(table.values)
        key_fn = key.fn

        def lookup(env: Env) -> Value:
            k = key_fn(env)
            return MISSING if k is MISSING else values[str(k)]

        params = key.params | {node.target.name}
        return Typed(table.value_type, lookup, key.facts, params)

    def check_enum_operand(self, enum: EnumType, operand: Typed, node: Node) -> None:
        if isinstance(operand.type, EnumType):
            if not operand.type.values <= enum.values:
                raise ExprError(f"{operand.type} does not fit {enum}", node.column)
        elif isinstance(node, Literal) and isinstance(node.value, str):
            self.check_member(enum, node.value, node.column)
        else:
            raise ExprError(f"expected {enum} but found {operand.type}", node.column)

    @staticmethod
    def check_member(enum: EnumType, value: str, column: int) -> None:
        if value not in enum.values:
            raise ExprError(
                f"'{value}' can never match; expected one of {', '.join(sorted(enum.values))}",
                column,
            )

    def call(self, node: Call) -> Typed:
        if node.function == "known":
            if len(node.args) != 1 or not isinstance(node.args[0], Name):
                raise ExprError("known() takes one fact name", node.column)
            inner = self.visit(node.args[0])
            getter = inner.fn
            return Typed(BOOL, lambda env: getter(env) is not MISSING, inner.facts, inner.params)
        if node.function in ("min", "max"):
            return self.min_max(node)
        raise ExprError(f"unknown function '{node.function}'; use min, max or known", node.column)

    def min_max(self, node: Call) -> Typed:
        if len(node.args) < 2:
            raise ExprError(f"{node.function}() takes at least two arguments", node.column)
        args = [self.visit(arg) for arg in node.args]
        result_type = args[0].type
        for arg, arg_node in zip(args, node.args, strict=True):
            self.need_numeric(arg, arg_node)
            result_type = _promote(result_type, arg.type)
        fns = [arg.fn for arg in args]
        pick = min if node.function == "min" else max

        def fn(env: Env) -> Value:
            values = [f(env) for f in fns]
            if any(v is MISSING for v in values):
                return MISSING
            return pick(values)  # type: ignore[type-var]

        return Typed(result_type, fn, _union_facts(args), _union_params(args))

    @staticmethod
    def need_numeric(operand: Typed, node: Node) -> None:
        if operand.type not in NUMERIC:
            raise ExprError(f"expected a number but found {operand.type}", node.column)

    def unary(self, node: Unary) -> Typed:
        operand = self.visit(node.operand)
        inner = operand.fn
        if node.op == "not":
            if operand.type != BOOL:
                raise ExprError(f"'not' needs a bool but found {operand.type}", node.column)

            def negate(env: Env) -> Value:
                value = inner(env)
                return MISSING if value is MISSING else not value

            return Typed(BOOL, negate, operand.facts, operand.params)
        self.need_numeric(operand, node.operand)

        def minus(env: Env) -> Value:
            value = inner(env)
            return MISSING if value is MISSING else -value  # type: ignore[operator]

        return Typed(operand.type, minus, operand.facts, operand.params)

    def binary(self, node: Binary) -> Typed:
        if node.op in ("and", "or"):
            return self.logic(node)
        if node.op in ("in", "not in"):
            return self.membership(node)
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op in ("+", "-", "*", "/"):
            return self.arithmetic(node, left, right)
        return self.comparison(node, left, right)

    def logic(self, node: Binary) -> Typed:
        left, right = self.visit(node.left), self.visit(node.right)
        for operand, side in ((left, node.left), (right, node.right)):
            if operand.type != BOOL:
                raise ExprError(
                    f"'{node.op}' needs bool operands but found {operand.type}", side.column
                )
        fn = _and(left.fn, right.fn) if node.op == "and" else _or(left.fn, right.fn)
        return Typed(BOOL, fn, left.facts | right.facts, left.params | right.params)

    def membership(self, node: Binary) -> Typed:
        left = self.visit(node.left)
        if not isinstance(node.right, ListOf):
            raise ExprError(f"'{node.op}' needs a list such as ['a', 'b']", node.right.column)
        for item in node.right.items:
            self.check_comparable(left, node.left, item)
        choices = frozenset(item.value for item in node.right.items)
        negated = node.op == "not in"
        fn = _member_of(left, choices, negated=negated)
        return Typed(BOOL, fn, left.facts, left.params)

    def check_comparable(self, left: Typed, left_node: Node, right_node: Node) -> None:
        right = self.visit(right_node)
        if isinstance(left.type, EnumType):
            self.check_enum_operand(left.type, right, right_node)
        elif isinstance(right.type, EnumType):
            self.check_enum_operand(right.type, left, left_node)
        elif left.type in NUMERIC and right.type in NUMERIC:
            return
        elif left.type != right.type:
            raise ExprError(f"cannot compare {left.type} with {right.type}", right_node.column)

    def comparison(self, node: Binary, left: Typed, right: Typed) -> Typed:
        self.check_comparable(left, node.left, node.right)
        if node.op not in ("==", "!=") and (left.type not in NUMERIC):
            raise ExprError(f"'{node.op}' needs numbers but found {left.type}", node.column)
        fn = _binary(_COMPARE[node.op], left, right, guarded=False)
        return Typed(BOOL, fn, left.facts | right.facts, left.params | right.params)

    def arithmetic(self, node: Binary, left: Typed, right: Typed) -> Typed:
        self.need_numeric(left, node.left)
        self.need_numeric(right, node.right)
        result = _arithmetic_type(node.op, left.type, right.type)
        if result is None:
            raise ExprError(
                f"cannot apply '{node.op}' to {left.type} and {right.type}", node.column
            )
        fn = _binary(_ARITHMETIC[node.op], left, right, guarded=True)
        return Typed(result, fn, left.facts | right.facts, left.params | right.params)


_FAILED = (ZeroDivisionError, DivisionByZero, InvalidOperation)


def _binary(op: Callable[[Any, Any], Value], left: Typed, right: Typed, *, guarded: bool) -> Fn:
    """``op`` of both sides; MISSING if either is, or (``guarded``) if the arithmetic fails.

    A constant right side, the usual case (``days_since_delivery <= return_window``), is
    captured rather than called for, since conditions run on every evaluation.
    """
    if right.is_constant and right.constant is not MISSING:
        if left.fact is not None and not guarded:
            return _fact_against(op, left.fact, right.constant)
        return _with_constant(op, left.fn, right.constant, guarded=guarded)
    lf, rf = left.fn, right.fn

    def fn(env: Env) -> Value:
        a, b = lf(env), rf(env)
        if a is MISSING or b is MISSING:
            return MISSING
        if not guarded:
            return op(a, b)
        try:
            return op(a, b)
        except _FAILED:
            return MISSING

    return fn


def _with_constant(op: Callable[[Any, Any], Value], lf: Fn, b: object, *, guarded: bool) -> Fn:
    def fn(env: Env) -> Value:
        a = lf(env)
        if a is MISSING:
            return MISSING
        if not guarded:
            return op(a, b)
        try:
            return op(a, b)
        except _FAILED:
            return MISSING

    return fn


def _fact_against(op: Callable[[Any, Any], Value], name: str, b: object) -> Fn:
    """``op`` of a fact and a constant, the commonest condition (``reason == 'defective'``)."""

    def fn(env: Env) -> Value:
        a = env[name]
        return MISSING if a is MISSING else op(a, b)

    return fn


def _member_of(operand: Typed, choices: frozenset[object], *, negated: bool) -> Fn:
    """Whether ``operand`` is (or, ``negated``, is not) one of ``choices``."""
    if operand.fact is not None:
        name = operand.fact

        def of_fact(env: Env) -> Value:
            value = env[name]
            return MISSING if value is MISSING else (value in choices) != negated

        return of_fact
    inner = operand.fn

    def fn(env: Env) -> Value:
        value = inner(env)
        return MISSING if value is MISSING else (value in choices) != negated

    return fn


def _divide(a: Value, b: Value) -> Value:
    return Decimal(a) / Decimal(b)  # type: ignore[arg-type]


_ARITHMETIC: dict[str, Callable[[Value, Value], Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _promote(a: Type, b: Type) -> Type:
    if MONEY in (a, b):
        return MONEY
    if DECIMAL in (a, b):
        return DECIMAL
    return INT


def _arithmetic_type(op: str, a: Type, b: Type) -> Type | None:
    money = (a == MONEY, b == MONEY)
    if op in ("+", "-"):
        return _promote(a, b)
    if op == "*":
        return None if all(money) else _promote(a, b)
    if money == (True, True):
        return DECIMAL
    if money == (False, True):
        return None
    return MONEY if money[0] else DECIMAL


def _and(left: Fn, right: Fn) -> Fn:
    def fn(env: Env) -> Value:
        a = left(env)
        if a is False:
            return False
        b = right(env)
        if b is False:
            return False
        return MISSING if (a is MISSING or b is MISSING) else True

    return fn


def _or(left: Fn, right: Fn) -> Fn:
    def fn(env: Env) -> Value:
        a = left(env)
        if a is True:
            return True
        b = right(env)
        if b is True:
            return True
        return MISSING if (a is MISSING or b is MISSING) else False

    return fn


def _union_facts(parts: list[Typed]) -> frozenset[str]:
    return frozenset().union(*(p.facts for p in parts))


def _union_params(parts: list[Typed]) -> frozenset[str]:
    return frozenset().union(*(p.params for p in parts))
