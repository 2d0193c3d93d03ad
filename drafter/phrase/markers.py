"""Commitment markers: where a reply's commitments go, and which ones a verdict calls for.

The model writes the human parts of a reply and places a marker wherever the company commits
to something: ``[[decision]]``, ``[[reason:RULE]]``, ``[[refund]]``, ``[[offer:ID]]``,
``[[disclosure:ID]]``, ``[[next_step]]``, ``[[questions]]`` (needs_info) and ``[[handoff]]``
(escalate). drafter replaces each marker with a sentence rendered from the verdict
(``drafter.phrase.phrasebook``), so the model never types a figure, an offer or the decision.

A verdict calls for an exact set of markers (:func:`expected_markers`): every one of them must
appear once, and no other. Escalate and needs_info have no outcome yet, so their markers
commit only to the handoff or the questions: never to the refund, offers or disclosures of the
outcome a reviewer may still choose.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from drafter.schemas import Decision, Verdict
from drafter.text import linear

__all__ = ["MARKER", "Segment", "expected_markers", "kind_of", "split"]

# A well-formed marker: a kind, and for some kinds an id. Linear: no nested quantifiers.
MARKER = linear.compile(r"\[\[([a-z_]{1,20})(?::([A-Za-z0-9_.\-]{1,80}))?\]\]")
_DECIDED = (Decision.approve, Decision.partial, Decision.decline)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of the model's body: free text (``key`` None) or one marker (``key`` set).

    ``start`` and ``end`` index the body as the model wrote it.
    """

    text: str
    start: int
    end: int
    key: str | None = None


def split(body: str) -> Iterator[Segment]:
    """The body as alternating free-text and marker segments, in order (free runs may be
    empty strings only at the very start and end, which are skipped)."""
    position = 0
    for match in MARKER.finditer(body):
        if match.start() > position:
            yield Segment(body[position : match.start()], position, match.start())
        kind, ident = match.group(1), match.group(2)
        key = f"{kind}:{ident}" if ident is not None else kind
        yield Segment(match.group(0), match.start(), match.end(), key=key)
        position = match.end()
    if position < len(body):
        yield Segment(body[position:], position, len(body))


def expected_markers(verdict: Verdict) -> tuple[str, ...]:
    """Every marker a reply to ``verdict`` must contain, in the order a reply usually has them.

    - approve, partial, decline: the decision, the refund if there is one, each reason, each
      offer, each disclosure, the next step;
    - escalate: the decision, the escalation's own reasons, the handoff, each disclosure (the
      engine gives an escalation only its own), the next step;
    - needs_info: the decision, the questions, each disclosure, the next step.
    """
    keys = ["decision"]
    if verdict.decision in _DECIDED:
        if verdict.refund is not None:
            keys.append("refund")
        keys += [f"reason:{rule}" for rule in _reason_rules(verdict)]
        keys += [f"offer:{offer.id}" for offer in verdict.offers]
    elif verdict.decision is Decision.escalate:
        keys += [f"reason:{rule}" for rule in _reason_rules(verdict)]
        keys.append("handoff")
    else:
        keys.append("questions")
    keys += [f"disclosure:{item.id}" for item in verdict.must_say]
    keys.append("next_step")
    return tuple(dict.fromkeys(keys))


def _reason_rules(verdict: Verdict) -> list[str]:
    """The rules whose customer-facing reasons the reply gives. An escalation gives only its
    own and the flags' reasons: the outcome rule's reason explains a decision not yet made."""
    rules = [r.rule for r in verdict.rationale]
    if verdict.decision is Decision.escalate:
        flags = {s.rule for s in verdict.trace if s.stage == "flag" and s.result == "fired"}
        rules = [rule for rule in rules if rule == verdict.rule or rule in flags]
    return list(dict.fromkeys(rules))


def kind_of(key: str) -> str:
    """``offer`` for ``offer:store_credit``."""
    return key.partition(":")[0]
