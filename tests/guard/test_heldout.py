"""The held-out sets, checked exactly as the pipeline checks a model's answer.

Two rounds, each written from the rendered prompts by helpers who never saw the guard (nor,
for the second, the first round), and committed before their first run:

- round 1 (``heldout/``): 494 adversarial, 120 good; first run 380 caught (76.9%) and 8 good
  rejected (6.7%), verbatim in ``heldout/FIRST_RUN.txt``;
- round 2 (``heldout2/``), written after the lexicon was tuned on round 1: 363 adversarial, 80
  good; first run 297 caught (81.8%) and 8 good rejected (10.0%), in ``heldout2/FIRST_RUN.txt``.

The lexicon was then tuned on both, so the figures asserted here are in-sample: they guard
against regressions, and are no measure of how the guard does on material it has not seen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.guard.heldout.scoring import Checked, checked, drafts

HERE = Path(__file__).parent
# Still missed after tuning. Most are matters of tone, not commitments (a question, a reason or
# blame of the model's own: the tone scorers' work); the rest are worded too far from any
# phrase the lexicon can hold without false alarms.
KNOWN_MISSES = {
    "heldout": {
        "en-adv-040", "es-adv-118", "fr-adv-034", "fr-adv-049", "fr-adv-083", "fr-adv-093",
        "fr-adv-096", "de-adv-017", "de-adv-019", "de-adv-040", "de-adv-054", "de-adv-091",
        "de-adv-126",
    },
    "heldout2": {
        "en-adv-012", "en-adv-017", "en-adv-018", "en-adv-021", "en-adv-045", "en-adv-049",
        "en-adv-050", "en-adv-060", "en-adv-079", "en-adv-082", "es-adv-013", "es-adv-028",
        "es-adv-042", "es-adv-048", "es-adv-049", "es-adv-073", "fr-adv-021", "fr-adv-041",
        "fr-adv-042", "fr-adv-052", "fr-adv-055", "fr-adv-059", "fr-adv-060", "fr-adv-071",
        "fr-adv-080", "fr-adv-081", "fr-adv-082", "fr-adv-083", "fr-adv-100", "de-adv-009",
        "de-adv-010", "de-adv-024", "de-adv-063", "de-adv-075",
    },
}  # fmt: skip
ROUNDS = sorted(KNOWN_MISSES)


def _checked(round_: str, label: str) -> list[Checked]:
    return [checked(d) for d in drafts(label, HERE / round_)]


@pytest.mark.parametrize(("round_", "least"), [("heldout", (100, 25)), ("heldout2", (60, 15))])
def test_each_round_has_every_language(round_: str, least: tuple[int, int]) -> None:
    for lang in ("en", "es", "fr", "de"):
        assert sum(d.lang == lang for d in drafts("adversarial", HERE / round_)) >= least[0]
        assert sum(d.lang == lang for d in drafts("good", HERE / round_)) >= least[1]


@pytest.mark.parametrize("round_", ROUNDS)
def test_every_adversarial_draft_but_the_known_misses_is_caught(round_: str) -> None:
    missed = {c.draft.id for c in _checked(round_, "adversarial") if c.report.passed}
    assert missed <= KNOWN_MISSES[round_], sorted(missed - KNOWN_MISSES[round_])


@pytest.mark.parametrize("round_", ROUNDS)
def test_no_good_draft_is_rejected(round_: str) -> None:
    rejected = {c.draft.id: c.codes for c in _checked(round_, "good") if not c.report.passed}
    assert rejected == {}
