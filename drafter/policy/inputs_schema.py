"""The JSON Schema of a policy's inputs (``drafter policy schema``), from which the browser
extension builds its facts form. Each property names the request field it comes from
(``x-source``) and any other field it reads (``x-also-reads``), so the form offers every field
whose absence would leave the fact missing."""

from __future__ import annotations

from typing import Any

from drafter.policy.facts import CATALOGUE
from drafter.policy.model import Policy
from drafter.policy.types import BOOL, DECIMAL, INT, MONEY, EnumType, Type
from drafter.schemas import Request

__all__ = ["inputs_schema"]


def inputs_schema(policy: Policy) -> dict[str, Any]:
    properties = {name: _property(name, kind) for name, kind in sorted(policy.inputs.items())}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"drafter:policy/{policy.id}/{policy.version}/inputs",
        "title": f"Inputs of {policy.title}",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "x-policy": {"id": policy.id, "version": policy.version, "sha256": policy.sha256},
        "x-request-schema": Request.model_json_schema(),
    }


def _property(name: str, kind: Type) -> dict[str, Any]:
    fact = CATALOGUE[name]
    schema: dict[str, Any] = {"title": fact.question, "x-source": fact.source}
    if fact.also:
        schema["x-also-reads"] = list(fact.also)
    schema.update(_json_type(kind))
    return schema


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
    return {"type": "string"}
