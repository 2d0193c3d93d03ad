"""Fixtures for the eval suite: the config, the policies and the loaded cases, once per run."""

from __future__ import annotations

import pytest

from drafter.evals.cases import EvalCase, load_cases
from drafter.evals.config import EvalConfig, load_config
from drafter.policy import PolicyRegistry
from drafter.settings import Settings


@pytest.fixture(scope="session")
def config() -> EvalConfig:
    return load_config()


@pytest.fixture(scope="session")
def registry() -> PolicyRegistry:
    return PolicyRegistry(Settings().policies_dir)


@pytest.fixture(scope="session")
def cases(config: EvalConfig, registry: PolicyRegistry) -> list[EvalCase]:
    return load_cases(config.cases_dir, registry)


@pytest.fixture(scope="session")
def case_by_id(cases: list[EvalCase]) -> dict[str, EvalCase]:
    return {case.id: case for case in cases}
