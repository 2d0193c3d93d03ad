"""Fixtures for the drafting tests: a renderer over prompts/, and the scripted LLM server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from drafter.prompting import PromptRenderer
from drafter.settings import Settings, project_root
from drafter.testing.llm_server import LLMServer, run_llm_server


@pytest.fixture(scope="session")
def renderer() -> PromptRenderer:
    return PromptRenderer(project_root() / "prompts")


@pytest.fixture(scope="session")
def _server() -> Iterator[LLMServer]:
    with run_llm_server() as server:
        yield server


@pytest.fixture
def llm_server(_server: LLMServer) -> Iterator[LLMServer]:
    """The session's scripted server, with an empty script for this test."""
    _server.script.reset()
    yield _server
    _server.script.reset()


def llm_settings(server: LLMServer, **overrides: Any) -> Settings:
    """Settings pointing at ``server``, with short timeouts so failure tests stay fast."""
    values: dict[str, Any] = {
        "llm_base_url": server.base_url,
        "llm_model": "test-model",
        "llm_api_key": "sk-test-secret",
        "llm_timeout_s": 2.0,
        "llm_deadline_s": 5.0,
    }
    return Settings(**{**values, **overrides})
