"""Shared fixtures. Every test runs with drafter's data directory in a temporary folder, so
nothing ever touches the real home directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.testing.fixtures import llm_server, llm_server_session

__all__ = ["FIXTURES", "ROOT", "llm_server", "llm_server_session"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "policy" / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path / "drafter-data"))
