"""Commitments: the markers are exactly the ones the verdict calls for, and the model's own
words (and the subject) commit to nothing (``drafter.guard.free_text``).

A marker the verdict does not call for (an offer it does not allow, a refund on a decline), a
marker placed twice, a missing one, or a broken one (``[[ decision ]]``) is a violation. So is
a claim in the model's structured output that the text contradicts: the claims are compared
with the text, never trusted instead of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.free_text import CATEGORY_CODES, find
from drafter.guard.leaks import contact_spans, phone_spans
from drafter.guard.text import Text, fold
from drafter.phrase.phrasebook import Composed
from drafter.schemas import DraftClaims, Violation
from drafter.text import linear

__all__ = ["check_free_text", "check_markers"]

_BRACKETS = linear.compile(r"\[\[|\]\]")
_WHAT = {
    "decision": "decision language (the decision is stated only by [[decision]])",
    "money": "money or remedy language (refunds and alternatives exist only as markers)",
    "promise": "a promise, prediction or hedge (what happens next is only in markers)",
    "fault": "an admission of fault",
    "completeness": "a word that could describe an amount as complete",
    "timing": "a date, deadline or timing word (timing is only in markers)",
    "figure": "a figure (numbers, amounts and percentages exist only in markers)",
}


def check_markers(
    ctx: Context, text: Text, draft: Composed, claims: DraftClaims | None
) -> Iterator[Violation]:
    """Markers missing, not allowed, repeated or broken; claims the text contradicts."""
    shift = text.body_start
    expected = ctx.expected_markers
    seen: Counter[str] = Counter()
    for part in draft.parts:
        if part.key is None:
            for match in _BRACKETS.finditer(part.text):
                start = shift + part.start + match.start()
                message = "has a broken marker: write markers exactly as listed, like [[decision]]"
                yield violation(Code.MARKER_BROKEN, message, text, start, start + 2)
            continue
        seen[part.key] += 1
        span = (shift + part.start, shift + part.end)
        if part.key not in expected:
            message = f"uses the marker [[{part.key}]], which this verdict does not allow"
            yield violation(Code.MARKER_NOT_ALLOWED, message, text, *span)
        elif seen[part.key] > 1:
            message = f"places the marker [[{part.key}]] more than once"
            yield violation(Code.MARKER_REPEATED, message, text, *span)
    for key in expected:
        if not seen[key]:
            message = f"leaves out the marker [[{key}]], which this verdict requires"
            yield violation(Code.MARKER_MISSING, message, text, 0, 0)
    yield from _claims(ctx, text, draft, claims)


def _claims(
    ctx: Context, text: Text, draft: Composed, claims: DraftClaims | None
) -> Iterator[Violation]:
    if claims is None:
        return
    decision = ctx.verdict.decision
    if claims.decision is not None and claims.decision != decision:
        message = f"claims to state '{claims.decision.value}', but the decision is '{decision}'"
        yield violation(Code.CLAIMS_CONTRADICTED, message, text, 0, 0)
    if claims.markers and set(claims.markers) != set(draft.markers):
        message = "lists markers in markers_used that differ from the ones in the text"
        yield violation(Code.CLAIMS_CONTRADICTED, message, text, 0, 0)


def check_free_text(
    ctx: Context, text: Text, draft: Composed, subject: str | None
) -> Iterator[Violation]:
    """Every committing word in the model's own words and in the subject."""
    lang = ctx.lang
    runs = [(text.body_start + part.start, part.text) for part in draft.free]
    if subject:
        runs.insert(0, (0, subject))
    for offset, run in runs:
        # Names are the request's own words; contact points are the leak check's to judge.
        scan = fold(run)
        skip = [*_names(run, draft.names), *contact_spans(scan), *phone_spans(scan)]
        for found in find(run, lang, skip):
            code = CATEGORY_CODES[found.category]
            message = f"says in its own words {_WHAT[found.category]}"
            yield violation(code, message, text, offset + found.start, offset + found.end)


def _names(run: str, names: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """Where the request's names and identifiers occur in ``run``."""
    lowered = run.casefold()
    if len(lowered) != len(run):  # casefolding changed lengths (ß): search case-sensitively
        lowered = run
    for name in names:
        needle = name.casefold() if lowered is not run else name
        if not needle:
            continue
        start = lowered.find(needle)
        while start >= 0:
            yield start, start + len(needle)
            start = lowered.find(needle, start + len(needle))
