"""The folder listing reads as the flow, and the edges call each stage through its front door:
the API reaches the audit store only through ``drafter.store`` (its services wire the parts
together), and the store knows nothing of the pipeline, the API or the keys."""

from __future__ import annotations

import ast
from pathlib import Path

DRAFTER = Path(__file__).resolve().parents[1] / "drafter"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_api_writes_and_reads_the_store_through_its_front_door() -> None:
    reaching_in = {
        str(path.relative_to(DRAFTER)): sorted(
            m for m in imports(path) if m.startswith("drafter.store.")
        )
        for path in (DRAFTER / "api").rglob("*.py")
        if path.name != "services.py"  # where the store's parts are put together
    }
    assert {name: found for name, found in reaching_in.items() if found} == {}


def test_the_store_knows_nothing_of_the_pipeline_the_api_or_the_keys() -> None:
    for path in (DRAFTER / "store").rglob("*.py"):
        banned = {"drafter.pipeline", "drafter.api", "drafter.keys", "drafter.phrase"}
        assert not {
            m for m in imports(path) if m.split(".")[:2] and ".".join(m.split(".")[:2]) in banned
        }, path
