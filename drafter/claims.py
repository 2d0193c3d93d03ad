"""The claims a policy may forbid (its ``forbidden:`` section), each with the categories of the
guard's free-text check that detect it (``drafter/guard/lexicons/free_text.yaml``).

It is the contract between the two stages: the policy loader refuses a forbidden claim that is
not listed here, because nothing could check it, and the guard reports a committing word of
one of these categories wherever a reply's own words contain it. Adding a claim means adding
its detector first.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["CLAIM_DETECTORS"]

CLAIM_DETECTORS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "admission_of_fault": ("fault",),
        "promised_outcome": ("promise", "decision"),
        "invented_procedure": ("promise", "money", "timing", "figure"),
    }
)
