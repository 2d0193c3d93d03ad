"""Fixtures for the drafting tests: a renderer over prompts/, and the scripted LLM server."""

from __future__ import annotations

from typing import Any

import pytest

from drafter.phrase.prompting import PromptRenderer
from drafter.settings import Settings, project_root
from drafter.testing.fixtures import llm_server, llm_server_session
from drafter.testing.llm_server import LLMServer

__all__ = ["llm_server", "llm_server_session", "llm_settings", "renderer"]


@pytest.fixture(scope="session")
def renderer() -> PromptRenderer:
    return PromptRenderer(project_root() / "prompts")


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
