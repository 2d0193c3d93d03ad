"""Shared fixtures. Every test runs with drafter's data directory in a temporary folder, so
nothing ever touches the real home directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drafter.testing.fixtures import llm_server, llm_server_session

__all__ = ["FIXTURES", "ROOT", "SHOP", "llm_server", "llm_server_session", "shop_pack"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "policy" / "fixtures"
SHOP = FIXTURES / "shop"  # the test pack: its domain and the mini-store policy


def shop_pack(tmp_path: Path) -> Path:
    """A copy of the test pack (its domain, translations and mini-store) in ``tmp_path``, for a
    test to write policy variants in."""
    folder = tmp_path / "shop"
    if not folder.exists():
        shutil.copytree(SHOP, folder, ignore=shutil.ignore_patterns("*.tests.yaml"))
    return folder


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path / "drafter-data"))
