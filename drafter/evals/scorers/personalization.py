"""Personalization: the customer's name and a reference to their order, plan, item or, for a
pack's case, its reference (a booking id).

The name must be in the body; the reference may be in the subject of an email too.
"""

from __future__ import annotations

import re

from drafter.evals.lexicon import phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target

__all__ = ["PERSONALIZATION"]

_NAME_PART = re.compile(r"[^\W\d_]{2,}")
_ITEM_WORD = re.compile(r"[^\W\d_]{4,}")


def _whole(target: Target) -> str:
    """The subject (email) and the body: both are what the customer reads."""
    return f"{target.subject or ''}\n{target.reply.text}"


def _name_used(target: Target) -> str | None:
    parts: list[str] = _NAME_PART.findall(target.request.customer.name)
    return next((p for p in parts if re.search(rf"\b{re.escape(p)}\b", target.reply.text)), None)


def _references(target: Target) -> list[str]:
    request, text = target.request, _whole(target)
    lower = text.lower()
    ids = [request.ticket_id]
    nouns = target.verdict.nouns
    if nouns is not None:  # the case: its reference (an order or booking id)
        ids.append(nouns.reference)
    found = [i for i in ids if i and i in text]
    for name in nouns.details if nouns is not None else ():  # an order's items
        words = [w for w in _ITEM_WORD.findall(name) if w.lower() in lower]
        found += [name] if words else []
    found += phrases("situations", "plan", target.language).find(text)
    return found


def _score(target: Target) -> Outcome:
    name, references = _name_used(target), _references(target)
    value = (bool(name) + bool(references)) / 2
    parts = [f"name '{name}'" if name else "no name"]
    parts.append(f"refers to {', '.join(references[:2])}" if references else "no order or item")
    return Outcome(value=value, passed=value == 1, reason="; ".join(parts))


PERSONALIZATION = Scorer(
    name="personalization",
    family="tone",
    hard=False,
    targets=("impersonal",),
    description="Uses the customer's name and refers to their order, plan or item.",
    function=_score,
)
