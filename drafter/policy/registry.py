"""Find policies by id under a directory: ``<id>.yaml`` at its top (a policy on the built-in
retail and SaaS facts), or inside a pack folder, beside the pack's ``domain.yaml``. Each has its
test table, ``<id>.tests.yaml``, beside it."""

from __future__ import annotations

from pathlib import Path

from drafter.errors import PolicyError, UnknownPolicyError
from drafter.policy.loader import load_policy
from drafter.policy.model import Policy

__all__ = ["PolicyRegistry"]


class PolicyRegistry:
    """Loads each policy once, on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._loaded: dict[str, Policy] = {}

    def paths(self) -> dict[str, Path]:
        """Every policy file by id. Two files with one id stop the registry: which one a
        request meant could not be told."""
        found: dict[str, Path] = {}
        candidates = [*self.directory.glob("*.yaml"), *self.directory.glob("*/*.yaml")]
        for path in sorted(candidates):
            if path.name == "domain.yaml" or path.name.endswith(".tests.yaml"):
                continue
            if path.parent != self.directory and not (path.parent / "domain.yaml").is_file():
                continue  # a folder that is not a pack
            policy_id = path.name.removesuffix(".yaml")
            if policy_id in found:
                raise PolicyError(
                    f"policy id '{policy_id}' is also used by {found[policy_id]}", file=str(path)
                )
            found[policy_id] = path
        return found

    def ids(self) -> list[str]:
        return sorted(self.paths())

    def get(self, policy_id: str) -> Policy:
        if policy_id not in self._loaded:
            self._loaded[policy_id] = load_policy(self.path(policy_id))
        return self._loaded[policy_id]

    def path(self, policy_id: str) -> Path:
        paths = self.paths()
        if policy_id not in paths:
            raise UnknownPolicyError(policy_id, known=sorted(paths))
        return paths[policy_id]

    def tests_path(self, policy_id: str) -> Path:
        return self.path(policy_id).with_name(f"{policy_id}.tests.yaml")
