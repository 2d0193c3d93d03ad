"""Fixtures for the eval cases: the shipped policies and the loaded cases, once per run."""

from __future__ import annotations

import pytest

from drafter.evals.cases import EvalCase, load_cases
from drafter.policy import PolicyRegistry
from drafter.settings import Settings, project_root


@pytest.fixture(scope="session")
def registry() -> PolicyRegistry:
    return PolicyRegistry(Settings().policies_dir)


@pytest.fixture(scope="session")
def cases(registry: PolicyRegistry) -> list[EvalCase]:
    return load_cases(project_root() / "evals" / "cases", registry)
