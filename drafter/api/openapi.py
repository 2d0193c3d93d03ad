"""The OpenAPI document: bodies are parsed by hand (see bodies.py), so their schemas are added
to the document here, under ``components/schemas``, and each route points at its own.

Errors are declared here too, where they apply, each as ``application/problem+json`` (see
problems.py): 401 and 429 on every route behind a key, 413 and 422 on every route with a body,
422 on a route with a constrained parameter, and 404 on a route that names a resource in its
path. FastAPI's own 422 (its validation error shape, which this API never sends) is replaced.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from drafter.api.bodies import BODY_MODELS

__all__ = ["body_of", "install_openapi"]

_REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"  # as problems.py sends it (not imported: a cycle)
OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # everything else needs a key
_BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key from `drafter keys create`.",
}


def body_of(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is ``model``."""
    schema = {"$ref": _REF.format(model=model.__name__)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _body_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in BODY_MODELS:
        # JSON mode: dates are strings, exactly what the parser accepts.
        schema = model.model_json_schema(ref_template=_REF, mode="validation")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _declare_security(document: dict[str, Any]) -> None:
    """Every operation but health and readiness takes a bearer key (checked in deps.py)."""
    document["components"]["securitySchemes"] = {"bearer": _BEARER}
    for path, operations in document["paths"].items():
        if path not in OPEN_PATHS:
            for operation in operations.values():
                operation["security"] = [{"bearer": []}]


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem. Validation problems list every field at fault.",
    "required": ["type", "title", "status", "detail", "instance", "request_id"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/invalid-request"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "pointer", "message"],
                "properties": {
                    "field": {"type": "string", "examples": ["request.ask.amount"]},
                    "pointer": {"type": "string", "examples": ["/request/ask/amount"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
_PROBLEMS = {
    401: "No API key, or a malformed, unknown or revoked one.",
    404: "Nothing with this id (or it belongs to another tenant).",
    409: "The first request with this Idempotency-Key is still running.",
    413: "The body is larger than the service accepts.",
    422: "The request is invalid; the problem names each field at fault.",
    429: "The key's rate limit is spent; Retry-After says when to try again.",
}


def _problem_statuses(path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer with (besides its own, such as 409)."""
    statuses: set[int] = set()
    if path not in OPEN_PATHS:
        statuses |= {401, 429}
    if "requestBody" in operation:
        statuses |= {413, 422}
    parameters = operation.get("parameters", [])
    if any("pattern" in json.dumps(parameter.get("schema", {})) for parameter in parameters):
        statuses.add(422)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    return statuses


def _declare_problems(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["Problem"] = _PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's, never sent
        document["components"]["schemas"].pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": _REF.format(model="Problem")}}}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in sorted(_problem_statuses(path, operation)):
                responses[str(status)] = {"description": _PROBLEMS[status]}
            for status, response in responses.items():
                if int(status) >= 400 and path not in OPEN_PATHS:
                    response["content"] = content


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the body schemas (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = document.setdefault("components", {})
            for name, schema in _body_schemas().items():
                components.setdefault("schemas", {}).setdefault(name, schema)
            _declare_security(document)
            _declare_problems(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
