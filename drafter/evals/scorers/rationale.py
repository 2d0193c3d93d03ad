"""Rationale: the reply says why, not only what.

Counts sentences that give a reason (a causal connective such as "because", "so that",
"ya que", "car", "weil"). In English it also accepts a sentence that restates most of a
verdict rationale's content words, since the policy's own reason may be phrased without one.
"""

from __future__ import annotations

import re

from drafter.evals.lexicon import phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target, quoted

__all__ = ["RATIONALE"]

_CONTENT = re.compile(r"[^\W\d_]{5,}")


def _restates_policy(sentence: str, target: Target) -> bool:
    if target.language != "en":
        return False
    words = {w.lower() for w in _CONTENT.findall(sentence)}
    return any(
        reasons and len(words & reasons) / len(reasons) >= 0.5
        for reasons in target.facts.rationale_words
    )


def _score(target: Target) -> Outcome:
    connectives = phrases("tone", "rationale", target.language)
    giving = [
        s
        for s in target.reply.content_sentences
        if connectives.any(s) or _restates_policy(s, target)
    ]
    wanted = target.thresholds.rationale_min
    if len(giving) < wanted:
        return Outcome(value=0.0, passed=False, reason="states the decision without a reason")
    starts = [s.split()[0:6] for s in giving]
    shown = [" ".join(words) + "..." for words in starts]
    reason = f"{len(giving)} sentence(s) give a reason: {quoted(shown, 2)}"
    return Outcome(value=min(len(giving), 2) / 2, passed=True, reason=reason)


RATIONALE = Scorer(
    name="rationale",
    family="tone",
    hard=False,
    targets=("no_rationale",),
    description="The policy's reason is given, in plain words.",
    function=_score,
)
