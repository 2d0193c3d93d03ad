"""A small, safe, typed expression language for policy conditions and amounts.

Source text is tokenized and parsed by recursive descent (``syntax``), type-checked against a
``Scope`` and compiled to one Python function per expression: the type-checked tree writes
Python source (``_Source``), which Python's own compiler turns into bytecode, as Jinja does with
templates. That source is made only of names the compiler makes up, Python operators and
keywords; the policy's text (names, strings, numbers) never appears in it, as its values are
passed in as constants. Evaluation is three-valued: a missing fact yields ``MISSING``, which
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
    postfix := atom ("[" or ("," or)* "]" | "." NAME)*
    atom    := NUMBER UNIT? | STRING | "true" | "false" | NAME | call | "(" or ")"
             | "[" literals "]"
    call    := NAME "(" (or ("," or)*)? ")"
             | NAME "(" or "for" NAME "in" sum ("if" or)? ")"

A UNIT (``minutes``, ``hours``, ``days``, ``weeks``, ``months``) after a number makes a length
of time. Lists of records are read with ``any``, ``all``, ``count``, ``sum``, ``min`` and
``max`` in the comprehension form: ``any(s.flown for s in booking.segments)``, ``sum(i.price *
i.quantity for i in order.items if i.asked)``. A named condition (``Scope.conditions``) is used
by its name, like a fact.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import difflib
import functools
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from drafter.policy.syntax import (
    Attribute,
    Binary,
    Call,
    Comprehension,
    Conditional,
    ExprError,
    Index,
    ListOf,
    Literal,
    Name,
    Node,
    Parser,
    Unary,
    Unknown,
    tokenize,
)
from drafter.policy.types import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INT,
    MISSING,
    MONEY,
    MONTHS,
    NUMERIC,
    STR,
    UNLIMITED,
    EnumType,
    ListType,
    Months,
    RecordType,
    Type,
    Value,
)

__all__ = ["Compiled", "ExprError", "Scope", "Table", "add_months", "compile_expr", "tokenize"]

Env = Mapping[str, Value]
Fn = Callable[[Env], Value]

TEMPORAL = frozenset({DATE, DATETIME})
ORDERED = NUMERIC | TEMPORAL | {DURATION, MONTHS}


@dataclass(frozen=True, slots=True)
class Table:
    """A parameter keyed by the values of one or more enums: ``return_window_days[tier]``,
    ``bags[membership, cabin]``. ``values`` is keyed by the tuple of key values."""

    value_type: Type
    keys: tuple[EnumType, ...]
    values: Mapping[tuple[str, ...], Value]


@dataclass(frozen=True)
class Scope:
    """What names mean: facts (read at evaluation), parameters (constants) and named
    conditions (compiled expressions that other expressions reuse by name)."""

    facts: Mapping[str, Type]
    params: Mapping[str, tuple[Type, Value] | Table] = field(default_factory=dict)
    conditions: Mapping[str, Compiled] = field(default_factory=dict)


@dataclass(frozen=True)
class Compiled:
    source: str
    type: Type
    fn: Fn
    facts: frozenset[str]
    params: frozenset[str]
    names: tuple[str, ...] = ()  # the facts, sorted: the order a trace shows them in
    conditions: frozenset[str] = frozenset()  # the named conditions it uses, transitively
    unbounded: bool = False  # whether an unlimited parameter can make it infinite
    python: str = field(default="", repr=False, compare=False)  # the source ``fn`` came from
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


Emit = Callable[["_Source"], str]


@dataclass(frozen=True, slots=True)
class Typed:
    """A type-checked node: its type, what it reads, and ``emit``, which writes the Python
    statements computing its value into a ``_Source`` and returns the name holding it."""

    type: Type
    emit: Emit
    facts: frozenset[str]
    params: frozenset[str]
    conditions: frozenset[str] = frozenset()
    unbounded: bool = False


def _joined(kind: Type, emit: Emit, parts: Sequence[Typed], *, unbounded: bool = False) -> Typed:
    """A node built from ``parts``: it reads what they read."""
    return Typed(
        kind,
        emit,
        frozenset().union(*(p.facts for p in parts)),
        frozenset().union(*(p.params for p in parts)),
        conditions=frozenset().union(*(p.conditions for p in parts)),
        unbounded=unbounded,
    )


def compile_expr(source: str, scope: Scope, *, expect: Type | None = None) -> Compiled:
    """Parse, type-check and compile ``source``; raise ``ExprError`` on any problem.

    ``expect`` demands a result type (money accepts int and decimal results too).
    """
    try:
        typed = Compiler(scope).visit(Parser(str(source)).parse())
    except RecursionError:  # the parser and checker recurse once per level of nesting
        raise ExprError(_TOO_DEEP, 1) from None
    if expect is not None and not _assignable(typed.type, expect):
        raise ExprError(f"expected a {expect} expression but this is {typed.type}", 1)
    fn, python = _function(typed.emit)
    return Compiled(
        str(source),
        typed.type,
        fn,
        typed.facts,
        typed.params,
        tuple(sorted(typed.facts)),
        typed.conditions,
        typed.unbounded,
        python,
    )


_TOO_DEEP = "this expression is nested too deeply; name a part of it as a condition"


def _assignable(actual: Type, wanted: Type) -> bool:
    if actual == wanted:
        return True
    return wanted in (MONEY, DECIMAL) and actual in NUMERIC


def _literal_type(value: object) -> Type:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, Decimal):
        return DECIMAL
    if isinstance(value, dt.timedelta):
        return DURATION
    if isinstance(value, Months):
        return MONTHS
    return STR


def _const(value: object) -> Emit:
    return lambda src: src.constant(value)


class Compiler:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.variables: dict[str, Type] = {}  # the comprehension variables in scope

    def visit(self, node: Node) -> Typed:
        if isinstance(node, Literal):
            kind = _literal_type(node.value)
            return Typed(kind, _const(node.value), frozenset(), frozenset())
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Attribute):
            return self.attribute(node)
        if isinstance(node, Index):
            return self.index(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Comprehension):
            return self.comprehension(node)
        if isinstance(node, Conditional):
            return self.conditional(node)
        if isinstance(node, Unknown):
            raise ExprError("'unknown' is only a branch of 'x if condition else y'", node.column)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        raise ExprError("a list is only allowed after 'in'", node.column)

    # --- names ---------------------------------------------------------------------------

    def name(self, node: Name) -> Typed:
        name = node.name
        if name in self.variables:
            return Typed(
                self.variables[name], lambda src: src.bound[name], frozenset(), frozenset()
            )
        if name in self.scope.facts:

            def read_fact(src: _Source) -> str:
                return src.assign(f"env[{src.constant(name)}]")

            kind, facts = self.scope.facts[name], frozenset({name})
            return Typed(kind, read_fact, facts, frozenset())
        condition = self.scope.conditions.get(name)
        if condition is not None:
            fn = condition.fn

            def call_condition(src: _Source) -> str:
                return src.assign(f"{src.constant(fn)}(env)")

            return Typed(
                condition.type,
                call_condition,
                condition.facts,
                condition.params,
                conditions=condition.conditions | {name},
                unbounded=condition.unbounded,
            )
        param = self.scope.params.get(name)
        if isinstance(param, Table):
            example = ", ".join(repr(key) for key in next(iter(param.values)))
            raise ExprError(f"'{name}' is a table; index it, as in {name}[{example}]", node.column)
        if param is not None:
            kind, value = param
            return Typed(
                kind,
                _const(value),
                frozenset(),
                frozenset({name}),
                unbounded=value == UNLIMITED,
            )
        raise ExprError(f"unknown name '{name}'{self.suggest(name)}", node.column)

    def suggest(self, name: str) -> str:
        known = [*self.variables, *self.scope.facts, *self.scope.conditions, *self.scope.params]
        close = difflib.get_close_matches(name, known, n=1)
        return f" (did you mean '{close[0]}'?)" if close else ""

    def attribute(self, node: Attribute) -> Typed:
        target = self.visit(node.target)
        if not isinstance(target.type, RecordType):
            raise ExprError(f"'.{node.name}' needs a record but found {target.type}", node.column)
        kind = target.type.field(node.name)
        if kind is None:
            known = [name for name, _ in target.type.fields]
            close = difflib.get_close_matches(node.name, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ExprError(f"no field '{node.name}' here{hint}", node.column)
        inner, name = target.emit, node.name

        def read(src: _Source) -> str:
            record = inner(src)
            value = src.assign(src.unless_missing([record], f"{record}.get({src.constant(name)})"))
            src.line(f"if {value} is None: {value} = M")  # an absent field is unknown
            return value

        return _joined(kind, read, [target])

    def index(self, node: Index) -> Typed:
        if not isinstance(node.target, Name) or not isinstance(
            self.scope.params.get(node.target.name), Table
        ):
            raise ExprError("only a parameter table can be indexed", node.column)
        table = self.scope.params[node.target.name]
        assert isinstance(table, Table)
        if len(node.keys) != len(table.keys):
            raise ExprError(
                f"'{node.target.name}' takes {len(table.keys)} key(s), not {len(node.keys)}",
                node.column,
            )
        keys = [self.visit(key) for key in node.keys]
        for enum, key, key_node in zip(table.keys, keys, node.keys, strict=True):
            self.check_enum_operand(enum, key, key_node)
        typed = _joined(
            table.value_type,
            _lookup(table, [key.emit for key in keys]),
            keys,
            unbounded=any(value == UNLIMITED for value in table.values.values()),
        )
        return Typed(
            typed.type,
            typed.emit,
            typed.facts,
            typed.params | {node.target.name},
            conditions=typed.conditions,
            unbounded=typed.unbounded,
        )

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

    # --- functions -----------------------------------------------------------------------

    def call(self, node: Call) -> Typed:
        name = node.function
        if name == "known":
            if len(node.args) != 1 or not isinstance(node.args[0], Name | Attribute):
                raise ExprError("known() takes one fact name or field", node.column)
            inner = self.visit(node.args[0])
            getter = inner.emit
            return _joined(BOOL, lambda src: src.assign(f"{getter(src)} is not M"), [inner])
        if name in ("min", "max"):
            return self.min_max(node)
        if name == "count" and len(node.args) == 1:
            return self.length(node)
        if name in _BETWEEN:
            return self.between(node)
        if name == "date":
            return self.date_of(node)
        if name in _FOLDS:
            raise ExprError(
                f"{name}() reads a list: write {name}(x.field for x in some_list)", node.column
            )
        known = ", ".join(sorted({"known", "min", "max", "date", *_BETWEEN, *_FOLDS}))
        raise ExprError(f"unknown function '{name}'; use one of: {known}", node.column)

    def min_max(self, node: Call) -> Typed:
        if len(node.args) < 2:
            raise ExprError(
                f"{node.function}() takes two or more values, or a list: "
                f"{node.function}(x.field for x in some_list)",
                node.column,
            )
        args = [self.visit(arg) for arg in node.args]
        result_type = args[0].type
        for arg, arg_node in zip(args, node.args, strict=True):
            if arg.type in NUMERIC and result_type in NUMERIC:
                result_type = _promote(result_type, arg.type)
            elif arg.type != result_type or arg.type not in ORDERED - {MONTHS}:
                raise ExprError(
                    f"{node.function}() needs values of one ordered type but found {arg.type}",
                    arg_node.column,
                )
        emits = [arg.emit for arg in args]
        pick = min if node.function == "min" else max

        def emit(src: _Source) -> str:
            values = [e(src) for e in emits]
            call = f"{src.constant(pick)}({', '.join(values)})"
            return src.assign(src.unless_missing(values, call))

        unbounded = all if node.function == "min" else any
        return _joined(result_type, emit, args, unbounded=unbounded(a.unbounded for a in args))

    def length(self, node: Call) -> Typed:
        items = self.visit(node.args[0])
        if not isinstance(items.type, ListType):
            raise ExprError(f"count() needs a list but found {items.type}", node.args[0].column)
        inner = items.emit

        def emit(src: _Source) -> str:
            value = inner(src)
            return src.assign(src.unless_missing([value], f"len({value})"))

        return _joined(INT, emit, [items])

    def between(self, node: Call) -> Typed:
        """``days_between(a, b)``: whole days from a to b (negative when b is earlier);
        ``hours_between`` is exact; ``months_between`` counts whole calendar months."""
        if len(node.args) != 2:
            raise ExprError(f"{node.function}() takes two dates or datetimes", node.column)
        start, end = (self.visit(arg) for arg in node.args)
        for arg, arg_node in ((start, node.args[0]), (end, node.args[1])):
            if arg.type not in TEMPORAL:
                raise ExprError(
                    f"{node.function}() needs dates or datetimes but found {arg.type}",
                    arg_node.column,
                )
        if start.type != end.type:
            raise ExprError(
                f"{node.function}() needs two {start.type}s but found {end.type}",
                node.args[1].column,
            )
        if node.function == "hours_between" and start.type != DATETIME:
            raise ExprError("hours_between() needs datetimes", node.column)
        measure = _BETWEEN[node.function]
        result = DECIMAL if node.function == "hours_between" else INT
        return _joined(result, _applied(measure, start, end, guarded=True), [start, end])

    def date_of(self, node: Call) -> Typed:
        if len(node.args) != 1:
            raise ExprError("date() takes one datetime", node.column)
        moment = self.visit(node.args[0])
        if moment.type != DATETIME:
            raise ExprError(f"date() needs a datetime but found {moment.type}", node.column)
        inner = moment.emit

        def emit(src: _Source) -> str:
            value = inner(src)
            return src.assign(src.unless_missing([value], f"{value}.date()"))

        return _joined(DATE, emit, [moment])

    def comprehension(self, node: Comprehension) -> Typed:
        fold = _FOLDS.get(node.function)
        if fold is None:
            raise ExprError(
                f"'{node.function}(... for ...)' is not a list function; use one of: "
                + ", ".join(_FOLDS),
                node.column,
            )
        source = self.visit(node.source)
        if not isinstance(source.type, ListType):
            raise ExprError(f"'for' needs a list but found {source.type}", node.source.column)
        variable = node.variable
        if variable in self.variables or variable in self.scope.facts:
            raise ExprError(f"'{variable}' is already a name here; pick another", node.column)
        if variable in self.scope.params or variable in self.scope.conditions:
            raise ExprError(f"'{variable}' is already a name here; pick another", node.column)
        self.variables[variable] = source.type.element
        try:
            body = self.visit(node.body)
            condition = self.visit(node.condition) if node.condition else None
        finally:
            del self.variables[variable]
        if condition is not None and condition.type != BOOL:
            raise ExprError(f"'if' needs a bool but found {condition.type}", node.column)
        kind = fold.result(body.type)
        if kind is None:
            raise ExprError(f"{node.function}() {fold.needs} but found {body.type}", node.column)
        loop = _Loop(variable, source.emit, body.emit, condition.emit if condition else None)
        parts = [source, body, *([condition] if condition else [])]
        emit = functools.partial(fold.emit, loop, kind)
        return _joined(kind, emit, parts, unbounded=body.unbounded and fold.keeps_bound)

    def conditional(self, node: Conditional) -> Typed:
        """``a if c else b``: unknown when ``c`` is; a branch may be ``unknown`` (no value)."""
        condition = self.visit(node.condition)
        if condition.type != BOOL:
            raise ExprError(f"'if' needs a bool but found {condition.type}", node.column)
        branches = [b for b in (node.then, node.otherwise) if not isinstance(b, Unknown)]
        if not branches:
            raise ExprError("a conditional needs one branch with a value", node.column)
        typed = [self.visit(b) for b in branches]
        kind = typed[0].type
        if len(typed) == 2 and typed[1].type != kind:
            if kind in NUMERIC and typed[1].type in NUMERIC:
                kind = _promote(kind, typed[1].type)
            else:
                raise ExprError(
                    f"both branches must be one type, not {kind} and {typed[1].type}",
                    node.column,
                )
        missing = _const(MISSING)
        then = typed[0].emit if not isinstance(node.then, Unknown) else missing
        otherwise = typed[-1].emit if not isinstance(node.otherwise, Unknown) else missing
        test = condition.emit

        def emit(src: _Source) -> str:
            holds, value = test(src), src.temp()
            src.line(f"if {holds} is M: {value} = M")
            with src.block(f"elif {holds}:"):
                src.line(f"{value} = {then(src)}")
            with src.block("else:"):
                src.line(f"{value} = {otherwise(src)}")
            return value

        bound = any(t.unbounded for t in typed)
        return _joined(kind, emit, [condition, *typed], unbounded=bound)

    # --- operators -----------------------------------------------------------------------

    def unary(self, node: Unary) -> Typed:
        operand = self.visit(node.operand)
        inner = operand.emit
        if node.op == "not":
            if operand.type != BOOL:
                raise ExprError(f"'not' needs a bool but found {operand.type}", node.column)

            def negate(src: _Source) -> str:
                value = inner(src)
                return src.assign(src.unless_missing([value], f"not {value}"))

            return _joined(BOOL, negate, [operand])
        if operand.type not in NUMERIC | {DURATION, MONTHS}:
            raise ExprError(f"expected a number but found {operand.type}", node.operand.column)

        def minus(src: _Source) -> str:
            value = inner(src)
            return src.assign(src.unless_missing([value], f"{src.constant(_negate)}({value})"))

        return _joined(operand.type, minus, [operand], unbounded=operand.unbounded)

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
        # ``and``: false when either side is; ``or``: true when either is; else unknown when
        # either is. The right side is not worked out when the left decides.
        decisive = node.op == "or"
        first, second = left.emit, right.emit

        def emit(src: _Source) -> str:
            a, value = first(src), src.temp()
            src.line(f"if {a} is {decisive}: {value} = {decisive}")
            with src.block("else:"):
                b = second(src)
                src.line(f"if {b} is {decisive}: {value} = {decisive}")
                src.line(f"elif {a} is M or {b} is M: {value} = M")
                src.line(f"else: {value} = {not decisive}")
            return value

        return _joined(BOOL, emit, [left, right])

    def membership(self, node: Binary) -> Typed:
        left = self.visit(node.left)
        if not isinstance(node.right, ListOf):
            return self.member_of_list(node, left)
        for item in node.right.items:
            self.check_comparable(left, node.left, item)
        choices = frozenset(item.value for item in node.right.items)
        test, inner = node.op, left.emit

        def emit(src: _Source) -> str:
            value = inner(src)
            return src.assign(
                src.unless_missing([value], f"{value} {test} {src.constant(choices)}")
            )

        return _joined(BOOL, emit, [left])

    def member_of_list(self, node: Binary, left: Typed) -> Typed:
        """``x in some_list``: a list of the case (``i.id in change.item_ids``)."""
        items = self.visit(node.right)
        if not isinstance(items.type, ListType) or isinstance(
            items.type.element, RecordType | ListType
        ):
            raise ExprError(f"'{node.op}' needs a list such as ['a', 'b']", node.right.column)
        element = items.type.element
        numbers = left.type in NUMERIC and element in NUMERIC
        enums = isinstance(left.type, EnumType) and isinstance(element, EnumType)
        if left.type != element and not numbers and not enums:
            raise ExprError(f"cannot compare {left.type} with {element}", node.column)
        return _joined(BOOL, _infix(node.op, left, items, guarded=False), [left, items])

    def check_comparable(self, left: Typed, left_node: Node, right_node: Node) -> None:
        right = self.visit(right_node)
        if isinstance(left.type, EnumType) and isinstance(right.type, EnumType):
            # Two enums (a segment's reason and the ask's): comparable when they share a value.
            if not left.type.values & right.type.values:
                raise ExprError(f"{left.type} and {right.type} share no value", right_node.column)
        elif isinstance(left.type, EnumType):
            self.check_enum_operand(left.type, right, right_node)
        elif isinstance(right.type, EnumType):
            self.check_enum_operand(right.type, left, left_node)
        elif left.type in NUMERIC and right.type in NUMERIC:
            return
        elif left.type != right.type:
            raise ExprError(f"cannot compare {left.type} with {right.type}", right_node.column)
        elif isinstance(left.type, RecordType | ListType):
            raise ExprError(f"cannot compare {left.type}", right_node.column)

    def comparison(self, node: Binary, left: Typed, right: Typed) -> Typed:
        self.check_comparable(left, node.left, node.right)
        if node.op not in ("==", "!=") and left.type not in ORDERED:
            raise ExprError(f"'{node.op}' needs numbers but found {left.type}", node.column)
        return _joined(BOOL, _infix(node.op, left, right, guarded=False), [left, right])

    def arithmetic(self, node: Binary, left: Typed, right: Typed) -> Typed:
        kinds = (left.type, right.type)
        emit: Emit | None
        if left.type in NUMERIC and right.type in NUMERIC:
            result = _arithmetic_type(node.op, left.type, right.type)
            emit = (
                _applied(_divide, left, right, guarded=True)
                if node.op == "/"
                else _infix(node.op, left, right, guarded=True)
            )
        else:
            result, op = _temporal(node.op, left.type, right.type)
            emit = _applied(op, left, right, guarded=True) if op is not None else None
        if result is None or emit is None:
            for operand, side in ((left, node.left), (right, node.right)):
                if operand.type not in ORDERED:
                    raise ExprError(f"expected a number but found {operand.type}", side.column)
            raise ExprError(f"cannot apply '{node.op}' to {kinds[0]} and {kinds[1]}", node.column)
        unbounded = left.unbounded or (right.unbounded and node.op in ("+", "*"))
        return _joined(result, emit, [left, right], unbounded=unbounded)


# --- code generation ---------------------------------------------------------------------

# Arithmetic on a request's values that cannot be done (a date past year 9999, a division by
# zero) is unknown, never a crash.
_FAILED = (ZeroDivisionError, DivisionByZero, InvalidOperation, OverflowError, ValueError)


class _Source:
    """The Python source of one expression's function, written by the nodes' emitters.

    The source is made of names this class makes up (``t1`` for a value, ``v1`` for a loop
    variable, ``k1`` for a constant), Python's operators and keywords, and nothing else: no
    text of the policy (a fact's name, a string literal) ever appears in it. Constants are
    passed in as default arguments, so the function reads them as locals.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.count = 0
        self.constants: dict[str, object] = {"M": MISSING, "FAILED": _FAILED}
        self.names: dict[tuple[type, object], str] = {}
        self.known: set[str] = set()  # names that are never MISSING (constants)
        self.bound: dict[str, str] = {}  # the comprehension variables, by their name in it

    def constant(self, value: object) -> str:
        if value is MISSING:
            return "M"
        key = (type(value), value if _hashable(value) else id(value))
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"k{len(self.names)}"
            self.constants[name] = value
            self.known.add(name)
        return name

    def temp(self, prefix: str = "t") -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def assign(self, expression: str) -> str:
        name = self.temp()
        self.line(f"{name} = {expression}")
        return name

    def unless_missing(self, names: Sequence[str], expression: str) -> str:
        """``expression``, or MISSING when one of ``names`` is."""
        missing = self.any_missing(names)
        return expression if missing == "False" else f"M if {missing} else {expression}"

    def any_missing(self, names: Sequence[str]) -> str:
        """A test of whether any of ``names`` is MISSING (``False`` when none can be)."""
        tests = [f"{name} is M" for name in names if name not in self.known]
        return " or ".join(tests) or "False"

    @contextlib.contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.line(header)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _function(emit: Emit) -> tuple[Fn, str]:
    """The function of one argument, ``env``, that computes ``emit``'s value, and its source.

    Python's compiler turns the generated source into bytecode: each operator is one bytecode
    instruction rather than a call of a closure, which made evaluating a retail request's
    facts about N times faster (see the README's benchmarks)."""
    src = _Source()
    result = emit(src)
    defaults = ", ".join(f"{name}={name}" for name in src.constants)
    python = "\n".join([f"def fn(env, {defaults}):", *src.lines, f"    return {result}", ""])
    namespace = dict(src.constants)
    try:
        exec(compile(python, "<policy expression>", "exec"), namespace)
    except (SyntaxError, RecursionError, MemoryError):  # Python's limits on nesting
        raise ExprError(_TOO_DEEP, 1) from None
    return namespace["fn"], python  # type: ignore[return-value]


_INFIX = {
    "+": "+",
    "-": "-",
    "*": "*",
    "==": "==",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "in": "in",
    "not in": "not in",
}


_SYMBOLS: dict[Callable[[Any, Any], Value], str] = {operator.add: "+", operator.sub: "-"}


def _infix(op: str, left: Typed, right: Typed, *, guarded: bool) -> Emit:
    """``left op right`` with a Python operator; MISSING if either side is, or (``guarded``)
    if the arithmetic fails."""
    symbol = _INFIX[op]
    return _operation(lambda src, a, b: f"{a} {symbol} {b}", left, right, guarded=guarded)


def _applied(fn: Callable[[Any, Any], Value], left: Typed, right: Typed, *, guarded: bool) -> Emit:
    """``fn(left, right)``, as ``_infix``."""
    symbol = _SYMBOLS.get(fn)
    if symbol is not None:  # a date minus a date, a date plus a duration
        return _infix(symbol, left, right, guarded=guarded)
    return _operation(
        lambda src, a, b: f"{src.constant(fn)}({a}, {b})", left, right, guarded=guarded
    )


def _operation(
    written: Callable[[_Source, str, str], str], left: Typed, right: Typed, *, guarded: bool
) -> Emit:
    first, second = left.emit, right.emit

    def emit(src: _Source) -> str:
        a, b = first(src), second(src)
        missing, expression = src.any_missing([a, b]), written(src, a, b)
        if not guarded:
            return src.assign(src.unless_missing([a, b], expression))
        return _guarded(src, missing, expression)

    return emit


def _guarded(src: _Source, missing: str, expression: str) -> str:
    """``expression``, or MISSING when ``missing`` holds or the arithmetic fails."""
    value = src.temp()
    src.line(f"if {missing}: {value} = M")
    with src.block("else:"):
        with src.block("try:"):
            src.line(f"{value} = {expression}")
        with src.block("except FAILED:"):
            src.line(f"{value} = M")
    return value


def _lookup(table: Table, keys: list[Emit]) -> Emit:
    if len(keys) == 1:  # the usual case (window[tier]): a plain string key
        values = {key[0]: value for key, value in table.values.items()}

        def one(src: _Source) -> str:
            k = keys[0](src)
            return src.assign(src.unless_missing([k], f"{src.constant(values)}[str({k})]"))

        return one
    entries = dict(table.values)

    def many(src: _Source) -> str:
        found = [key(src) for key in keys]
        key = ", ".join(f"str({k})" for k in found)
        return src.assign(src.unless_missing(found, f"{src.constant(entries)}[({key},)]"))

    return many


# --- lists -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Loop:
    """A comprehension: its variable, the list, the body and the filter (or None)."""

    variable: str
    source: Emit
    body: Emit
    condition: Emit | None


@contextlib.contextmanager
def _for(src: _Source, loop: _Loop, items: str) -> Iterator[None]:
    """A ``for`` over ``items`` with the loop's variable bound to a local of its own."""
    local = src.temp("v")
    src.bound[loop.variable] = local
    src.known.add(local)  # a list holds values, never MISSING
    try:
        with src.block(f"for {local} in {items}:"):
            yield
    finally:
        del src.bound[loop.variable]


@dataclass(frozen=True)
class _Fold:
    """A list function: what its body must be, and how it combines the elements."""

    needs: str
    result: Callable[[Type], Type | None]
    emit: Callable[[_Loop, Type, _Source], str]  # (the loop, the result type, the source)
    keeps_bound: bool = False  # an unlimited body makes the result unlimited


def _quantifier(decisive: bool) -> Callable[[_Loop, Type, _Source], str]:
    """``any`` (``decisive`` true) or ``all`` (false), three-valued: one element that passes
    the filter with the decisive value decides; otherwise an unknown element (or an unknown
    filter) leaves the answer unknown."""

    def emit(loop: _Loop, _: Type, src: _Source) -> str:
        items = loop.source(src)
        result, unknown = src.temp(), src.temp()
        src.line(f"if {items} is M: {result} = M")
        with src.block("else:"):
            src.line(f"{result} = {not decisive}")
            src.line(f"{unknown} = False")
            with _for(src, loop, items):
                sure = ""
                if loop.condition is not None:
                    counts = loop.condition(src)
                    src.line(f"if {counts} is False: continue")
                    sure = f"{counts} is True and "
                holds = loop.body(src)
                src.line(f"if {holds} is {not decisive}: continue")
                with src.block(f"if {sure}{holds} is {decisive}:"):
                    src.line(f"{result} = {decisive}")
                    src.line("break")
                src.line(f"{unknown} = True")
            with src.block("else:"):
                src.line(f"if {unknown}: {result} = M")
        return result

    return emit


def _kept(loop: _Loop, src: _Source) -> str:
    """The body values of the elements that pass, or MISSING when any of them (or whether an
    element passes) is unknown: a total or count with a hole in it is unknown."""
    items = loop.source(src)
    kept = src.temp()
    src.line(f"if {items} is M: {kept} = M")
    with src.block("else:"):
        src.line(f"{kept} = []")
        with _for(src, loop, items):
            if loop.condition is not None:
                counts = loop.condition(src)
                with src.block(f"if {counts} is M:"):
                    src.line(f"{kept} = M")
                    src.line("break")
                src.line(f"if not {counts}: continue")
            value = loop.body(src)
            with src.block(f"if {src.any_missing([value])}:"):
                src.line(f"{kept} = M")
                src.line("break")
            src.line(f"{kept}.append({value})")
    return kept


def _count(loop: _Loop, _: Type, src: _Source) -> str:
    kept = _kept(_Loop(loop.variable, loop.source, _const(True), loop.condition), src)
    return src.assign(f"M if {kept} is M else len({kept})")


def _sum(loop: _Loop, kind: Type, src: _Source) -> str:
    kept = _kept(loop, src)
    zero: Any = dt.timedelta(0) if kind == DURATION else (0 if kind == INT else Decimal(0))
    return _guarded(src, f"{kept} is M", f"{src.constant(sum)}({kept}, {src.constant(zero)})")


def _extreme(pick: Callable[[list[Any]], Value]) -> Callable[[_Loop, Type, _Source], str]:
    def emit(loop: _Loop, _: Type, src: _Source) -> str:
        kept = _kept(loop, src)  # an empty list has no least value
        return src.assign(f"M if {kept} is M or not {kept} else {src.constant(pick)}({kept})")

    return emit


def _listed(loop: _Loop, _: Type, src: _Source) -> str:
    kept = _kept(loop, src)
    return src.assign(f"M if {kept} is M else {src.constant(tuple)}({kept})")


def _summable(kind: Type) -> Type | None:
    return kind if kind in NUMERIC or kind == DURATION else None


_FOLDS: dict[str, _Fold] = {
    "any": _Fold("needs a bool", lambda k: BOOL if k == BOOL else None, _quantifier(True)),
    "all": _Fold("needs a bool", lambda k: BOOL if k == BOOL else None, _quantifier(False)),
    "count": _Fold("counts anything", lambda k: INT, _count),
    # The body's values, for what a reply may mention (``list(i.name for i in order.items)``).
    "list": _Fold(
        "needs single values",
        lambda k: None if isinstance(k, RecordType | ListType) else ListType(k),
        _listed,
    ),
    "sum": _Fold("needs numbers or durations", _summable, _sum, keeps_bound=True),
    "min": _Fold(
        "needs ordered values",
        lambda k: k if k in ORDERED - {MONTHS} else None,
        _extreme(min),
        keeps_bound=True,
    ),
    "max": _Fold(
        "needs ordered values",
        lambda k: k if k in ORDERED - {MONTHS} else None,
        _extreme(max),
        keeps_bound=True,
    ),
}


# --- dates and times ---------------------------------------------------------------------


def add_months(moment: Any, months: Months) -> Any:
    """``moment`` (a date or datetime) moved by calendar months, keeping the day of the month
    or falling back to the month's last day (31 January + 1 month = 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 + months.count
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _months_between(start: Any, end: Any) -> int:
    if end < start:
        return -_months_between(end, start)
    count: int = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, Months(count)) > end:
        count -= 1
    return count


_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def _hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    return Decimal((end - start) // dt.timedelta(microseconds=1)) / _MICROSECONDS_PER_HOUR


_BETWEEN: dict[str, Callable[[Any, Any], Value]] = {
    "days_between": lambda start, end: (end - start).days,
    "hours_between": _hours_between,
    "months_between": _months_between,
}


def _scale(span: dt.timedelta, factor: Value) -> dt.timedelta:
    micro = Decimal(span // dt.timedelta(microseconds=1)) * Decimal(factor)  # type: ignore[arg-type]
    return dt.timedelta(microseconds=int(micro))


def _ratio(a: dt.timedelta, b: dt.timedelta) -> Decimal:
    return Decimal(a // dt.timedelta(microseconds=1)) / Decimal(b // dt.timedelta(microseconds=1))


def _temporal(op: str, a: Type, b: Type) -> tuple[Type | None, Callable[[Any, Any], Value] | None]:
    """The result type and operation of arithmetic involving times, or (None, None)."""
    if op == "-" and a == b and a in TEMPORAL:
        return DURATION, operator.sub
    if op in ("+", "-") and a in TEMPORAL and b == DURATION:
        return a, _ADD_OR_SUB[op]
    if op == "+" and a == DURATION and b in TEMPORAL:
        return b, operator.add
    if op in ("+", "-") and a in TEMPORAL and b == MONTHS:
        sign = 1 if op == "+" else -1
        return a, lambda moment, months: add_months(moment, Months(sign * months.count))
    if op in ("+", "-") and a == b and a in (DURATION, MONTHS):
        if a == DURATION:
            return a, _ADD_OR_SUB[op]
        return a, lambda x, y: Months(x.count + y.count if op == "+" else x.count - y.count)
    if op == "*" and a == DURATION and b in NUMERIC - {MONEY}:
        return DURATION, _scale
    if op == "*" and b == DURATION and a in NUMERIC - {MONEY}:
        return DURATION, lambda n, span: _scale(span, n)
    if op == "*" and {a, b} == {MONTHS, INT}:
        return MONTHS, lambda x, y: Months(x * y.count if a == INT else x.count * y)
    if op == "/" and a == b == DURATION:
        return DECIMAL, _ratio
    if op == "/" and a == DURATION and b in NUMERIC - {MONEY}:
        return DURATION, lambda span, n: _scale(span, 1 / Decimal(n))
    return None, None


_ADD_OR_SUB: dict[str, Callable[[Any, Any], Value]] = {"+": operator.add, "-": operator.sub}


def _negate(value: Value) -> Value:
    if isinstance(value, Months):
        return Months(-value.count)
    return -value  # type: ignore[operator]


def _divide(a: Value, b: Value) -> Value:
    return Decimal(a) / Decimal(b)  # type: ignore[arg-type]


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
