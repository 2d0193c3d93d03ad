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
import datetime as dt
import difflib
import operator
from collections.abc import Callable, Mapping, Sequence
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

Env = dict[str, Value]  # a plain dict: a loop binds its variable in it (see _elements)
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
    conditions (compiled expressions that other expressions reuse by name). ``elsewhere``
    says why a name that is known but out of scope cannot be used (a fact of the pack the
    policy does not list), so the error says what to do rather than only "unknown"."""

    facts: Mapping[str, Type]
    params: Mapping[str, tuple[Type, Value] | Table] = field(default_factory=dict)
    conditions: Mapping[str, Compiled] = field(default_factory=dict)
    elsewhere: Mapping[str, str] = field(default_factory=dict)


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
    # The name to read, when the node is a bare fact or loop variable: operators then read it
    # from the environment directly rather than calling ``fn``.
    fact: str | None = None
    conditions: frozenset[str] = frozenset()
    unbounded: bool = False


def _joined(kind: Type, fn: Fn, parts: Sequence[Typed], *, unbounded: bool = False) -> Typed:
    """A node built from ``parts``: it reads what they read."""
    return Typed(
        kind,
        fn,
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
    return Compiled(
        str(source),
        typed.type,
        typed.fn,
        typed.facts,
        typed.params,
        tuple(sorted(typed.facts)),
        typed.conditions,
        typed.unbounded,
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


def _const(value: Value) -> Fn:
    return lambda env: value


class Compiler:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.variables: dict[str, Type] = {}  # the comprehension variables in scope

    def visit(self, node: Node) -> Typed:
        if isinstance(node, Literal):
            kind = _literal_type(node.value)
            return Typed(kind, _const(node.value), frozenset(), frozenset(), node.value, True)
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
        if node.name in self.variables:
            kind = self.variables[node.name]
            getter: Fn = operator.itemgetter(node.name)
            return Typed(kind, getter, frozenset(), frozenset(), fact=node.name)
        if node.name in self.scope.facts:
            getter = operator.itemgetter(node.name)
            kind, facts = self.scope.facts[node.name], frozenset({node.name})
            return Typed(kind, getter, facts, frozenset(), fact=node.name)
        condition = self.scope.conditions.get(node.name)
        if condition is not None:
            return Typed(
                condition.type,
                condition.fn,
                condition.facts,
                condition.params,
                conditions=condition.conditions | {node.name},
                unbounded=condition.unbounded,
            )
        param = self.scope.params.get(node.name)
        if isinstance(param, Table):
            example = ", ".join(repr(key) for key in next(iter(param.values)))
            raise ExprError(
                f"'{node.name}' is a table; index it, as in {node.name}[{example}]", node.column
            )
        if param is not None:
            kind, value = param
            return Typed(
                kind,
                _const(value),
                frozenset(),
                frozenset({node.name}),
                value,
                True,
                unbounded=value == UNLIMITED,
            )
        why = self.scope.elsewhere.get(node.name)
        if why is not None:
            raise ExprError(f"'{node.name}' {why}", node.column)
        raise ExprError(f"unknown name '{node.name}'{self.suggest(node.name)}", node.column)

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
        inner, name = target.fn, node.name

        def read(env: Env) -> Value:
            record = inner(env)
            if record is MISSING:
                return MISSING
            value = record.get(name)  # type: ignore[union-attr]
            return MISSING if value is None else value

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
        fn = _lookup(table, [key.fn for key in keys])
        typed = _joined(
            table.value_type,
            fn,
            keys,
            unbounded=any(value == UNLIMITED for value in table.values.values()),
        )
        return Typed(
            typed.type,
            typed.fn,
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
            getter = inner.fn
            return _joined(BOOL, lambda env: getter(env) is not MISSING, [inner])
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
        fns = [arg.fn for arg in args]
        pick = min if node.function == "min" else max

        def fn(env: Env) -> Value:
            values = [f(env) for f in fns]
            if any(v is MISSING for v in values):
                return MISSING
            return pick(values)  # type: ignore[type-var]

        unbounded = all if node.function == "min" else any
        return _joined(result_type, fn, args, unbounded=unbounded(a.unbounded for a in args))

    def length(self, node: Call) -> Typed:
        items = self.visit(node.args[0])
        if not isinstance(items.type, ListType):
            raise ExprError(f"count() needs a list but found {items.type}", node.args[0].column)
        inner = items.fn

        def fn(env: Env) -> Value:
            value = inner(env)
            return MISSING if value is MISSING else len(value)  # type: ignore[arg-type]

        return _joined(INT, fn, [items])

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
        return _joined(result, _two(measure, start.fn, end.fn), [start, end])

    def date_of(self, node: Call) -> Typed:
        if len(node.args) != 1:
            raise ExprError("date() takes one datetime", node.column)
        moment = self.visit(node.args[0])
        if moment.type != DATETIME:
            raise ExprError(f"date() needs a datetime but found {moment.type}", node.column)
        inner = moment.fn

        def fn(env: Env) -> Value:
            value = inner(env)
            return MISSING if value is MISSING else value.date()  # type: ignore[union-attr]

        return _joined(DATE, fn, [moment])

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
        fn = fold.compile(variable, source.fn, body.fn, condition.fn if condition else None, kind)
        parts = [source, body, *([condition] if condition else [])]
        return _joined(kind, fn, parts, unbounded=body.unbounded and fold.keeps_bound)

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
        then = typed[0].fn if not isinstance(node.then, Unknown) else missing
        otherwise = typed[-1].fn if not isinstance(node.otherwise, Unknown) else missing
        test = condition.fn

        def fn(env: Env) -> Value:
            holds = test(env)
            if holds is MISSING:
                return MISSING
            return then(env) if holds else otherwise(env)

        bound = any(t.unbounded for t in typed)
        return _joined(kind, fn, [condition, *typed], unbounded=bound)

    # --- operators -----------------------------------------------------------------------

    def unary(self, node: Unary) -> Typed:
        operand = self.visit(node.operand)
        inner = operand.fn
        if node.op == "not":
            if operand.type != BOOL:
                raise ExprError(f"'not' needs a bool but found {operand.type}", node.column)

            def negate(env: Env) -> Value:
                value = inner(env)
                return MISSING if value is MISSING else not value

            return _joined(BOOL, negate, [operand])
        if operand.type not in NUMERIC | {DURATION, MONTHS}:
            raise ExprError(f"expected a number but found {operand.type}", node.operand.column)

        def minus(env: Env) -> Value:
            value = inner(env)
            return MISSING if value is MISSING else _negate(value)

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
        fn = _and(left.fn, right.fn) if node.op == "and" else _or(left.fn, right.fn)
        return _joined(BOOL, fn, [left, right])

    def membership(self, node: Binary) -> Typed:
        left = self.visit(node.left)
        if not isinstance(node.right, ListOf):
            return self.member_of_list(node, left)
        for item in node.right.items:
            self.check_comparable(left, node.left, item)
        choices = frozenset(item.value for item in node.right.items)
        negated = node.op == "not in"
        fn = _member_of(left, choices, negated=negated)
        return _joined(BOOL, fn, [left])

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
        negated, value_fn, items_fn = node.op == "not in", left.fn, items.fn

        def fn(env: Env) -> Value:
            value, found = value_fn(env), items_fn(env)
            if value is MISSING or found is MISSING:
                return MISSING
            return (value in found) != negated  # type: ignore[operator]

        return _joined(BOOL, fn, [left, items])

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
        fn = _binary(_COMPARE[node.op], left, right, guarded=False)
        return _joined(BOOL, fn, [left, right])

    def arithmetic(self, node: Binary, left: Typed, right: Typed) -> Typed:
        kinds = (left.type, right.type)
        op: Callable[[Any, Any], Value] | None
        if left.type in NUMERIC and right.type in NUMERIC:
            result = _arithmetic_type(node.op, left.type, right.type)
            op = _ARITHMETIC[node.op]
        else:
            result, op = _temporal(node.op, left.type, right.type)
        if result is None or op is None:
            for operand, side in ((left, node.left), (right, node.right)):
                if operand.type not in ORDERED:
                    raise ExprError(f"expected a number but found {operand.type}", side.column)
            raise ExprError(f"cannot apply '{node.op}' to {kinds[0]} and {kinds[1]}", node.column)
        fn = _binary(op, left, right, guarded=True)
        unbounded = left.unbounded or (right.unbounded and node.op in ("+", "*"))
        return _joined(result, fn, [left, right], unbounded=unbounded)


# --- lists -------------------------------------------------------------------------------


_UNBOUND: Any = object()  # a loop's variable named nothing in the environment before the loop


@dataclass(frozen=True)
class _Fold:
    """A list function: what its body must be, and how it combines the elements."""

    needs: str
    result: Callable[[Type], Type | None]
    # (variable, list, body, condition or None, the result type) -> the compiled function
    compile: Callable[[str, Fn, Fn, Fn | None, Type], Fn]
    keeps_bound: bool = False  # an unlimited body makes the result unlimited


def _elements(
    variable: str, source: Fn, body: Fn, condition: Fn | None
) -> Callable[[Env], list[tuple[Value, Value]] | None]:
    """Each element's (whether it counts, body value): the condition's value is three-valued.

    The variable is bound in the environment itself while the body runs, and what the name
    held before is put back after: copying the environment (sixty names for a retail order)
    for every loop was the interpreter's largest own cost in a replay. A plain dict, so every
    name the body reads is one C-level lookup."""

    def each(env: Env) -> list[tuple[Value, Value]] | None:
        items = source(env)
        if items is MISSING:
            return None
        shadowed = env.get(variable, _UNBOUND)
        pairs = []
        try:
            for item in items:  # type: ignore[union-attr]
                env[variable] = item
                pairs.append((True if condition is None else condition(env), body(env)))
        finally:
            if shadowed is _UNBOUND:
                env.pop(variable, None)
            else:
                env[variable] = shadowed
        return pairs

    return each


def _quantifier(decisive: bool) -> Callable[[str, Fn, Fn, Fn | None, Type], Fn]:
    """``any`` (``decisive`` true) or ``all`` (false), three-valued: one element that passes
    the filter with the decisive value decides; otherwise an unknown element (or an unknown
    filter) leaves the answer unknown."""

    def compile_quantifier(
        variable: str, source: Fn, body: Fn, condition: Fn | None, _: Type
    ) -> Fn:
        each = _elements(variable, source, body, condition)

        def fn(env: Env) -> Value:
            pairs = each(env)
            if pairs is None:
                return MISSING
            unknown = False
            for counts, holds in pairs:
                if counts is False or holds is (not decisive):
                    continue
                if counts is True and holds is decisive:
                    return decisive
                unknown = True
            return MISSING if unknown else not decisive

        return fn

    return compile_quantifier


def _values(variable: str, source: Fn, body: Fn, condition: Fn | None) -> Callable[[Env], Any]:
    """The body values of the elements that pass, or MISSING when any of them (or whether an
    element passes) is unknown: a total or count with a hole in it is unknown."""
    each = _elements(variable, source, body, condition)

    def values(env: Env) -> list[Value] | None:
        pairs = each(env)
        if pairs is None:
            return None
        kept = []
        for counts, value in pairs:
            if counts is MISSING:
                return None
            if counts:
                if value is MISSING:
                    return None
                kept.append(value)
        return kept

    return values


def _count(variable: str, source: Fn, body: Fn, condition: Fn | None, _: Type) -> Fn:
    values = _values(variable, source, _const(True), condition)

    def fn(env: Env) -> Value:
        kept = values(env)
        return MISSING if kept is None else len(kept)

    return fn


def _sum(variable: str, source: Fn, body: Fn, condition: Fn | None, kind: Type) -> Fn:
    values = _values(variable, source, body, condition)
    zero: Any = dt.timedelta(0) if kind == DURATION else (0 if kind == INT else Decimal(0))

    def fn(env: Env) -> Value:
        kept = values(env)
        if kept is None:
            return MISSING
        total = zero
        try:
            for value in kept:
                total = total + value
        except _FAILED:
            return MISSING
        return total  # type: ignore[no-any-return]

    return fn


def _extreme(
    pick: Callable[[list[Any]], Value],
) -> Callable[[str, Fn, Fn, Fn | None, Type], Fn]:
    def compile_extreme(variable: str, source: Fn, body: Fn, condition: Fn | None, _: Type) -> Fn:
        values = _values(variable, source, body, condition)

        def fn(env: Env) -> Value:
            kept = values(env)
            return MISSING if not kept else pick(kept)  # an empty list has no least value

        return fn

    return compile_extreme


def _listed(variable: str, source: Fn, body: Fn, condition: Fn | None, _: Type) -> Fn:
    values = _values(variable, source, body, condition)

    def fn(env: Env) -> Value:
        kept = values(env)
        return MISSING if kept is None else tuple(kept)

    return fn


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


def _two(measure: Callable[[Any, Any], Value], first: Fn, second: Fn) -> Fn:
    def fn(env: Env) -> Value:
        a, b = first(env), second(env)
        if a is MISSING or b is MISSING:
            return MISSING
        try:
            return measure(a, b)
        except _FAILED:
            return MISSING

    return fn


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
        return a, _ARITHMETIC[op]
    if op == "+" and a == DURATION and b in TEMPORAL:
        return b, operator.add
    if op in ("+", "-") and a in TEMPORAL and b == MONTHS:
        sign = 1 if op == "+" else -1
        return a, lambda moment, months: add_months(moment, Months(sign * months.count))
    if op in ("+", "-") and a == b and a in (DURATION, MONTHS):
        if a == DURATION:
            return a, _ARITHMETIC[op]
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


def _negate(value: Value) -> Value:
    if isinstance(value, Months):
        return Months(-value.count)
    return -value  # type: ignore[operator]


# --- operator closures -------------------------------------------------------------------

# Arithmetic on a request's values that cannot be done (a date past year 9999, a division by
# zero) is unknown, never a crash.
_FAILED = (ZeroDivisionError, DivisionByZero, InvalidOperation, OverflowError, ValueError)


def _lookup(table: Table, keys: list[Fn]) -> Fn:
    if len(keys) == 1:  # the usual case (window[tier]): a plain string key
        values = {key[0]: value for key, value in table.values.items()}
        key_fn = keys[0]

        def one(env: Env) -> Value:
            k = key_fn(env)
            return MISSING if k is MISSING else values[str(k)]

        return one
    entries = dict(table.values)

    def many(env: Env) -> Value:
        found = [key(env) for key in keys]
        if MISSING in found:
            return MISSING
        return entries[tuple(map(str, found))]

    return many


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


_ARITHMETIC: dict[str, Callable[[Any, Any], Value]] = {
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
