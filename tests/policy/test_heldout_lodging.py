"""lodging-standard against held-out cases written from its description alone (see
tests/policy/heldout_lodging/FIRST_RUN.txt for the first run, before any change)."""

from __future__ import annotations

from tests.policy.heldout_lodging.scoring import score


def test_the_policy_does_what_its_description_says() -> None:
    disagreements = [(r.id, r.problems) for r in score() if r.problems]
    assert disagreements == []
