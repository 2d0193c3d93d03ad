"""Load a policy file: parse the YAML, validate its shape, compile and type-check every
expression, and refuse anything suspicious with ``file:line: rule 'id': message``."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from drafter.claims import CLAIM_DETECTORS
from drafter.errors import PolicyError
from drafter.policy import document as doc
from drafter.policy.domain import Domain, load_domain
from drafter.policy.expr import Compiled, ExprError, Scope, Table, compile_expr
from drafter.policy.lint import never_fires
from drafter.policy.model import (
    OUTCOME_FACTS,
    CompiledEscalation,
    CompiledException,
    CompiledFlag,
    CompiledOffer,
    CompiledRefund,
    CompiledRule,
    Phrase,
    Policy,
    Wording,
)
from drafter.policy.syntax import parse_duration
from drafter.policy.translations import Translation, load_translations
from drafter.policy.types import (
    BOOL,
    DECIMAL,
    DURATION,
    INT,
    MONEY,
    NUMERIC,
    STR,
    UNLIMITED,
    EnumType,
    Type,
    Value,
    parse_type,
)

__all__ = ["load_policy", "parse_policy"]

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SECTIONS = ("gates", "outcomes", "escalations", "flags", "exceptions")


def load_policy(path: Path) -> Policy:
    """Read and compile the policy at ``path``; raise ``PolicyError`` naming file and line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PolicyError(f"cannot read: {error.strerror}", file=str(path)) from None
    return parse_policy(data, path)


def parse_policy(data: bytes, path: Path) -> Policy:
    raw = _parse_yaml(data, path)
    document = _validate(raw, path)
    if document.id != path.name.removesuffix(".yaml"):
        raise PolicyError(
            f"id '{document.id}' must match the file name",
            file=str(path),
            line=doc.line_of(raw, ("id",)),
        )
    pack = path.parent / "domain.yaml"
    if not pack.is_file():
        raise PolicyError(
            "a policy lives in a pack: a folder with the domain.yaml that declares the facts it "
            "reads (drafter pack new NAME makes one)",
            file=str(path),
        )
    domain = load_domain(pack)
    translations = load_translations(path.parent)
    builder = _Builder(document, raw, path, hashlib.sha256(data).hexdigest(), domain, translations)
    policy = builder.build()
    for translation in translations:
        translation.check_all_used(document.id)
    dead = never_fires(policy)
    if dead is not None:
        raise PolicyError(dead.message, file=str(path), line=dead.line, rule=dead.rule)
    return policy


def _parse_yaml(data: bytes, path: Path) -> doc.YamlMap:
    try:
        raw = doc.yaml_load(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise PolicyError("is not UTF-8 text", file=str(path)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise PolicyError(f"invalid YAML: {problem}", file=str(path), line=line) from None
    if not isinstance(raw, doc.YamlMap):
        raise PolicyError("must be a YAML mapping at the top level", file=str(path), line=1)
    return raw


def _validate(raw: doc.YamlMap, path: Path) -> doc.Document:
    try:
        return doc.Document.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        where = ".".join(str(step) for step in loc)
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise PolicyError(
            f"{where}: {first['msg']}{more}",
            file=str(path),
            line=doc.line_of(raw, loc),
            rule=_rule_at(raw, loc),
        ) from None


def _rule_at(raw: doc.YamlMap, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] in _SECTIONS and isinstance(loc[1], int):
        section = raw.get(loc[0])
        if isinstance(section, list) and loc[1] < len(section):
            item = section[loc[1]]
            rule_id = item.get("id") if isinstance(item, dict) else None
            return rule_id if isinstance(rule_id, str) else None
    return None


class _Builder:
    """Turns a validated ``Document`` into a compiled ``Policy``, one section at a time."""

    def __init__(
        self,
        document: doc.Document,
        raw: doc.YamlMap,
        path: Path,
        sha: str,
        domain: Domain,
        translations: Sequence[Translation] = (),
    ) -> None:
        self.document, self.raw, self.path, self.sha = document, raw, path, sha
        self.domain, self.translations = domain, translations

    def fail(self, message: str, loc: tuple[int | str, ...], rule: str | None = None) -> None:
        raise PolicyError(message, file=str(self.path), line=doc.line_of(self.raw, loc), rule=rule)

    def build(self) -> Policy:
        d = self.document
        inputs = self.inputs()
        unlisted = {
            name: f"is a fact of domain '{self.domain.id}' this policy does not read: list it "
            "under inputs to use it"
            for name in self.catalogue()
            if name not in inputs
        }
        facts = {**inputs, **self.engine_facts()}
        scope = self.conditions(Scope(facts, self.params(inputs), elsewhere=unlisted))
        self.scope, self.outcome_scope = (
            scope,
            replace(scope, facts={**scope.facts, **OUTCOME_FACTS}),
        )
        self.check_unique_ids()
        self.check_detectable_claims()
        gates = tuple(self.rule(r, "gate", i) for i, r in enumerate(d.gates))
        outcomes = tuple(self.rule(r, "outcome", i) for i, r in enumerate(d.outcomes))
        self.check_reachable("gates", gates, final=False)
        self.check_reachable("outcomes", outcomes, final=True)
        return Policy(
            id=d.id,
            version=d.version,
            effective=d.effective.isoformat(),
            currency=d.currency,
            owner=d.owner,
            title=d.title,
            summary=d.summary,
            path=self.path,
            sha256=self.sha,
            inputs=inputs,
            scope=scope,
            params=self.param_values(scope),
            disclosures={
                name: self.rationale(text, ("disclosures", name), name)
                for name, text in d.disclosures.items()
            },
            forbidden=d.forbidden,
            offers=self.offers(),
            gates=gates,
            outcomes=outcomes,
            escalations=tuple(self.escalation(r, i) for i, r in enumerate(d.escalations)),
            flags=tuple(self.flag(r, i) for i, r in enumerate(d.flags)),
            exceptions={
                r.id: self.exception(r, i, {g.id for g in gates})
                for i, r in enumerate(d.exceptions)
            },
            needs_info_rationale=self.rationale(
                d.needs_info.rationale, ("needs_info",), "needs_info"
            ),
            # amount_paid is always read: the engine never refunds more than was paid.
            fact_names=frozenset(n for n in inputs if n not in self.engine_facts())
            | {"amount_paid"},
            fact_sources=self.fact_sources(inputs),
            enum_inputs=tuple((n, k) for n, k in inputs.items() if isinstance(k, EnumType)),
            domain=self.domain,
        )

    def fact_sources(self, inputs: Mapping[str, Type]) -> dict[str, str]:
        return {name: self.domain.sources(name)[0] for name in inputs}

    def catalogue(self) -> dict[str, Type]:
        """The facts this policy may read: its pack's."""
        return self.domain.fact_types()

    # --- inputs and parameters -----------------------------------------------------------

    def inputs(self) -> dict[str, Type]:
        inputs: dict[str, Type] = {}
        catalogue = self.catalogue()
        for name, spec in self.document.inputs.items():
            kind = catalogue.get(name)
            if kind is None:
                close = difflib.get_close_matches(name, catalogue, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                where = f" of domain '{self.domain.id}'"
                self.fail(f"unknown fact '{name}'{where}{hint}", ("inputs", name))
                continue
            inputs[name] = self.input_type(name, kind, spec)
        inputs.setdefault("amount_paid", catalogue["amount_paid"])  # it bounds every refund
        return inputs

    def input_type(self, name: str, base: Type, spec: doc.InputSpec | None) -> Type:
        values = spec.values if spec else None
        if base == STR and values is not None:  # the policy names the values it knows
            return EnumType(frozenset(values))
        if not isinstance(base, EnumType):
            if values is not None:
                self.fail(f"'{name}' is {base}, not an enum; remove 'values'", ("inputs", name))
            return base
        if values is None:
            if not base.values:
                self.fail(f"'{name}' needs 'values': the list it may take", ("inputs", name))
            return base
        if not base.values:
            return EnumType(frozenset(values))
        extra = set(values) - base.values
        if extra:
            self.fail(
                f"'{name}' cannot take {sorted(extra)}; it takes {sorted(base.values)}",
                ("inputs", name),
            )
        # The catalogue owns this vocabulary: the list documents what the policy expects,
        # but a request may still carry any catalogue value (and meet the catch-all).
        return base

    def engine_facts(self) -> dict[str, Type]:
        ids = {e.id for e in self.document.exceptions} | {"none"}
        return {"exception": EnumType(frozenset(ids)), "exception_cap": MONEY}

    def params(self, inputs: Mapping[str, Type]) -> dict[str, tuple[Type, Value] | Table]:
        params: dict[str, tuple[Type, Value] | Table] = {}
        for name, spec in self.document.params.items():
            loc: tuple[int | str, ...] = ("params", name)
            if name in inputs or name in ("exception", "exception_cap"):
                self.fail(f"parameter '{name}' has the same name as a fact", loc)
            kind = parse_type(spec.type)
            if spec.by is None:
                params[name] = (kind, self.param_value(kind, spec.value, loc))
            else:
                params[name] = self.table(kind, spec, inputs, loc)
        return params

    def table(
        self,
        kind: Type,
        spec: doc.ParamSpec,
        inputs: Mapping[str, Type],
        loc: tuple[int | str, ...],
    ) -> Table:
        """A table keyed by one enum input, or by several with ``values`` nested in the order
        of ``by``; every combination of keys needs a value."""
        names = [spec.by] if isinstance(spec.by, str) else list(spec.by or [])
        keys: list[EnumType] = []
        for name in names:
            key_type = inputs.get(name)
            if not isinstance(key_type, EnumType):
                self.fail(f"'by: {name}' must name an enum input", (*loc, "by"))
            assert isinstance(key_type, EnumType)
            keys.append(key_type)
        if not keys:
            self.fail("'by' needs at least one enum input", (*loc, "by"))
        values: dict[tuple[str, ...], Value] = {}

        def walk(level: Any, depth: int, path: tuple[str, ...]) -> None:
            where = (*loc, "values", *path)
            wanted = keys[depth].values
            if not isinstance(level, dict) or set(map(str, level)) != wanted:
                by = names[depth]
                at = f" under {'/'.join(path)}" if path else ""
                self.fail(f"values{at} must cover exactly the {by} values {sorted(wanted)}", where)
            for key, value in level.items():
                if depth + 1 < len(keys):
                    walk(value, depth + 1, (*path, str(key)))
                else:
                    values[(*path, str(key))] = self.param_value(kind, value, (*where, key))

        walk(spec.values or {}, 0, ())
        return Table(kind, tuple(keys), values)

    def param_value(self, kind: Type, value: Any, loc: tuple[int | str, ...]) -> Value:
        if value == "unlimited" and kind in (INT, DECIMAL, MONEY):
            return UNLIMITED
        if kind == DURATION:
            return self.duration(value, loc)
        ok = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "decimal": isinstance(value, int | Decimal) and not isinstance(value, bool),
            "money": isinstance(value, int | Decimal) and not isinstance(value, bool),
            "str": isinstance(value, str),
        }[str(kind)]
        if not ok:
            unlimited = " or unlimited" if kind in (INT, DECIMAL, MONEY) else ""
            self.fail(f"expected a {kind} value{unlimited} but found {value!r}", loc)
        if kind in (DECIMAL, MONEY):
            return Decimal(value)
        return value  # type: ignore[no-any-return]

    def duration(self, value: Any, loc: tuple[int | str, ...]) -> Value:
        """A duration parameter, written as in an expression: ``24 hours``, ``14 days``."""
        span = parse_duration(str(value))
        if span is None:
            self.fail(f"expected a duration such as '24 hours' but found {value!r}", loc)
        assert span is not None
        return span

    def conditions(self, scope: Scope) -> Scope:
        """The policy's named amounts, then its named conditions, compiled in order: each may
        use the ones before it."""
        compiled: dict[str, Compiled] = {}
        named = [("amounts", n, s) for n, s in self.document.amounts.items()]
        named += [("conditions", n, s) for n, s in self.document.conditions.items()]
        for section, name, source in named:
            loc: tuple[int | str, ...] = (section, name)
            if name in scope.facts or name in scope.params or name in compiled:
                self.fail(f"'{name}' has the same name as a fact, parameter or named one", loc)
            here = replace(scope, conditions=dict(compiled))
            expect = BOOL if section == "conditions" else None
            compiled[name] = self.expr(source, loc, name, expect=expect, scope=here)
            if section == "amounts" and compiled[name].type not in NUMERIC:
                self.fail(f"amount '{name}' is {compiled[name].type}, not a number", loc, name)
        return replace(scope, conditions=compiled)

    def param_values(self, scope: Scope) -> dict[str, Value | Mapping[tuple[str, ...], Value]]:
        return {
            name: (p.values if isinstance(p, Table) else p[1]) for name, p in scope.params.items()
        }

    # --- expressions ---------------------------------------------------------------------

    def expr(
        self,
        source: Any,
        loc: tuple[int | str, ...],
        rule: str | None,
        expect: Type | None,
        scope: Scope | None = None,
    ) -> Compiled:
        try:
            return compile_expr(
                str(source).lower() if isinstance(source, bool) else str(source),
                scope or self.scope,
                expect=expect,
            )
        except ExprError as error:
            self.fail(f"{loc[-1]}: {error}", loc, rule)
            raise  # unreachable: fail() raises

    def rationale(
        self, text: str | Mapping[str, str], loc: tuple[int | str, ...], rule: str
    ) -> Wording:
        """Customer-facing text, each translation with its placeholders compiled."""
        if not isinstance(text, str):
            self.fail(
                "a pack's policy is written in English only; put each translation in "
                "translations/<language>.yaml",
                loc,
                rule,
            )
        variants = {"en": text} if isinstance(text, str) else dict(text)
        wording = {lang: self.phrase(value, loc, rule) for lang, value in variants.items()}
        key = _translation_key(loc, rule)
        for translation in self.translations:
            translated = translation.text(self.document.id, *key)
            if translated is not None:
                where = (self.document.id, *key)
                wording[translation.language] = self.translated(translated, translation, where)
        return Wording(wording)

    def translated(self, text: str, translation: Translation, key: tuple[str, ...]) -> Phrase:
        try:
            parts = tuple(
                compile_expr(m.group(1), self.outcome_scope) for m in _PLACEHOLDER.finditer(text)
            )
        except ExprError as error:
            raise PolicyError(
                f"{'.'.join(key)}: {error}", file=str(translation.path), line=translation.line(key)
            ) from None
        return Phrase(text, parts)

    def phrase(self, text: str, loc: tuple[int | str, ...], rule: str) -> Phrase:
        parts = tuple(
            self.expr(m.group(1), loc, rule, expect=None, scope=self.outcome_scope)
            for m in _PLACEHOLDER.finditer(text)
        )
        return Phrase(text, parts)

    def ids(
        self,
        names: Sequence[str],
        known: Mapping[str, object],
        what: str,
        loc: tuple[int | str, ...],
        rule: str,
    ) -> tuple[str, ...]:
        for name in names:
            if name not in known:
                self.fail(f"unknown {what} '{name}'", loc, rule)
        return tuple(names)

    # --- sections ------------------------------------------------------------------------

    def offers(self) -> dict[str, CompiledOffer]:
        compiled = {}
        for name, spec in self.document.offers.items():
            loc: tuple[int | str, ...] = ("offers", name)

            def optional(source: Any, key: str, kind: Type) -> Compiled | None:
                if source is None:
                    return None
                return self.expr(source, (*loc, key), name, expect=kind)  # noqa: B023

            if spec.kind not in self.domain.offer_kinds:
                kinds = ", ".join(self.domain.offer_kinds) or "none declared"
                self.fail(f"unknown offer kind '{spec.kind}'; use one of: {kinds}", (*loc, "kind"))
            amount = optional(spec.amount, "amount", MONEY)
            if amount is not None:
                self.bounded(amount, (*loc, "amount"), name)
            compiled[name] = CompiledOffer(
                name,
                spec.kind,
                amount,
                optional(spec.percent, "percent", DECIMAL),
                optional(spec.cap, "cap", MONEY),
                self.rationale(spec.terms, (*loc, "terms"), name),
            )
        return compiled

    def rule(self, rule: doc.Rule, stage: str, index: int) -> CompiledRule:
        section = "gates" if stage == "gate" else "outcomes"
        loc: tuple[int | str, ...] = (section, index)
        if rule.decision == "decline" and rule.refund is not None:
            self.fail("a decline cannot carry a refund", (*loc, "refund"), rule.id)
        if rule.decision == "partial" and rule.refund is None:
            self.fail("a partial decision needs a refund", loc, rule.id)
        when = self.expr(rule.when, (*loc, "when"), rule.id, expect=BOOL)
        return CompiledRule(
            id=rule.id,
            stage="gate" if stage == "gate" else "outcome",
            line=doc.line_of(self.raw, loc),
            when=when,
            decision=rule.decision,
            refund=self.refund(rule.refund, (*loc, "refund"), rule.id) if rule.refund else None,
            offers=self.ids(rule.offers, self.document.offers, "offer", (*loc, "offers"), rule.id),
            must_say=self.said(rule.must_say, loc, rule.id),
            must_not_say=self.unsaid(rule.must_not_say, loc, rule.id),
            rationale=self.rationale(rule.rationale, (*loc, "rationale"), rule.id),
            handover=self.handover(rule, loc, when),
        )

    def handover(
        self, rule: doc.Rule, loc: tuple[int | str, ...], when: Compiled
    ) -> CompiledEscalation | None:
        """A transfer's handover: to its target, with its reason, disclosures and rationale."""
        if rule.decision != "transfer":
            for key in ("target", "reason"):
                if getattr(rule, key) is not None:
                    self.fail(f"'{key}' belongs to a transfer only", (*loc, key), rule.id)
            return None
        if rule.refund is not None or rule.offers:
            self.fail("a transfer hands the request over: no refund or offers", loc, rule.id)
        if rule.target is None or rule.reason is None:
            self.fail("a transfer needs a 'target' and a 'reason' for the agent", loc, rule.id)
        assert rule.target is not None
        assert rule.reason is not None
        self.check_target(rule.target, (*loc, "target"), rule.id)
        return CompiledEscalation(
            id=rule.id,
            line=doc.line_of(self.raw, loc),
            when=when,
            target=rule.target,
            reason=rule.reason,
            must_say=self.said(rule.must_say, loc, rule.id),
            must_not_say=self.unsaid(rule.must_not_say, loc, rule.id),
            rationale=self.rationale(rule.rationale, (*loc, "rationale"), rule.id),
        )

    def check_target(self, target: str, loc: tuple[int | str, ...], rule: str) -> None:
        targets = self.domain.escalation_targets
        if target not in targets:
            self.fail(
                f"unknown escalation target '{target}'; use one of: {', '.join(targets)}",
                loc,
                rule,
            )

    def said(self, ids: Sequence[str], loc: tuple[int | str, ...], rule: str) -> tuple[str, ...]:
        """A rule's must_say ids, each checked against the policy's disclosures."""
        return self.ids(ids, self.document.disclosures, "disclosure", (*loc, "must_say"), rule)

    def unsaid(self, ids: Sequence[str], loc: tuple[int | str, ...], rule: str) -> tuple[str, ...]:
        """A rule's must_not_say ids, each checked against the policy's forbidden claims."""
        return self.ids(
            ids, self.document.forbidden, "forbidden claim", (*loc, "must_not_say"), rule
        )

    def refund(self, spec: doc.RefundSpec, loc: tuple[int | str, ...], rule: str) -> CompiledRefund:
        fees = tuple(
            (name, self.expr(source, (*loc, "fees", name), rule, expect=MONEY))
            for name, source in spec.fees.items()
        )
        amount = self.expr(spec.amount, (*loc, "amount"), rule, expect=MONEY)
        for compiled, where in [(amount, (*loc, "amount"))] + [
            (fee, (*loc, "fees", name)) for name, fee in fees
        ]:
            self.bounded(compiled, where, rule)
        for name, _ in fees:
            if name not in self.domain.fees:
                declared = ", ".join(self.domain.fees) or "none declared"
                self.fail(
                    f"unknown fee '{name}'; the domain's fees are: {declared}",
                    (*loc, "fees", name),
                    rule,
                )
        known = self.domain.destinations
        if spec.destination not in known:
            self.fail(
                f"unknown destination '{spec.destination}'; use one of: {', '.join(known)}",
                (*loc, "destination"),
                rule,
            )
        return CompiledRefund(amount, fees, spec.destination)

    def bounded(self, compiled: Compiled, loc: tuple[int | str, ...], rule: str) -> None:
        """Money paid out must be finite: an unlimited parameter may cap it, never be it."""
        if compiled.unbounded:
            self.fail(
                f"{loc[-1]}: '{compiled.source}' can be unlimited; bound it, as in "
                f"min({compiled.source}, items_total)",
                loc,
                rule,
            )

    def escalation(self, rule: doc.EscalationRule, index: int) -> CompiledEscalation:
        loc: tuple[int | str, ...] = ("escalations", index)
        self.check_target(rule.target, (*loc, "target"), rule.id)
        return CompiledEscalation(
            id=rule.id,
            line=doc.line_of(self.raw, loc),
            when=self.expr(rule.when, (*loc, "when"), rule.id, BOOL, self.outcome_scope),
            target=rule.target,
            reason=rule.reason,
            must_say=self.said(rule.must_say, loc, rule.id),
            must_not_say=self.unsaid(rule.must_not_say, loc, rule.id),
            rationale=self.rationale(rule.rationale, (*loc, "rationale"), rule.id),
        )

    def flag(self, rule: doc.FlagRule, index: int) -> CompiledFlag:
        loc: tuple[int | str, ...] = ("flags", index)
        return CompiledFlag(
            id=rule.id,
            line=doc.line_of(self.raw, loc),
            when=self.expr(rule.when, (*loc, "when"), rule.id, BOOL, self.outcome_scope),
            must_say=self.said(rule.must_say, loc, rule.id),
            must_not_say=self.unsaid(rule.must_not_say, loc, rule.id),
            rationale=self.rationale(rule.rationale, (*loc, "rationale"), rule.id),
        )

    def exception(self, rule: doc.ExceptionRule, index: int, gates: set[str]) -> CompiledException:
        loc: tuple[int | str, ...] = ("exceptions", index)
        self.ids(rule.waives, dict.fromkeys(gates), "gate", (*loc, "waives"), rule.id)
        caps: dict[str, Compiled] = {
            role: self.expr(cap, (*loc, "grantable_by", role), rule.id, expect=MONEY)
            for role, cap in rule.grantable_by.items()
        }
        return CompiledException(
            rule.id,
            doc.line_of(self.raw, loc),
            rule.description,
            frozenset(rule.waives),
            caps,
            self.rationale(rule.rationale, (*loc, "rationale"), rule.id),
        )

    # --- whole-policy checks -------------------------------------------------------------

    def check_detectable_claims(self) -> None:
        """Every forbidden claim needs a detector in the guard: one nothing can check would
        pass every draft silently."""
        for name in self.document.forbidden:
            if name not in CLAIM_DETECTORS:
                known = ", ".join(sorted(CLAIM_DETECTORS))
                self.fail(
                    f"forbidden claim '{name}' has no detector in the guard (known: {known})",
                    ("forbidden", name),
                )

    def check_unique_ids(self) -> None:
        seen: dict[str, str] = {}
        for section in _SECTIONS:
            for index, rule in enumerate(getattr(self.document, section)):
                if rule.id in seen:
                    self.fail(f"rule id already used in {seen[rule.id]}", (section, index), rule.id)
                seen[rule.id] = section

    def check_reachable(
        self, section: str, rules: tuple[CompiledRule, ...], *, final: bool
    ) -> None:
        for index, rule in enumerate(rules):
            if rule.when.source == "false":
                self.fail(
                    "can never fire: its condition is always false",
                    (section, index, "when"),
                    rule.id,
                )
            if rule.when.source == "true" and (index < len(rules) - 1 or not final):
                follower = rules[index + 1].id if index < len(rules) - 1 else "every outcome"
                self.fail(
                    f"always fires, so '{follower}' after it can never fire",
                    (section, index, "when"),
                    rule.id,
                )


def _translation_key(loc: tuple[int | str, ...], rule: str) -> tuple[str, ...]:
    """Where a translation file keeps the text at ``loc`` of the policy: rules by id."""
    if loc[0] in _SECTIONS:
        return ("rules", rule)
    if loc[0] == "needs_info":
        return ("needs_info",)
    return (str(loc[0]), str(loc[1]))  # disclosures.<id>, offers.<id>
