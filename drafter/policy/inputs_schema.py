"""The JSON Schema of a policy's inputs (``drafter policy schema``), from which the browser
extension builds its facts form. Each property names the request field it comes from
(``x-source``) and any other field it reads (``x-also-reads``), so the form offers every field
whose absence would leave the fact missing. It also carries the schema of the request's
``case`` part and the domain's closed lists."""

from __future__ import annotations

from typing import Any

from drafter.policy.model import Policy
from drafter.policy.types import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INT,
    MONEY,
    EnumType,
    Type,
)
from drafter.schemas import Request

__all__ = ["inputs_schema"]


def inputs_schema(policy: Policy) -> dict[str, Any]:
    properties = {
        name: _property(policy, name, kind) for name, kind in sorted(policy.inputs.items())
    }
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"drafter:policy/{policy.id}/{policy.version}/inputs",
        "title": f"Inputs of {policy.title}",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "x-policy": {"id": policy.id, "version": policy.version, "sha256": policy.sha256},
        "x-request-schema": _request_schema(policy),
    }
    domain = policy.domain
    schema["x-domain"] = {
        "id": domain.id,
        "noun": domain.noun,
        "asks": dict(domain.asks),
        "reasons": dict(domain.reasons),
        "case-schema": domain.case_schema(),
    }
    return schema


def _request_schema(policy: Policy) -> dict[str, Any]:
    """The Request's schema, with the domain's case schema in place of the free-form ``case``
    object, so a form can reach ``case.booking.check_in``."""
    schema = Request.model_json_schema()
    # The ask's kind and reason are words of the policy's vocabulary: list them.
    ask = schema["$defs"]["Ask"]["properties"]
    domain = policy.domain
    ask["kind"]["enum"] = sorted(domain.asks)
    for branch in ask["reason"].get("anyOf", []):
        if branch.get("type") == "string":
            branch["enum"] = sorted(domain.reasons)
    if any("now" in domain.reads_of(name) for name in policy.inputs):
        # The policy counts hours: a date alone would be refused.
        schema["properties"]["as_of"] = {
            "type": "string",
            "format": "date-time",
            "title": "As of",
            "description": "When the request is decided, with a time zone.",
        }
    case = domain.case_schema()
    schema.setdefault("$defs", {}).update(case.pop("$defs", {}))
    schema["properties"]["case"] = case
    schema["required"] = sorted({*schema.get("required", []), "case"})
    return schema


def _property(policy: Policy, name: str, kind: Type) -> dict[str, Any]:
    sources = policy.domain.sources(name)
    question = policy.domain.question(name, "en")
    schema: dict[str, Any] = {"title": question, "x-source": sources[0]}
    if len(sources) > 1:
        schema["x-also-reads"] = list(sources[1:])
    schema.update(_json_type(kind))
    if isinstance(kind, EnumType) and _copies(policy, name, sources[0]):
        # The field holds the fact's value itself, so a form can offer these as its choices;
        # a worked-out fact (refund_to from a payment method's id) must not.
        schema["x-field-values"] = sorted(kind.values)
    return schema


def _copies(policy: Policy, name: str, source: str) -> bool:
    """Whether the fact is its field's value as it stands (``value: order.status``)."""
    declared = policy.domain.facts.get(name)
    if declared is None:  # an envelope fact: ask.kind, ask.reason
        return True
    return declared.compiled.source.strip() == source.removeprefix("case.")


def _json_type(kind: Type) -> dict[str, Any]:
    if isinstance(kind, EnumType):
        return {"type": "string", "enum": sorted(kind.values)}
    if kind == BOOL:
        return {"type": "boolean"}
    if kind == INT:
        return {"type": "integer"}
    if kind == MONEY:
        return {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "format": "money"}
    if kind == DECIMAL:
        return {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    if kind == DATE:
        return {"type": "string", "format": "date"}
    if kind == DATETIME:
        return {"type": "string", "format": "date-time"}
    if kind == DURATION:
        return {"type": "string", "format": "duration"}
    return {"type": "string"}
