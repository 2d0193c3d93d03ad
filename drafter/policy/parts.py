"""Building verdict parts, and sharing the ones every request gets alike.

The engine builds its models by validating values it produced itself. In pydantic-core that
is cheaper than ``model_construct``, whose loop over the fields runs in Python (measured on a
flat request's verdict: 3.1 against 4.2 us; Money 1.35 against 1.9 us), and a value of the
wrong type fails at once rather than reaching a caller. It calls the model's validator (the
documented ``__pydantic_validator__``) rather than ``model_validate``, whose Python frame and
six keyword arguments cost about 0.45 us a call (Money: 0.69 against 1.15 us), some 3 us of a
verdict's six to eight parts. Nested models are
passed as instances and kept as they are (pydantic does not validate an instance again). A part
whose content is fixed by the policy alone (the policy reference, a disclosure or rationale
without placeholders) is frozen and holds only strings, so a policy's verdicts share one
instance.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from drafter.policy.model import Policy
from drafter.schemas import Disclosure, PolicyRef, Rationale

__all__ = ["make", "policy_ref", "shared_text", "text_part"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", Disclosure, Rationale)


def make(cls: type[M], /, **fields: Any) -> M:
    """``cls`` with ``fields``, validated."""
    built: M = cls.__pydantic_validator__.validate_python(fields)
    return built


def text_part(cls: type[T], key: str, text: str) -> T:
    """A Disclosure (``id``) or Rationale (``rule``) with ``text``."""
    if cls is Disclosure:
        return make(cls, id=key, text=text)
    return make(cls, rule=key, text=text)


def shared_text(policy: Policy, cls: type[T], key: str, text: str) -> T:
    """The policy's one Disclosure or Rationale with this key and text."""
    memo = (cls, key, text)
    part = policy.parts.get(memo)
    if part is None:
        part = policy.parts[memo] = text_part(cls, key, text)
    return part  # type: ignore[return-value]


def policy_ref(policy: Policy) -> PolicyRef:
    """The policy's reference, shared by its verdicts."""
    ref = policy.parts.get(PolicyRef)
    if ref is None:
        ref = policy.parts[PolicyRef] = make(
            PolicyRef, id=policy.id, version=policy.version, sha256=policy.sha256
        )
    return ref  # type: ignore[return-value]
