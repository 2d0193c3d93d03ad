"""Find policies by id in a directory (``<id>.yaml``, with ``<id>.tests.yaml`` beside it)."""

from __future__ import annotations

from pathlib import Path

from drafter.errors import UnknownPolicyError
from drafter.policy.loader import load_policy
from drafter.policy.model import Policy

__all__ = ["PolicyRegistry"]


class PolicyRegistry:
    """Loads each policy once, on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._loaded: dict[str, Policy] = {}

    def ids(self) -> list[str]:
        return sorted(
            p.name.removesuffix(".yaml")
            for p in self.directory.glob("*.yaml")
            if not p.name.endswith(".tests.yaml")
        )

    def get(self, policy_id: str) -> Policy:
        if policy_id not in self._loaded:
            if policy_id not in self.ids():
                raise UnknownPolicyError(policy_id, known=self.ids())
            self._loaded[policy_id] = load_policy(self.path(policy_id))
        return self._loaded[policy_id]

    def path(self, policy_id: str) -> Path:
        return self.directory / f"{policy_id}.yaml"

    def tests_path(self, policy_id: str) -> Path:
        return self.directory / f"{policy_id}.tests.yaml"
