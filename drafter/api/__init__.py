"""The HTTP API (FastAPI): routes, dependencies, errors as problem+json."""

from drafter.api.app import create_app

__all__ = ["create_app"]
