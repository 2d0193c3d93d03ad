"""The package's public names are exactly its ``__all__``, and each one is importable."""

from __future__ import annotations

import drafter


def test_all_lists_every_public_name() -> None:
    public = {name for name in vars(drafter) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(drafter, name)).__name__ == "module"}
    assert set(drafter.__all__) == public - modules


def test_every_listed_name_resolves() -> None:
    for name in drafter.__all__:
        assert getattr(drafter, name) is not None
