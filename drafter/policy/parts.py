"""Building verdict parts without validation, and sharing the ones every request gets alike.

Validating a whole verdict costs more than evaluating the policy, so the engine builds its
models with pydantic's ``model_construct`` from values it produced itself; the golden and
property tests validate verdicts strictly, so a wrong type here fails a test rather than
reaching a caller. A part whose content is fixed by the policy alone (the policy reference, a
disclosure or rationale without placeholders) is frozen and holds only strings, so a policy's
verdicts share one instance.
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
    """``cls`` with exactly ``fields`` (every field, always passed), not validated."""
    return cls.model_construct(**fields)


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
