"""The agent's sent text against the final reply, word by word, for the draft page.

The agent's text is up to 50,000 characters of anyone's writing, and ``SequenceMatcher`` can
take time in the product of the two lengths. So the comparison has a budget: word by word
when the texts are short enough, line by line when not, and no comparison at all (both texts
shown whole) past that. The page's time stays bounded whatever is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from drafter.text import linear

__all__ = ["BUDGET", "Diff", "Piece", "compare"]

BUDGET = 4_000_000  # token pairs a comparison may weigh (about 50 ms on this machine)
_WORDS = linear.compile(r"\s+|\S+")  # words and the space between them, nothing lost

Kind = Literal["same", "removed", "added"]


@dataclass(frozen=True, slots=True)
class Piece:
    kind: Kind
    text: str


@dataclass(frozen=True, slots=True)
class Diff:
    """``pieces`` in reading order; ``unit`` is "word", "line", or "none" when too long."""

    pieces: list[Piece]
    unit: str
    added: int
    removed: int

    @property
    def identical(self) -> bool:
        return self.added == 0 and self.removed == 0 and self.unit != "none"


def _tokens(text: str, unit: str) -> list[str]:
    return _WORDS.findall(text) if unit == "word" else text.splitlines(keepends=True)


def compare(before: str, after: str) -> Diff:
    """What changed from ``before`` (the reply) to ``after`` (what the agent sent)."""
    for unit in ("word", "line"):
        old, new = _tokens(before, unit), _tokens(after, unit)
        if len(old) * len(new) <= BUDGET:
            return _diff(old, new, unit)
    return Diff([Piece("removed", before), Piece("added", after)], "none", 0, 0)


def _diff(old: list[str], new: list[str], unit: str) -> Diff:
    pieces: list[Piece] = []
    added = removed = 0
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(old[i1:i2])))
            removed += sum(1 for t in old[i1:i2] if not t.isspace())
        if j2 > j1:
            pieces.append(Piece("added", "".join(new[j1:j2])))
            added += sum(1 for t in new[j1:j2] if not t.isspace())
    return Diff(pieces, unit, added, removed)
