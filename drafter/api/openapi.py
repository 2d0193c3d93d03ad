"""The OpenAPI document: bodies are parsed by hand (see bodies.py), so their schemas are added
to the document here, under ``components/schemas``, and each route points at its own."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from drafter.api.bodies import BODY_MODELS

__all__ = ["body_of", "install_openapi"]

_REF = "#/components/schemas/{model}"
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
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
