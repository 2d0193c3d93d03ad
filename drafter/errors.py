"""The error hierarchy.

Errors that are the caller's fault are kept apart from run-time failures, so the edges (CLI,
HTTP) can map them to a clear message or status without guessing::

    DrafterError
    ├── UserError               the caller must fix something; never retried
    │   ├── ConfigError         bad settings
    │   ├── PolicyError         a policy file is malformed or fails its checks (file, line, rule)
    │   ├── RequestError        a request is malformed or inconsistent (field path)
    │   │   └── ExceptionGrantError   an exception the policy does not allow for that role or amount
    │   ├── UnknownPolicyError  no policy with that id
    │   ├── NotFoundError       no record with that id (a draft, a key)
    │   ├── AuthError           no API key, or a malformed, unknown or revoked one
    │   ├── ForbiddenError      a valid key whose role does not allow this
    │   ├── RateLimitedError    the key has used its requests for now (retry_after)
    │   └── IdempotencyError    an Idempotency-Key reused with another body, or still running
    └── RuntimeFailure          something outside the caller's control failed
        ├── LLMError            the language model endpoint failed
        ├── LookupFailed        the company's order system did not give a usable answer (kind)
        └── StoreError          the audit store could not be read or written
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AuthError",
    "ConfigError",
    "DrafterError",
    "ExceptionGrantError",
    "ForbiddenError",
    "IdempotencyError",
    "LLMError",
    "LLMUnreachable",
    "LookupFailed",
    "NotFoundError",
    "PolicyError",
    "RateLimitedError",
    "RequestError",
    "RuntimeFailure",
    "StoreError",
    "UnknownPolicyError",
    "UserError",
]


class DrafterError(Exception):
    """Base class for every error drafter raises on purpose."""


class UserError(DrafterError):
    """The caller must change something: input, a policy file or settings."""


class ConfigError(UserError):
    """A setting is missing, malformed or unsafe."""


class PolicyError(UserError):
    """A policy file is malformed or fails its load-time checks.

    The message always starts with ``file:line`` and names the rule when there is one.
    """

    def __init__(
        self, message: str, *, file: str, line: int | None = None, rule: str | None = None
    ) -> None:
        self.file = file
        self.line = line
        self.rule = rule
        self.detail = message
        where = f"{file}:{line}" if line is not None else file
        about = f" rule '{rule}':" if rule else ""
        super().__init__(f"{where}:{about} {message}")


class RequestError(UserError):
    """A request is malformed or inconsistent; ``field`` is the dotted path to the culprit."""

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        self.detail = message
        super().__init__(f"{field}: {message}")


class ExceptionGrantError(RequestError):
    """A request carries an exception the policy does not let that role grant, or over cap."""


class UnknownPolicyError(UserError):
    """No policy has the requested id."""

    def __init__(self, policy_id: str, *, known: list[str]) -> None:
        self.policy_id = policy_id
        self.known = known
        super().__init__(f"unknown policy '{policy_id}'; known: {', '.join(known) or 'none'}")


class RuntimeFailure(DrafterError):
    """Something outside the caller's control failed; the operation may succeed later."""


class LLMError(RuntimeFailure):
    """The language-model endpoint failed after retries, or answered with something unusable."""


class LLMUnreachable(LLMError):
    """No connection to the endpoint could be made: a fact about the set-up, not the model."""


class LookupFailed(RuntimeFailure):
    """A lookup in the company's order system gave nothing usable. ``kind`` says why:
    ``not_configured`` (no connection for the tenant), ``timeout``, ``unreachable``,
    ``not_found`` (the system has no record with that id), ``refused`` (any other status) or
    ``bad_answer`` (not JSON, too large, or a value that does not fit its field). The message
    names the lookup and never holds the credential."""

    def __init__(
        self,
        message: str,
        *,
        lookup: str,
        kind: Literal[
            "not_configured", "timeout", "unreachable", "not_found", "refused", "bad_answer"
        ],
    ) -> None:
        self.lookup = lookup
        self.kind = kind
        super().__init__(message)


class NotFoundError(UserError):
    """No record of that kind has that id."""

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"no {kind} with id '{record_id}'")


class AuthError(UserError):
    """No API key, or a malformed, unknown or revoked one."""


class ForbiddenError(UserError):
    """A valid key whose role does not allow what it asked for."""


class RateLimitedError(UserError):
    """The key has used up its requests for now; ``retry_after`` is in seconds."""

    def __init__(self, key_id: str, *, limit: int, retry_after: float) -> None:
        self.key_id = key_id
        self.limit = limit
        self.retry_after = retry_after
        super().__init__(f"key {key_id} is limited to {limit} requests per minute")


class IdempotencyError(UserError):
    """An Idempotency-Key was reused with a different body, or its first request is still
    running (``in_progress``)."""

    def __init__(self, message: str, *, in_progress: bool = False) -> None:
        self.in_progress = in_progress
        super().__init__(message)


class StoreError(RuntimeFailure):
    """The audit store could not be read or written; nothing was acknowledged."""
