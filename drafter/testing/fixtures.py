"""pytest fixtures for the scripted LLM server, for any test suite to import into its conftest::

    from drafter.testing.fixtures import llm_server, llm_server_session  # noqa: F401

``llm_server`` gives each test the session's server with an empty script; point Settings at
``llm_server.base_url`` and queue steps with ``llm_server.script.push(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drafter.testing.llm_server import LLMServer, run_llm_server

__all__ = ["llm_server", "llm_server_session"]


@pytest.fixture(scope="session")
def llm_server_session() -> Iterator[LLMServer]:
    """One scripted server for the whole session (starting one costs ~50 ms)."""
    with run_llm_server() as server:
        yield server


@pytest.fixture
def llm_server(llm_server_session: LLMServer) -> Iterator[LLMServer]:
    """The session's scripted server, with an empty script and log for this test."""
    llm_server_session.script.reset()
    yield llm_server_session
    llm_server_session.script.reset()
