"""A pack's domain: the vocabulary of one kind of business, written in ``domain.yaml``.

It declares what a request's ``case`` part carries (records, lists of records and typed fields),
the facts the policies read (each an expression over the case and the request's envelope,
with the question to ask when it is missing), and the closed lists a policy chooses from: ask
kinds, reasons, refund destinations, offer kinds and escalation targets, each with the words a
customer sees.

Every policy in the pack's folder reads this domain. No domain knowledge lives in Python: the
case is validated against types built from the declaration (a TypedDict per record), and every
fact is compiled by the same expression language as the rules, so a missing value is
``MISSING`` and asks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, Required

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from drafter.errors import PolicyError, RequestError
from drafter.intake import request_error
from drafter.policy import document as doc
from drafter.policy.expr import Compiled, ExprError, Scope, compile_expr
from drafter.policy.lookups import Lookup, load_lookups
from drafter.policy.syntax import Attribute, Comprehension, Name, Node, Parser, parse_duration
from drafter.policy.syntax import Literal as LiteralNode
from drafter.policy.translations import load_translations
from drafter.policy.types import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    INT,
    MISSING,
    MONEY,
    SCALARS,
    STR,
    EnumType,
    ListType,
    RecordType,
    Type,
    Value,
)
from drafter.schemas import (
    NUMBER_PATTERN,
    Amount,
    Channel,
    Mention,
    Nouns,
    Request,
    exact_number,
)

__all__ = ["Domain", "DomainFact", "field_type", "load_domain"]

Token = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
Prose = doc.Prose
FieldType = Literal[
    "bool",
    "int",
    "decimal",
    "money",
    "str",
    "enum",
    "date",
    "datetime",
    "duration",
    "record",
    "list",
]


# --- the file as written -----------------------------------------------------------------


def _shorthand(value: object) -> object:
    """``nights: int`` means ``nights: {type: int}``."""
    return {"type": value} if isinstance(value, str) else value


# A field of the case, as a dotted path (booking.nights, order.items).
CasePath = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]*$", max_length=200)]


class FieldSpec(doc.Spec):
    type: FieldType
    required: bool = False
    description: Prose | None = None
    values: list[Token] | None = Field(None, min_length=1, description="An enum's values.")
    fields: dict[Token, Annotated[FieldSpec, BeforeValidator(_shorthand)]] | None = None
    of: Annotated[FieldSpec, BeforeValidator(_shorthand)] | None = None
    max_items: int = Field(100, ge=1, le=1000)
    unique: Token | None = Field(None, description="A list's record field no two items share.")
    picks: CasePath | None = Field(
        None,
        description="For a list of ids: the case's list of records whose ids it picks from "
        "(order.items), so a form offers those records to tick.",
    )
    # Bounds of an int or decimal. An int is a count unless it says otherwise: 0 at least.
    min: int | Decimal | None = None
    max: int | Decimal | None = None

    @field_validator("values")
    @classmethod
    def _unique(cls, values: list[str] | None) -> list[str] | None:
        if values is not None and len(set(values)) != len(values):
            raise ValueError("values must be unique")
        return values


class CheckSpec(doc.Spec):
    """A rule the case's fields must keep between them (a stay's nights used never exceed its
    nights): a request that breaks it is refused, naming ``field``. Unknown values pass."""

    when: doc.Expression
    field: CasePath
    message: Prose


class CaseRule(doc.Spec):
    when: doc.Expression
    then: Token


class FactSpec(doc.Spec):
    """A fact: an expression (``value``), or the first of ``cases`` whose ``when`` holds."""

    value: doc.Expression | None = None
    cases: list[CaseRule] | None = Field(None, min_length=1)
    otherwise: Token | None = None
    values: list[Token] | None = Field(None, description="Narrows a str fact to these values.")
    question: Prose
    description: Prose | None = None


class DomainDocument(doc.Spec):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=80)]
    title: Prose
    summary: Prose | None = None
    noun: Prose = Field(description="What customers call their case: booking, order, contract.")
    reference: doc.Expression | None = Field(None, description="The case's id, as a path.")
    currency: doc.Expression | None = Field(None, description="The case's currency, as a path.")
    asks: dict[Token, Prose] = Field(min_length=1)
    reasons: dict[Token, Prose] = Field(min_length=1)
    destinations: dict[Token, Prose] = Field(min_length=1)
    offer_kinds: dict[Token, Prose] = Field(default_factory=dict)
    # Fees a refund may keep, with how the reply names each ("the first night").
    fees: dict[Token, Prose] = Field(default_factory=dict)
    escalation_targets: dict[Token, Prose] = Field(
        default_factory=lambda: {"supervisor": "a supervisor", "legal": "our legal team"}
    )
    case: dict[Token, Annotated[FieldSpec, BeforeValidator(_shorthand)]] = Field(min_length=1)
    checks: list[CheckSpec] = Field(default_factory=list)
    facts: dict[Token, FactSpec] = Field(min_length=1)
    # What the model is told about the case, in this order (``order_reference: order.id``);
    # without it, the case's noun and reference.
    mentions: dict[Token, doc.Expression] = Field(default_factory=dict)
    # The case's own ids (the order's and its items'), which a reply may name.
    ids: list[doc.Expression] = Field(default_factory=list)


# --- the compiled domain -----------------------------------------------------------------


@dataclass(frozen=True)
class DomainFact:
    name: str
    type: Type
    compiled: Compiled
    question: str
    description: str | None
    # The case fields it reads (``booking.check_in``): where a form asks for it.
    reads: tuple[str, ...]
    # For a str narrowed to an enum: a value outside it is refused, naming ``reads[0]``.
    values: frozenset[str] | None = None
    # The request fields and case parts it is worked out from, through other facts too.
    roots: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Domain:
    id: str
    title: str
    path: Path
    sha256: str
    noun: str
    asks: Mapping[str, str]
    reasons: Mapping[str, str]
    destinations: Mapping[str, str]
    offer_kinds: Mapping[str, str]
    fees: Mapping[str, str]
    escalation_targets: Mapping[str, str]
    parts: Mapping[str, Type]  # the case's parts, as the expressions see them
    facts: Mapping[str, DomainFact]  # declared facts, in the order they are worked out
    envelope: Mapping[str, Type]  # facts every domain reads from the request's envelope
    # Validates a request's case into the plain dicts and lists expressions read.
    case_type: TypeAdapter[dict[str, Any]] = field(repr=False)
    checks: tuple[tuple[Compiled, str, str], ...] = ()  # (condition, field, message)
    reference: Compiled | None = None
    currency: Compiled | None = None
    # Translated questions: fact -> language -> text.
    translated: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The reply's words by language: {case, asks, destinations, offer_kinds, fees}.
    words: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    mentions: tuple[tuple[str, Compiled], ...] = ()
    ids: tuple[Compiled, ...] = ()
    # Where the case's facts can be read from the company's systems (lookups/*.yaml), by name.
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    # Every field's path (``order.status``, ``order.items``): what a request's provenance names.
    case_paths: frozenset[str] = frozenset()
    # The facts to work out for a set of wanted ones (see ``_plan``), kept per set and nouns.
    _plans: dict[tuple[frozenset[str], bool], _Plan] = field(
        default_factory=dict, repr=False, compare=False
    )

    def fact_types(self) -> dict[str, Type]:
        """Every fact a policy of this domain may read."""
        return {**self.envelope, **{name: f.type for name, f in self.facts.items()}}

    def question(self, fact: str, language: str) -> str:
        """What to ask the customer for a missing fact, in their language when the pack has
        it."""
        translated = self.translated.get(fact, {}).get(language)
        if translated:
            return translated
        declared = self.facts.get(fact)
        if declared is not None:
            return declared.question
        return ENVELOPE_QUESTIONS.get(fact) or f"What is the {fact.replace('_', ' ')}?"

    def reads_of(self, fact: str) -> frozenset[str]:
        """The request fields and case parts a fact is worked out from."""
        declared = self.facts.get(fact)
        return declared.roots if declared is not None else frozenset({fact})

    def sources(self, fact: str) -> tuple[str, ...]:
        """The request fields a fact reads, first the one a form should ask for."""
        declared = self.facts.get(fact)
        if declared is None:
            return (ENVELOPE_SOURCES.get(fact, fact),)
        paths = [p if p.split(".")[0] in self.envelope else f"case.{p}" for p in declared.reads]
        for root in sorted(declared.roots):
            source = ENVELOPE_SOURCES.get(root)
            # A record (customer) is a source only when no field of it is already listed.
            if source is not None and not any(p.startswith(f"{source}.") for p in paths):
                paths.append(source)
        return tuple(dict.fromkeys(paths)) or (fact,)

    def case_schema(self) -> dict[str, Any]:
        """The JSON Schema of the ``case`` part: what forms and callers must send."""
        return self.case_type.json_schema()

    def read(self, request: Request, names: frozenset[str], *, nouns: bool = True) -> CaseRead:
        """The named facts of ``request``, the case's currency and reference (when the domain
        says where they are), after checking the case and the request's vocabulary. With
        ``nouns`` false, the reference, mentions and ids (what only a reply's words need) are
        left out, and so are the facts only they read.

        Raises:
            RequestError: the case does not fit the declaration, or the ask, reason or a
                narrowed fact takes a value this domain does not know.
        """
        self._check_vocabulary(request)
        self._check_provenance(request)
        plan = self._plan(names, nouns)
        env = {name: read(request) for name, read in plan.envelope}
        env.update(self._parts(request))
        for condition, where, message in self.checks:
            if condition(env) is False:
                raise RequestError(message, field=f"case.{where}")
        if plan.needs_now and env["now"] is MISSING:
            raise RequestError(
                "this policy counts hours, so as_of must be a datetime with a time zone, such "
                "as 2026-12-02T10:00:00Z",
                field="as_of",
            )
        for fact in plan.facts:
            value = fact.compiled.fn(env)  # .fn: no __call__ frame; ~40 facts a request
            if fact.values is not None and value is not MISSING and value not in fact.values:
                where = f"case.{fact.reads[0]}" if fact.reads else fact.name
                choices = ", ".join(sorted(fact.values))
                raise RequestError(f"'{value}' is not one of {choices}", field=where)
            env[fact.name] = value
        currency = None if self.currency is None else self.currency(env)
        facts = {name: env[name] for name in names if name in env}
        currency = currency if isinstance(currency, str) else None
        if not nouns:
            return CaseRead(facts, currency, None)
        reference = None if self.reference is None else self.reference(env)
        return CaseRead(
            facts,
            currency,
            reference if isinstance(reference, str) else None,
            tuple(_mention(label, c.type, c(env)) for label, c in self.mentions),
            tuple(i for c in self.ids for i in _strings(c(env))),
        )

    def nouns(self, language: str, ask: str, case: CaseRead) -> Nouns:
        """The reply's words in ``language``; what the pack does not translate is left out."""
        words = self.words.get(language, {})
        # Validation copies the pack's dicts into the verdict; the validator is called as
        # ``parts.make`` does, without model_validate's frame.
        nouns: Nouns = Nouns.__pydantic_validator__.validate_python(
            {
                "case": words.get("case"),
                "reference": case.reference,
                "mentions": [m for m in case.mentions if m.value],
                "ids": list(dict.fromkeys(case.ids)),
                "ask": words.get("asks", {}).get(ask),
                "destinations": words.get("destinations", {}),
                "offers": words.get("offer_kinds", {}),
                "fees": words.get("fees", {}),
            }
        )
        return nouns

    def _plan(self, names: frozenset[str], nouns: bool) -> _Plan:
        """The facts to work out, in declared order: the wanted ones, those the case's
        currency reads (and its reference, mentions and ids with ``nouns``), every narrowed
        fact (a value outside it is refused whoever reads it, so both plans refuse the same
        requests), and the facts all of these are worked out from; whether the wanted facts
        count hours; and the envelope's fields that any of these or the domain's checks read
        (only those are read off the request). Kept per set of wanted facts (one per policy)
        and ``nouns``."""
        plan = self._plans.get((names, nouns))
        if plan is None:
            served = [self.currency] + ([self.reference, *self.ids] if nouns else [])
            served += [c for _, c in self.mentions] if nouns else []
            wanted = set(names).union(*(c.facts for c in served if c is not None))
            wanted |= {name for name, fact in self.facts.items() if fact.values is not None}
            for fact in reversed(list(self.facts.values())):  # reads only earlier facts
                if fact.name in wanted:
                    wanted |= fact.compiled.facts
            wanted = wanted.union(*(condition.facts for condition, _, _ in self.checks))
            plan = _Plan(
                tuple(f for f in self.facts.values() if f.name in wanted),
                any("now" in self.reads_of(name) for name in names),
                tuple((n, read) for n, read in _ENVELOPE_READERS.items() if n in wanted),
            )
            self._plans[names, nouns] = plan
        return plan

    def _check_vocabulary(self, request: Request) -> None:
        if request.ask.kind not in self.asks:
            raise RequestError(_not_one_of(request.ask.kind, self.asks), field="ask.kind")
        if request.ask.reason is not None and request.ask.reason not in self.reasons:
            raise RequestError(_not_one_of(request.ask.reason, self.reasons), field="ask.reason")

    def _check_provenance(self, request: Request) -> None:
        """Each source names a field the case declares and holds, and a lookup of this pack:
        the audit log must not say a value came from somewhere it cannot have."""
        for path, source in request.provenance.items():
            where = f"provenance.{path}"
            if path not in self.case_paths:
                raise RequestError(f"'{path}' is not a field of the {self.id} case", field=where)
            name = source.removeprefix("lookup:")
            if source != "agent" and name not in self.lookups:
                known = ", ".join(self.lookups) or "none"
                problem = f"'{name}' is not a lookup of the {self.id} pack; known: {known}"
                raise RequestError(problem, field=where)
            if _value_at(request.case or {}, path) is None:
                raise RequestError(f"the case has no value at '{path}'", field=where)

    def _parts(self, request: Request) -> dict[str, Value]:
        try:
            case = self.case_type.validator.validate_python(request.case or {})
        except ValidationError as error:
            problem = request_error(error)
            raise RequestError(problem.detail, field=f"case.{problem.field}") from None
        # An absent or null part is MISSING; inside records, expressions read either as MISSING.
        return {name: _or_missing(case.get(name)) for name in self.parts}


@dataclass(frozen=True, slots=True)
class _Plan:
    """What reading a set of facts takes: the facts to work out, in order, whether any of them
    counts hours (so a date-only ``as_of`` cannot do), and the envelope's readers they need."""

    facts: tuple[DomainFact, ...]
    needs_now: bool
    envelope: tuple[tuple[str, Callable[[Request], Value]], ...]


# Not frozen, as one is built per request: a frozen dataclass sets each field through
# object.__setattr__, about 1 us more for five to nine fields. Nothing changes one once built.
@dataclass(slots=True)
class CaseRead:
    facts: dict[str, Value]
    currency: str | None
    reference: str | None
    mentions: tuple[Mention, ...] = ()
    ids: tuple[str, ...] = ()


def _value_at(case: Mapping[str, Any], path: str) -> object:
    node: object = case
    for step in path.split("."):
        node = node.get(step) if isinstance(node, Mapping) else None
    return node


def _field_paths(parts: Mapping[str, FieldSpec], prefix: str = "") -> Iterator[str]:
    """The path of every field of the case, records' fields included (a list is one field)."""
    for name, spec in parts.items():
        path = f"{prefix}{name}"
        if prefix or spec.type != "record":
            yield path
        if spec.type == "record":
            yield from _field_paths(spec.fields or {}, f"{path}.")


def _strings(value: Value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list):
        return tuple(str(v) for v in value if v is not None and v is not MISSING)
    return ()


def _mention(label: str, kind: Type, value: Value) -> Mention:
    """One thing the model is told; a value from a closed list is shown as it is, free text
    quoted."""
    token = isinstance(kind, EnumType) or (
        isinstance(kind, ListType) and isinstance(kind.element, EnumType)
    )
    shown: str | list[str] = list(_strings(value)) if isinstance(kind, ListType) else ""
    if not isinstance(kind, ListType) and value is not MISSING and value is not None:
        shown = str(value)
    return Mention(label=label, value=shown, token=token)


def _not_one_of(value: str, known: Mapping[str, str]) -> str:
    return f"'{value}' is not one of {', '.join(known)}"


# --- the envelope: what every request carries, whatever the domain ------------------------

CUSTOMER = RecordType((("tier", STR), ("tenure_days", INT), ("refunds_last_12_months", INT)))

ENVELOPE_QUESTIONS: dict[str, str] = {
    "ask": "What would you like us to do?",
    "reason": "What is the reason for the request?",
    "amount_requested": "How much are you asking to have refunded?",
    "now": "What is the date and time of this request?",
    "channel": "Which channel is this?",
    "legal_threat": "Has legal action been mentioned?",
    "chargeback_threat": "Has a chargeback been mentioned?",
    "abusive_language": "Was the language abusive?",
}

# The request field each envelope fact is read from, for forms and error messages.
ENVELOPE_SOURCES: dict[str, str] = {
    "ask": "ask.kind",
    "reason": "ask.reason",
    "amount_requested": "ask.amount",
    "channel": "channel",
    "today": "as_of",
    "now": "as_of",
    "customer": "customer",
    "legal_threat": "signals.legal_threat",
    "chargeback_threat": "signals.chargeback_threat",
    "abusive_language": "signals.abusive_language",
}

_ENVELOPE_READERS: dict[str, Callable[[Request], Value]] = {
    "ask": lambda r: r.ask.kind,
    "reason": lambda r: MISSING if r.ask.reason is None else r.ask.reason,
    "amount_requested": lambda r: MISSING if r.ask.amount is None else r.ask.amount,
    "channel": lambda r: r.channel.value,
    "today": lambda r: r.today,
    "now": lambda r: r.as_of if isinstance(r.as_of, dt.datetime) else MISSING,
    "customer": lambda r: _record(
        tier=r.customer.tier,
        tenure_days=r.customer.tenure_days,
        refunds_last_12_months=r.customer.refunds_last_12_months,
    ),
    "legal_threat": lambda r: r.signals.legal_threat,
    "chargeback_threat": lambda r: r.signals.chargeback_threat,
    "abusive_language": lambda r: r.signals.abusive_language,
}


def _record(**fields: object) -> Value:
    """A record as expressions read it: an unset field is None, which reads as MISSING."""
    return fields  # type: ignore[return-value]


def _envelope_types(document: DomainDocument) -> dict[str, Type]:
    return {
        "ask": EnumType(frozenset(document.asks)),
        "reason": EnumType(frozenset(document.reasons)),
        "amount_requested": MONEY,
        "channel": EnumType(frozenset(Channel)),
        "today": DATE,
        "now": DATETIME,
        "customer": CUSTOMER,
        "legal_threat": BOOL,
        "chargeback_threat": BOOL,
        "abusive_language": BOOL,
    }


# --- loading -----------------------------------------------------------------------------

_LOADED: dict[tuple[Path, str], Domain] = {}


def load_domain(path: Path) -> Domain:
    """Read and compile ``domain.yaml``; raise ``PolicyError`` naming file and line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PolicyError(f"cannot read: {error.strerror}", file=str(path)) from None
    sha = hashlib.sha256(data).hexdigest()
    # The pack's lookups are part of it: a changed lookup file loads the domain again.
    key = hashlib.sha256(sha.encode())
    for lookup in sorted((path.parent / "lookups").glob("*.yaml")):
        key.update(lookup.name.encode() + b"\0" + _read(lookup) + b"\0")
    cached = _LOADED.get((path, key.hexdigest()))
    if cached is None:
        cached = _LOADED[(path, key.hexdigest())] = _Builder(path, data, sha).build()
    return cached


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise PolicyError(f"cannot read: {error.strerror}", file=str(path)) from None


class _Builder:
    def __init__(self, path: Path, data: bytes, sha: str) -> None:
        self.path, self.sha = path, sha
        try:
            raw = doc.yaml_load(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise PolicyError(f"cannot parse: {error}", file=str(path)) from None
        if not isinstance(raw, doc.YamlMap):
            raise PolicyError("must be a YAML mapping at the top level", file=str(path), line=1)
        self.raw = raw
        try:
            self.document = DomainDocument.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            loc = tuple(first["loc"])
            self.fail(f"{'.'.join(map(str, loc))}: {first['msg']}", loc)

    def fail(self, message: str, loc: tuple[Any, ...]) -> None:
        raise PolicyError(message, file=str(self.path), line=doc.line_of(self.raw, loc))

    def build(self) -> Domain:
        d = self.document
        if d.id != self.path.parent.name:
            self.fail(f"id '{d.id}' must match the pack's folder name", ("id",))
        envelope = _envelope_types(d)
        parts = {name: self.part_type(spec, ("case", name)) for name, spec in d.case.items()}
        for name in parts:
            if name in envelope:
                self.fail(f"case part '{name}' has the name of a request field", ("case", name))
        case_type = TypeAdapter(_record_type("Case", d.case))
        types: dict[str, Type] = {**envelope, **parts}
        facts: dict[str, DomainFact] = {}
        for name, spec in d.facts.items():
            loc: tuple[Any, ...] = ("facts", name)
            if name in types:
                self.fail(f"fact '{name}' has the name of a case part or request field", loc)
            fact = self.fact(name, spec, Scope(types), loc)
            roots = frozenset().union(
                *(facts[f].roots if f in facts else {f} for f in fact.compiled.facts)
            )
            fact = dataclasses.replace(fact, roots=roots)
            facts[name] = fact
            types[name] = fact.type
        self.refuse_required_facts(d, Scope(types))
        self.check_picks(d.case, d.case, ("case",))
        if "amount_paid" not in facts or facts["amount_paid"].type not in (MONEY, INT, DECIMAL):
            self.fail(
                "declare the money fact 'amount_paid': what the customer paid, which bounds "
                "every refund",
                ("facts",),
            )
        scope = Scope({**envelope, **parts})
        checks = tuple(
            (self.expr(check.when, scope, ("checks", i, "when"), BOOL), check.field, check.message)
            for i, check in enumerate(d.checks)
        )
        told = Scope({**envelope, **parts, **{n: f.type for n, f in facts.items()}})
        mentions = tuple(
            (label, self.told(source, told, ("mentions", label)))
            for label, source in d.mentions.items()
        )
        ids = tuple(
            self.told(source, told, ("ids", i), only_text=True) for i, source in enumerate(d.ids)
        )
        translated, words = self.translations({**facts, **dict.fromkeys(ENVELOPE_QUESTIONS)})
        words["en"] = {
            "case": f"your {d.noun}",
            "asks": dict(d.asks),
            "destinations": dict(d.destinations),
            "offer_kinds": dict(d.offer_kinds),
            "fees": dict(d.fees),
        }
        return Domain(
            id=d.id,
            title=d.title,
            path=self.path,
            sha256=self.sha,
            noun=d.noun,
            asks=d.asks,
            reasons=d.reasons,
            destinations=d.destinations,
            offer_kinds=d.offer_kinds,
            fees=d.fees,
            escalation_targets=d.escalation_targets,
            parts=parts,
            facts=facts,
            envelope=envelope,
            case_type=case_type,
            checks=checks,
            reference=self.path_expr(d.reference, scope, ("reference",)),
            currency=self.path_expr(d.currency, scope, ("currency",)),
            translated=translated,
            words=words,
            mentions=mentions,
            ids=ids,
            lookups=load_lookups(self.path.parent, d.case, field_type),
            case_paths=frozenset(_field_paths(d.case)),
        )

    def told(
        self, source: Any, scope: Scope, loc: tuple[Any, ...], *, only_text: bool = False
    ) -> Compiled:
        """A mention or an id: one value, or a list of values (``list(i.id for i in ...)``)."""
        compiled = self.expr(source, scope, loc)
        kind = compiled.type
        single = kind.element if isinstance(kind, ListType) else kind
        allowed = (STR,) if only_text else (STR, INT, DATE)
        if not (single in allowed or (not only_text and isinstance(single, EnumType))):
            what = "text" if only_text else "text, a number, a date or a word from a list"
            self.fail(f"{loc[-1]}: must be {what}, or a list of them, not {kind}", loc)
        return compiled

    def translations(
        self, facts: Mapping[str, object]
    ) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, Any]]]:
        """The questions and the reply's words of each translation file. A question for no
        fact, a word for nothing the domain declares, or a top-level key that is neither
        ``questions``, ``nouns`` nor a policy of the pack stops the load."""
        policies = {
            p.name.removesuffix(".yaml")
            for p in self.path.parent.glob("*.yaml")
            if p.name != "domain.yaml" and not p.name.endswith(".tests.yaml")
        }
        found: dict[str, dict[str, str]] = {}
        words: dict[str, dict[str, Any]] = {}
        d = self.document
        for translation in load_translations(self.path.parent):
            for key in translation.raw:
                if key not in ("questions", "nouns") and key not in policies:
                    raise PolicyError(
                        f"'{key}' is neither 'questions', 'nouns' nor a policy of this pack",
                        file=str(translation.path),
                        line=translation.line((key,)),
                    )
            for fact in facts:
                text = translation.text("questions", fact)
                if text is not None:
                    found.setdefault(fact, {})[translation.language] = text
            translation.check_all_used("questions")
            language: dict[str, Any] = {"case": translation.text("nouns", "case")}
            for group, known in (
                ("asks", d.asks),
                ("destinations", d.destinations),
                ("offer_kinds", d.offer_kinds),
                ("fees", d.fees),
            ):
                texts = {k: translation.text("nouns", group, k) for k in known}
                language[group] = {k: v for k, v in texts.items() if v}
            translation.check_all_used("nouns")
            words[translation.language] = language
        return found, words

    # --- the case ------------------------------------------------------------------------

    def part_type(self, spec: FieldSpec, loc: tuple[Any, ...]) -> Type:
        if spec.type == "enum":
            if not spec.values:
                self.fail("an enum needs 'values'", loc)
            assert spec.values is not None
            return EnumType(frozenset(spec.values))
        if spec.type == "record":
            if not spec.fields:
                self.fail("a record needs 'fields'", loc)
            assert spec.fields is not None
            return RecordType(
                tuple(
                    (name, self.part_type(child, (*loc, "fields", name)))
                    for name, child in spec.fields.items()
                )
            )
        if spec.type == "list":
            if spec.of is None:
                self.fail("a list needs 'of': the type of its items", loc)
            assert spec.of is not None
            fields = spec.of.fields or {}
            if spec.unique is not None and spec.unique not in fields:
                self.fail("'unique' names a field of the list's records", (*loc, "unique"))
            return ListType(self.part_type(spec.of, (*loc, "of")))
        if spec.unique is not None:
            self.fail("'unique' applies to a list of records", (*loc, "unique"))
        for key in ("values", "fields", "of", "picks"):
            if getattr(spec, key) is not None:
                self.fail(f"'{key}' does not apply to a {spec.type}", (*loc, key))
        if spec.type not in ("int", "decimal"):
            for key in ("min", "max"):
                if getattr(spec, key) is not None:
                    self.fail(f"'{key}' does not apply to a {spec.type}", (*loc, key))
        return SCALARS[spec.type]

    def refuse_required_facts(self, d: DomainDocument, scope: Scope) -> None:
        """A field a fact reads may not be required: a request without it gets questions (a
        needs_info verdict), not a refusal. Fields that say which case it is (the reference,
        the currency, the ids) may be, and so may the fields of a list's items: an item is
        what the caller listed, and its required fields are what make it one."""
        sources = [str(x) for x in (d.reference, d.currency, *d.ids) if x is not None]
        identity = {p for source in sources for p in _paths(source, scope)}
        read: dict[str, str] = {}
        for name, spec in d.facts.items():
            whens = [c.when for c in spec.cases or []]
            for source in [spec.value, *whens]:
                for path in _paths(str(source), scope) if source is not None else ():
                    read.setdefault(path, name)
        for path, loc in _required_fields(d.case):
            if path in read and path not in identity:
                self.fail(
                    f"'{path}' is required, but fact '{read[path]}' reads it: a request "
                    "without it should get the fact's question, not a refusal; drop "
                    "'required' (only the fields that say which case it is may keep it)",
                    loc,
                )

    def check_picks(
        self, parts: Mapping[str, FieldSpec], fields: Mapping[str, FieldSpec], loc: tuple[Any, ...]
    ) -> None:
        """A list that ``picks`` holds strings, and names a list of records with a ``unique``
        field in the case: the ids it picks are that field's values."""
        for name, spec in fields.items():
            here = (*loc, name) if loc == ("case",) else (*loc, "fields", name)
            if spec.picks is not None:
                if spec.type != "list" or spec.of is None or spec.of.type != "str":
                    self.fail("'picks' applies to a list of str (the ids picked)", (*here, "picks"))
                target = _spec_at(parts, spec.picks)
                if target is None or target.type != "list" or target.unique is None:
                    self.fail(
                        f"'picks' names '{spec.picks}', which is not a list of records with a "
                        "'unique' field in the case",
                        (*here, "picks"),
                    )
            self.check_picks(parts, spec.fields or {}, here)

    # --- facts ---------------------------------------------------------------------------

    def fact(self, name: str, spec: FactSpec, scope: Scope, loc: tuple[Any, ...]) -> DomainFact:
        if (spec.value is None) == (spec.cases is None):
            self.fail("give either 'value' or 'cases'", loc)
        kind: Type
        if spec.cases is not None:
            compiled, kind = self.cases(spec, scope, loc)
        else:
            compiled = self.expr(spec.value, scope, (*loc, "value"))
            kind = compiled.type
        if spec.values is not None:
            if kind != STR:
                self.fail(f"'values' narrows a str fact, but this one is {kind}", (*loc, "values"))
            kind = EnumType(frozenset(spec.values))
        if isinstance(kind, RecordType | ListType):
            self.fail(f"a fact must be a single value, not a {kind}", loc)
        source = spec.value if spec.value is not None else spec.cases[0].when  # type: ignore[index]
        return DomainFact(
            name,
            kind,
            compiled,
            spec.question,
            spec.description,
            _paths(str(source), scope),
            frozenset(spec.values) if spec.values else None,
        )

    def cases(
        self, spec: FactSpec, scope: Scope, loc: tuple[Any, ...]
    ) -> tuple[Compiled, EnumType]:
        """``cases``: the ``then`` of the first ``when`` that holds; an unknown ``when`` before
        it leaves the fact unknown, and no match gives ``otherwise`` (or unknown)."""
        assert spec.cases is not None
        whens = [
            (self.expr(case.when, scope, (*loc, "cases", i, "when"), BOOL), case.then)
            for i, case in enumerate(spec.cases)
        ]
        otherwise: Value = MISSING if spec.otherwise is None else spec.otherwise

        def fn(env: dict[str, Value]) -> Value:
            for when, then in whens:
                holds = when(env)
                if holds is MISSING:
                    return MISSING
                if holds:
                    return then
            return otherwise

        values = {then for _, then in whens} | ({spec.otherwise} if spec.otherwise else set())
        facts = frozenset().union(*(w.facts for w, _ in whens))
        params = frozenset().union(*(w.params for w, _ in whens))
        source = " / ".join(w.source for w, _ in whens)
        kind = EnumType(frozenset(values))
        return Compiled(source, kind, fn, facts, params, tuple(sorted(facts))), kind

    def expr(
        self, source: Any, scope: Scope, loc: tuple[Any, ...], expect: Type | None = None
    ) -> Compiled:
        text = str(source).lower() if isinstance(source, bool) else str(source)
        try:
            return compile_expr(text, scope, expect=expect)
        except ExprError as error:
            self.fail(f"{loc[-1]}: {error}", loc)
            raise  # unreachable: fail() raises

    def path_expr(self, source: Any, scope: Scope, loc: tuple[Any, ...]) -> Compiled | None:
        if source is None:
            return None
        return self.expr(source, scope, loc, STR)


def _paths(source: str, scope: Scope) -> tuple[str, ...]:
    """The dotted case paths an expression reads (``booking.check_in``), first seen first."""
    try:
        tree = Parser(source).parse()
    except ExprError:
        return ()
    found: list[str] = []
    # A comprehension's variable stands for an element of its list: ``i.final_sale`` over
    # ``order.items`` reads ``order.items[].final_sale``.
    elements: dict[str, str] = {}

    def visit(node: object) -> None:
        if isinstance(node, Comprehension):
            source = _dotted(node.source)
            if source is not None and source.split(".")[0] in scope.facts:
                elements[node.variable] = f"{source}[]"
            for part in (node.body, node.condition, node.source):
                if part is not None:
                    visit(part)
            elements.pop(node.variable, None)
            return
        if isinstance(node, Attribute):
            path = _dotted(node)
            head, _, rest = (path or "").partition(".")
            if path is not None and head in elements:
                found.append(f"{elements[head]}.{rest}")
                return
            if path is not None and head in scope.facts:
                found.append(path)
                return
        if isinstance(node, Node) and not isinstance(node, Name | LiteralNode):
            for value in node.__dataclass_fields__:
                child = getattr(node, value)
                for item in child if isinstance(child, tuple) else (child,):
                    if isinstance(item, Node):
                        visit(item)

    visit(tree)
    return tuple(dict.fromkeys(found))


def _dotted(node: Node) -> str | None:
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Attribute):
        inner = _dotted(node.target)
        return None if inner is None else f"{inner}.{node.name}"
    return None


# --- the case's types --------------------------------------------------------------------


def _text_only(value: object) -> object:
    """Dates, times and durations come as JSON strings, never numbers (timestamps)."""
    if not isinstance(value, str):
        raise ValueError("must be a string in ISO 8601 form")
    return value


def _duration(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be a string such as '24 hours' or 'PT24H'")
    # "24 hours" as in a policy; anything else is left to pydantic's ISO 8601 (PT24H).
    return parse_duration(value) or value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite() or abs(value) > 10**12:
        raise ValueError("must be a finite number of reasonable size")
    return value


_SCALAR_TYPES: dict[str, Any] = {
    "bool": StrictBool,
    "int": Annotated[int, Field(strict=True, ge=-(10**9), le=10**9)],
    "decimal": Annotated[
        Decimal,
        Field(strict=False),
        BeforeValidator(exact_number),
        AfterValidator(_finite),
        WithJsonSchema(
            {"anyOf": [{"type": "string", "pattern": NUMBER_PATTERN}, {"type": "integer"}]}
        ),
    ],
    "money": Amount,
    "str": Annotated[str, Field(strict=True, max_length=2000)],
    "date": Annotated[dt.date, Field(strict=False), BeforeValidator(_text_only)],
    "datetime": Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_text_only)],
    "duration": Annotated[dt.timedelta, Field(strict=False), BeforeValidator(_duration)],
}


def field_type(spec: FieldSpec) -> Any:
    """The pydantic type a case field is validated with, as the case's type does."""
    return _field_type("Field", spec)


def _field_type(name: str, spec: FieldSpec) -> Any:
    if spec.type == "enum":
        assert spec.values is not None
        return Literal[tuple(spec.values)]
    if spec.type == "record":
        assert spec.fields is not None
        return _record_type("Case" + name.title().replace("_", ""), spec.fields)
    if spec.type == "list":
        assert spec.of is not None
        item = _field_type(name, spec.of)
        bounded = Annotated[list[item], Field(max_length=spec.max_items)]  # type: ignore[valid-type]
        if spec.unique is None:
            return bounded
        return Annotated[bounded, AfterValidator(_unique_by(spec.unique))]
    if spec.type == "int":
        low = 0 if spec.min is None else spec.min
        high = 10**9 if spec.max is None else spec.max
        return Annotated[int, Field(strict=True, ge=low, le=high)]
    if spec.type == "decimal" and (spec.min is not None or spec.max is not None):
        number = _SCALAR_TYPES["decimal"]
        return Annotated[number, Field(ge=spec.min, le=spec.max)]
    return _SCALAR_TYPES[spec.type]


def _unique_by(key: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    def check(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[object] = set()
        for item in items:
            value = item.get(key)
            if value in seen:
                raise ValueError(f"two items have the {key} '{value}'")
            seen.add(value)
        return items

    return check


def _required_fields(parts: Mapping[str, FieldSpec]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(path, location) of every required field of the case's records, outside lists, as
    fact sources name them (``order.status``)."""
    stack: list[tuple[str, tuple[Any, ...], FieldSpec]] = [
        (name, ("case", name), spec) for name, spec in parts.items()
    ]
    while stack:
        path, loc, spec = stack.pop()
        for name, inner in (spec.fields or {}).items():
            if inner.type == "list":
                continue
            if inner.required:
                yield f"{path}.{name}", (*loc, "fields", name)
            stack.append((f"{path}.{name}", (*loc, "fields", name), inner))


def _spec_at(parts: Mapping[str, FieldSpec], path: str) -> FieldSpec | None:
    """The field at a dotted path through the case's records (``order.items``)."""
    fields: Mapping[str, FieldSpec] = parts
    found: FieldSpec | None = None
    for step in path.split("."):
        found = fields.get(step)
        if found is None:
            return None
        fields = found.fields or {}
    return found


def _record_type(name: str, fields: Mapping[str, FieldSpec]) -> Any:
    """A TypedDict of ``fields``: validating gives the plain dicts expressions read, with no
    model to build and dump again. An optional field left out is null."""
    annotations: dict[str, Any] = {}
    for field_name, spec in fields.items():
        kind = _field_type(field_name, spec)
        # What a form needs to offer a list's records to tick: their key, and who picks them.
        extra: dict[str, Any] | None = None
        if spec.unique is not None:
            extra = {"x-unique": spec.unique}
        if spec.picks is not None:
            extra = {"x-picks": f"case.{spec.picks}"}
        if spec.required:
            info = Field(description=spec.description, json_schema_extra=extra)
            annotations[field_name] = Required[Annotated[kind, info]]
        else:
            info = Field(None, description=spec.description, json_schema_extra=extra)
            annotations[field_name] = NotRequired[Annotated[kind | None, info]]
    record = _typed_dict(name, annotations)
    record.__pydantic_config__ = ConfigDict(extra="forbid", title=name)
    return record


# The functional TypedDict form, with fields known only when a pack loads (mypy checks only
# literal field lists).
_typed_dict: Any = TypedDict


def _or_missing(value: Value | None) -> Value:
    return MISSING if value is None else value
