"""drafter.evals's public names are exactly its ``__all__``, and each one resolves."""

from __future__ import annotations

import drafter.evals


def test_all_lists_every_public_name() -> None:
    public = {name for name in vars(drafter.evals) if not name.startswith("_")}
    modules = {n for n in public if type(getattr(drafter.evals, n)).__name__ == "module"}
    assert set(drafter.evals.__all__) == public - modules


def test_every_listed_name_resolves() -> None:
    for name in drafter.evals.__all__:
        assert getattr(drafter.evals, name) is not None
