"""A pack's lookups: how to read a case's facts from the company's own order system.

Each file in a pack's ``lookups/`` folder declares one HTTP endpoint (a path under a
connection the service's settings give per tenant, with the agent's id in it) and a mapping
from the paths of its JSON answer to the case fields the domain declares. The mapping is data,
checked against the domain when the pack loads: a target the domain does not declare, a value
map into an enum with a value the enum lacks, or a conversion the target's type cannot take
stops the load, naming the file and line.

Reading an answer (``Lookup.read``) is pure: no network, no clock. A path is a plain dotted
reader over the parsed JSON (names and list indexes, nothing else), so a path cannot run
anything. A value that is absent or null leaves its field out (the agent fills it in, or the
policy asks); a value the field's type refuses is a ``LookupFailed`` naming the field, since
the answer does not fit the mapping.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, TypeAdapter, ValidationError

from drafter.errors import LookupFailed, PolicyError
from drafter.policy import document as doc

if TYPE_CHECKING:
    from drafter.policy.domain import FieldSpec

__all__ = ["Found", "Lookup", "load_lookups"]

_NAME = re.compile(r"[a-z][a-z0-9-]{0,79}")
Token = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
# A path in the answer: names and list indexes, joined by dots (``line_items.0.price``).
SourcePath = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$", max_length=300)
]
TargetPath = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
Convert = Literal["minor_units", "date", "unix_date", "unix_time", "upper"]
Constant = str | bool | int


# --- the file as written -----------------------------------------------------------------


class RuleSpec(doc.Spec):
    """Where one field's value comes from: a path in the answer, read as it is or through one
    of ``values``, ``value`` or ``convert``."""

    from_: SourcePath | None = Field(None, alias="from")
    values: dict[str, Constant] | None = Field(
        None, description="Maps the answer's words to the field's (an enum's values)."
    )
    value: Constant | None = Field(None, description="Given when the source is there.")
    if_null: Constant | None = Field(None, description="Given when the source is null.")
    convert: Convert | None = None
    currency: SourcePath | None = Field(
        None, description="minor_units: the path of the currency code, beside the amount."
    )
    each: dict[Token, Rules] | None = Field(
        None, description="For a list of records: each field of an item, from the item."
    )


def _listed(value: object) -> object:
    """One rule, or a list of them tried in order."""
    return value if isinstance(value, list) else [value]


Rules = Annotated[list[RuleSpec], BeforeValidator(_listed)]


class CredentialSpec(doc.Spec):
    header: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,80}$")]
    prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]*( )?$", max_length=20)] = ""


class LookupDocument(doc.Spec):
    title: doc.Prose
    id_label: doc.Prose = Field(description="What the agent types: 'Order ID'.")
    connection: Token = Field(description="Which of the tenant's connections it calls.")
    get: Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9_.~/{}-]*$", max_length=300)]
    credential: CredentialSpec
    timeout_seconds: Decimal = Field(Decimal(5), ge=Decimal("0.1"), le=30)
    zero_decimal_currencies: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")]] = Field(
        default_factory=list, description="minor_units: currencies without cents."
    )
    fields: dict[TargetPath, Rules] = Field(min_length=1)


RuleSpec.model_rebuild()


# --- the compiled lookup -----------------------------------------------------------------


class _Absent:
    """No value: the source is missing, null, or a word the map does not know."""


ABSENT = _Absent()


@dataclass(frozen=True)
class Found:
    """What a lookup read: the case fragment, and for each field the lookup it came from."""

    case: dict[str, Any]
    sources: dict[str, str]
    # Fields the mapping names that the answer left without a value, with why.
    left_out: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Rule:
    source: tuple[str, ...]
    values: Mapping[str, Constant] | None
    value: Constant | None
    if_null: Constant | None
    convert: Convert | None
    currency: tuple[str, ...] | None
    each: tuple[_Target, ...] | None


@dataclass(frozen=True)
class _Target:
    path: str  # in the case (``order.status``), or in a list item (``price``)
    rules: tuple[_Rule, ...]
    check: Callable[[Any], object] = field(repr=False)  # validates a value as the case's type will
    text: bool  # a str field: a number in the answer (an id) is written as text
    max_items: int = 0  # a list's limit


@dataclass(frozen=True)
class Lookup:
    """One declared lookup of a pack."""

    name: str
    title: str
    id_label: str
    connection: str
    path: str  # with ``{id}``
    header: str
    prefix: str
    timeout_s: float
    zero_decimal: frozenset[str]
    targets: tuple[_Target, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        """The case fields it can fill (``order.status``)."""
        return tuple(target.path for target in self.targets)

    @property
    def source(self) -> str:
        """How the case names where a value came from."""
        return f"lookup:{self.name}"

    def read(self, answer: object) -> Found:
        """The case fragment the answer gives.

        Raises:
            LookupFailed: a value does not fit its field (the answer does not fit the mapping).
        """
        case: dict[str, Any] = {}
        sources: dict[str, str] = {}
        left_out: dict[str, str] = {}
        for target in self.targets:
            value, why = self._value(target, answer, target.path)
            if value is ABSENT:
                left_out[target.path] = why
                continue
            _put(case, target.path, value)
            sources[target.path] = self.source
        return Found(case, sources, left_out)

    def _value(self, target: _Target, root: object, where: str) -> tuple[Any, str]:
        why = "not in the answer"
        for rule in target.rules:
            value, why = self._apply(rule, target, root, where)
            if value is not ABSENT:
                return value, ""
        return ABSENT, why

    def _apply(self, rule: _Rule, target: _Target, root: object, where: str) -> tuple[Any, str]:
        raw = _read(root, rule.source)
        if raw is ABSENT:
            return ABSENT, "not in the answer"
        if raw is None:
            if rule.if_null is None:
                return ABSENT, "null in the answer"
            return self._checked(target, rule.if_null, where), ""
        if rule.each is not None:
            return self._items(rule.each, target, raw, where), ""
        if rule.value is not None:
            return self._checked(target, rule.value, where), ""
        if rule.values is not None:
            if not isinstance(raw, str) or raw not in rule.values:
                return ABSENT, f"{_shown(raw)} is not one of the mapped values"
            return self._checked(target, rule.values[raw], where), ""
        if rule.convert is not None:
            raw = self._converted(rule, raw, root, where)
        return self._checked(target, raw, where), ""

    def _items(self, each: tuple[_Target, ...], target: _Target, raw: object, where: str) -> Any:
        if not isinstance(raw, list):
            raise self._failed(where, f"the answer has {_kind(raw)} where a list belongs")
        if len(raw) > target.max_items:
            raise self._failed(where, f"the answer lists more than {target.max_items} items")
        items = []
        for index, element in enumerate(raw):
            item: dict[str, Any] = {}
            for inner in each:
                value, _ = self._value(inner, element, f"{where}.{index}.{inner.path}")
                if value is not ABSENT:
                    item[inner.path] = value
            items.append(item)
        return self._checked(target, items, where)

    def _converted(self, rule: _Rule, raw: object, root: object, where: str) -> object:
        try:
            return _CONVERSIONS[rule.convert](self, rule, raw, root)  # type: ignore[index]
        except (ValueError, TypeError, ArithmeticError, OverflowError) as error:
            raise self._failed(where, f"{rule.convert}: {error}") from None

    def _checked(self, target: _Target, value: object, where: str) -> object:
        if isinstance(value, int) and not isinstance(value, bool) and target.text:
            value = str(value)  # numeric ids are text in a case
        try:
            target.check(value)
        except ValidationError as error:
            detail = error.errors(include_url=False, include_input=False)[0]
            inner = ".".join(str(step) for step in detail["loc"])
            at = f"{where}.{inner}" if inner else where
            raise self._failed(at, f"{_shown(value)}: {detail['msg']}") from None
        return value

    def _failed(self, where: str, message: str) -> LookupFailed:
        return LookupFailed(
            f"{self.name}: the answer does not fit the mapping: {where}: {message}",
            lookup=self.name,
            kind="bad_answer",
        )


def _minor_units(lookup: Lookup, rule: _Rule, raw: object, root: object) -> str:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise ValueError(f"{_shown(raw)} is not a whole number of minor units")
    code = _read(root, rule.currency) if rule.currency else ABSENT
    if not isinstance(code, str):
        raise ValueError("the answer gives no currency beside the amount")
    places = 0 if code.lower() in lookup.zero_decimal else 2
    return str(Decimal(raw).scaleb(-places))


def _date(lookup: Lookup, rule: _Rule, raw: object, root: object) -> str:
    """An ISO date or date-time, as the date it names where it was written (its own offset)."""
    if not isinstance(raw, str):
        raise ValueError(f"{_shown(raw)} is not an ISO 8601 date")
    return dt.datetime.fromisoformat(raw).date().isoformat() if len(raw) > 10 else raw


def _unix(raw: object) -> dt.datetime:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise ValueError(f"{_shown(raw)} is not a Unix time in seconds")
    return dt.datetime.fromtimestamp(raw, dt.UTC)


_CONVERSIONS: dict[str, Callable[[Lookup, _Rule, object, object], object]] = {
    "minor_units": _minor_units,
    "date": _date,
    "unix_date": lambda lookup, rule, raw, root: _unix(raw).date().isoformat(),
    "unix_time": lambda lookup, rule, raw, root: _unix(raw).isoformat(),
    "upper": lambda lookup, rule, raw, root: (
        raw.upper() if isinstance(raw, str) else _refuse(f"{_shown(raw)} is not text")
    ),
}


def _refuse(message: str) -> str:
    raise ValueError(message)


def _read(root: object, path: tuple[str, ...]) -> object:
    """The value at ``path``: a name steps into an object, a number into a list."""
    node = root
    for step in path:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return ABSENT
    return node


def _put(case: dict[str, Any], path: str, value: object) -> None:
    *parents, last = path.split(".")
    node = case
    for step in parents:
        node = node.setdefault(step, {})
    node[last] = value


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value).lower()
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true or false"}.get(
        type(value), "a number"
    )


# --- loading -----------------------------------------------------------------------------


def load_lookups(
    pack: Path, case: Mapping[str, FieldSpec], type_of: Callable[[FieldSpec], Any]
) -> dict[str, Lookup]:
    """Every ``lookups/*.yaml`` of the pack, checked against the case it fills.

    Args:
        pack: the pack's folder.
        case: the domain's case parts, as written.
        type_of: the pydantic type the case's type gives a field.

    Raises:
        PolicyError: a file is malformed, or maps to something the case does not declare.
    """
    found: dict[str, Lookup] = {}
    for path in sorted((pack / "lookups").glob("*.yaml")):
        found[path.stem] = _Compiler(path, case, type_of).lookup()
    return found


class _Compiler:
    def __init__(
        self, path: Path, case: Mapping[str, FieldSpec], type_of: Callable[[FieldSpec], Any]
    ) -> None:
        self.path, self.case, self.type_of = path, case, type_of
        try:
            self.raw = doc.yaml_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise PolicyError(f"cannot read: {error}", file=str(path)) from None
        if not isinstance(self.raw, doc.YamlMap):
            raise PolicyError("must be a YAML mapping at the top level", file=str(path), line=1)

    def fail(self, message: str, loc: tuple[Any, ...]) -> PolicyError:
        return PolicyError(message, file=str(self.path), line=doc.line_of(self.raw, loc))

    def lookup(self) -> Lookup:
        try:
            document = LookupDocument.model_validate(self.raw)
        except ValidationError as error:
            first = error.errors()[0]
            loc = tuple("from" if step == "from_" else step for step in first["loc"])
            raise self.fail(f"{'.'.join(map(str, loc))}: {first['msg']}", loc) from None
        if not _NAME.fullmatch(self.path.stem):
            raise self.fail("the file name must be lowercase words joined by '-'", ())
        if document.get.count("{id}") != 1 or document.get.replace("{id}", "").count("{"):
            raise self.fail("get: must hold '{id}' once, and no other placeholder", ("get",))
        targets = tuple(
            self.target(path, rules, ("fields", path)) for path, rules in document.fields.items()
        )
        return Lookup(
            name=self.path.stem,
            title=document.title,
            id_label=document.id_label,
            connection=document.connection,
            path=document.get,
            header=document.credential.header,
            prefix=document.credential.prefix,
            timeout_s=float(document.timeout_seconds),
            zero_decimal=frozenset(document.zero_decimal_currencies),
            targets=targets,
        )

    def target(self, path: str, rules: list[RuleSpec], loc: tuple[Any, ...]) -> _Target:
        spec = self.field_of(path, loc)
        return self.compiled(path, spec, rules, loc)

    def field_of(self, path: str, loc: tuple[Any, ...]) -> FieldSpec:
        """The declared field at a case path (``order.status``)."""
        head, *rest = path.split(".")
        spec = self.case.get(head)
        for step in rest:
            if spec is None or spec.type != "record":
                break
            spec = (spec.fields or {}).get(step)
        if spec is None:
            raise self.fail(f"'{path}' is not a field the domain's case declares", loc)
        return spec

    def compiled(
        self, path: str, spec: FieldSpec, rules: list[RuleSpec], loc: tuple[Any, ...]
    ) -> _Target:
        if spec.type == "record":
            raise self.fail(f"'{path}' is a record: map its fields one by one", loc)
        compiled = tuple(self.rule(spec, rule, (*loc, i)) for i, rule in enumerate(rules))
        check = TypeAdapter(self.type_of(spec)).validate_python
        target = _Target(path, compiled, check, spec.type == "str", spec.max_items)
        for i, rule in enumerate(rules):
            self.check_constants(target, rule, (*loc, i))
        return target

    def rule(self, spec: FieldSpec, rule: RuleSpec, loc: tuple[Any, ...]) -> _Rule:
        is_list = spec.type == "list"
        if rule.from_ is None:  # a value no answer gave must not be shown as the system's
            raise self.fail("give 'from': the path of the value in the answer", loc)
        if is_list != (rule.each is not None):
            what = "a list of records needs 'each'" if is_list else "'each' is for a list"
            raise self.fail(what, loc)
        if rule.convert == "minor_units" and rule.currency is None:
            raise self.fail("minor_units needs 'currency': where the answer's code is", loc)
        shapes = [rule.values is not None, rule.value is not None, rule.convert is not None]
        if sum(shapes) > 1:
            raise self.fail("give one of 'values', 'value' and 'convert'", loc)
        each = None
        if rule.each is not None:
            assert spec.of is not None
            if spec.of.type != "record":
                raise self.fail("'each' maps the fields of a list of records", loc)
            each = tuple(
                self.compiled(name, self.item_field(spec.of, name, loc), inner, (*loc, name))
                for name, inner in rule.each.items()
            )
        return _Rule(
            tuple(rule.from_.split(".")),
            rule.values,
            rule.value,
            rule.if_null,
            rule.convert,
            _steps(rule.currency),
            each,
        )

    def item_field(self, record: FieldSpec, name: str, loc: tuple[Any, ...]) -> FieldSpec:
        inner = (record.fields or {}).get(name)
        if inner is None:
            raise self.fail(f"'{name}' is not a field of the list's items", (*loc, "each", name))
        return inner

    def check_constants(self, target: _Target, rule: RuleSpec, loc: tuple[Any, ...]) -> None:
        """The constants a rule gives must be values the field takes (an enum's words)."""
        given = [*(rule.values or {}).values(), rule.value, rule.if_null]
        for constant in (c for c in given if c is not None):
            try:
                target.check(constant)
            except ValidationError as error:
                message = error.errors(include_url=False, include_input=False)[0]["msg"]
                raise self.fail(
                    f"'{constant}' does not fit '{target.path}': {message}", loc
                ) from None


def _steps(path: str | None) -> tuple[str, ...] | None:
    return None if path is None else tuple(path.split("."))
