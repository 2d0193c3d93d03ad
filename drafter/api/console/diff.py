"""The agent's sent text against the final reply, word by word, for the draft page.

The agent's text is up to 50,000 characters of anyone's writing. ``difflib.SequenceMatcher``
can take minutes on some pairs (2,000 words against the same words interleaved with others
took 56 s), so the comparison is Myers' algorithm from diff-match-patch, run with a deadline:
past its deadline it returns a coarser diff (still exact: every character is kept) instead
of the shortest one. One deadline serves a whole page (``DEADLINE_S`` from its start), so a
draft with many long edits takes no longer than one. Words are compared as units, each
mapped to one character first (the library's documented way of diffing lines or words), and
the library's semantic clean-up then joins small scattered edits into readable phrases.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]

from drafter.text import linear

__all__ = ["DEADLINE_S", "Diff", "Piece", "compare", "deadline"]

DEADLINE_S = 0.25
_WORDS = linear.compile(r"\s+|\S+")  # words and the space between them, nothing lost
_FIRST = 0xE000  # word codes start in the private use area, clear of surrogates

Kind = Literal["same", "removed", "added"]
_KINDS: dict[int, Kind] = {0: "same", -1: "removed", 1: "added"}


@dataclass(frozen=True, slots=True)
class Piece:
    kind: Kind
    text: str


@dataclass(frozen=True, slots=True)
class Diff:
    """``pieces`` in reading order; ``added`` and ``removed`` count words."""

    pieces: list[Piece]
    added: int
    removed: int

    @property
    def identical(self) -> bool:
        return self.added == 0 and self.removed == 0


def _encode(text: str, codes: dict[str, str], words: list[str]) -> str:
    out = []
    for word in _WORDS.findall(text):
        code = codes.get(word)
        if code is None:
            code = codes[word] = chr(_FIRST + len(words))
            words.append(word)
        out.append(code)
    return "".join(out)


def deadline() -> float:
    """The time (``time.time()``) by which a page's comparisons settle for a coarser diff."""
    return time.time() + DEADLINE_S


def compare(before: str, after: str, until: float) -> Diff:
    """What changed from ``before`` (the reply) to ``after`` (what the agent sent), the
    shortest diff if it can be found by ``until`` (see ``deadline()``)."""
    codes: dict[str, str] = {}
    words: list[str] = []
    old, new = _encode(before, codes, words), _encode(after, codes, words)
    matcher = diff_match_patch()
    pieces: list[Piece] = []
    added = removed = 0
    diffs = matcher.diff_main(old, new, False, until)
    matcher.diff_cleanupSemantic(diffs)  # about 1 ms for 750 edits
    for op, coded in diffs:
        text = [words[ord(code) - _FIRST] for code in coded]
        kind = _KINDS[op]
        pieces.append(Piece(kind, "".join(text)))
        changed = sum(1 for word in text if not word.isspace())
        added += changed if kind == "added" else 0
        removed += changed if kind == "removed" else 0
    return Diff(pieces, added, removed)
