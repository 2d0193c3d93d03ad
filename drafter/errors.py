"""The error hierarchy.

Errors that are the caller's fault are kept apart from run-time failures, so the edges (CLI,
HTTP) can map them to a clear message or status without guessing::

    DrafterError
    ├── UserError               the caller must fix something; never retried
    │   ├── ConfigError         bad settings
    │   ├── PolicyError         a policy file is malformed or fails its checks (file, line, rule)
    │   ├── RequestError        a request is malformed or inconsistent (field path)
    │   │   └── ExceptionGrantError   an exception the policy does not allow for that role or amount
    │   └── UnknownPolicyError  no policy with that id
    └── RuntimeFailure          something outside the caller's control failed
        └── LLMError            the language model endpoint failed
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DrafterError",
    "ExceptionGrantError",
    "LLMError",
    "PolicyError",
    "RequestError",
    "RuntimeFailure",
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
