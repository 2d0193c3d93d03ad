"""Gated alternations: a long list of regexes run only where they can match.

A lexicon is a list of regexes. Compiled as one alternation, Python's engine tries every
branch at every word of the draft, which costs far more than the guard's budget. Instead each
branch is compiled alone, together with the literal text any match of it must contain (read
from the regex's parse tree: the longest run of literal characters that is not optional, or
a set of them when it sits in an alternation: ``\\b(?:we|I)'ll\\s+refund`` needs "refund"),
and it runs only when that text occurs in the lower-cased draft. A branch with no literal it
must contain always runs. The result is the same set of
matches, leftmost first, with overlaps resolved in favour of the earlier and longer match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

from drafter.text import linear

__all__ = ["Gated", "required_literals"]

Needs = frozenset[str] | None
_MIN_LEAD = 2
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_REPEATS |= {getattr(sre_constants, "POSSESSIVE_REPEAT", sre_constants.MAX_REPEAT)}


def _strength(needs: Needs) -> int:
    return 0 if not needs else min(len(text) for text in needs)


def _stronger(first: Needs, second: Needs) -> Needs:
    return second if _strength(second) > _strength(first) else first


def _alternatives(alternatives: Iterable[Any]) -> Needs:
    found: set[str] = set()
    for alternative in alternatives:
        needs = _sequence(alternative)
        if not needs:
            return None
        found |= needs
    return frozenset(found)


def _item(op: Any, av: Any) -> Needs:
    if op == sre_constants.SUBPATTERN:
        return _sequence(av[-1])
    if op == sre_constants.BRANCH:
        return _alternatives(av[1])
    if op in _REPEATS and av[0] >= 1:
        return _sequence(av[2])
    return None


def _sequence(items: Any) -> Needs:
    best: Needs = None
    run = ""
    for op, av in items:
        if op == sre_constants.LITERAL:
            run += chr(av)
            continue
        best = _stronger(best, frozenset({run}) if run else None)
        run = ""
        best = _stronger(best, _item(op, av))
    return _stronger(best, frozenset({run}) if run else None)


def leading_literal(regex: str) -> str | None:
    """The literal text every match of ``regex`` starts with, past zero-width tests such as
    ``\\b`` (``\\bfree\\s+shipping`` starts with "free"), or None when it has none or sets
    flags inline (the literal would then be read with other flags than the pattern's)."""
    try:
        parsed = sre_parser.parse(regex)
    except (re.error, TypeError, ValueError):
        return None
    if parsed.state.flags & ~sre_constants.SRE_FLAG_UNICODE:
        return None
    items = list(parsed)
    first = next((i for i, (op, _) in enumerate(items) if op != sre_constants.AT), len(items))
    run = ""
    for op, av in items[first:]:
        if op != sre_constants.LITERAL:
            break
        run += chr(av)
    return run or None


def required_literals(regex: str) -> Needs:
    """Lower-cased literal texts one of which every match of ``regex`` contains, or None."""
    try:
        needs = _sequence(sre_parser.parse(regex))
    except (re.error, TypeError, ValueError):
        return None
    return None if not needs else frozenset(text.lower() for text in needs)


class Gated:
    """Regexes, each tagged (a lexicon key or language), run only where their prefix occurs."""

    def __init__(self, tagged: Iterable[tuple[str, str]], flags: int = re.IGNORECASE) -> None:
        tagged_list = list(tagged)
        self.branches = [
            (tag, linear.compile(regex, flags), tuple(required_literals(regex) or ()))
            for tag, regex in tagged_list
        ]
        # Each literal once, with the branches it opens; branches with none always run.
        self.literals: dict[str, list[int]] = {}
        self.always = [i for i, (_, _, needs) in enumerate(self.branches) if not needs]
        for index, (_, _, needs) in enumerate(self.branches):
            for literal in needs:
                self.literals.setdefault(literal, []).append(index)
        # A branch that starts with a literal is tried only where that literal occurs (found
        # with the branch's own flags), not at every position of the text.
        self.leads = [self._lead(regex, flags) for _, regex in tagged_list]
        # Each literal with the branches it opens, as a frozenset to gather in one union.
        self._opens = tuple((lit, frozenset(indices)) for lit, indices in self.literals.items())

    @staticmethod
    def _lead(regex: str, flags: int) -> re.Pattern[str] | None:
        # A one-letter lead ("a", "I") occurs so often that trying the branch at each of its
        # places costs more than one scan.
        lead = leading_literal(regex)
        return (
            None
            if lead is None or len(lead) < _MIN_LEAD
            else linear.compile(re.escape(lead), flags)
        )

    def _matches(self, index: int, text: str) -> list[re.Match[str]]:
        """What ``finditer`` gives for branch ``index``: the leftmost match, then the leftmost
        one from its end, and so on. A branch with a leading literal can only match where the
        literal does, so only those places are tried, in order."""
        pattern, lead = self.branches[index][1], self.leads[index]
        if lead is None:
            return list(pattern.finditer(text))
        found: list[re.Match[str]] = []
        done = 0
        place = lead.search(text)
        while place is not None:
            start = place.start()
            match = pattern.match(text, start) if start >= done else None
            if match is not None:
                found.append(match)
                done = match.end()
            place = lead.search(text, start + 1)
        return found

    def _open(self, lower: str) -> list[int]:
        """Indices of the branches that may match ``lower``, in lexicon order."""
        found = [opens for literal, opens in self._opens if literal in lower]
        if not found:
            return list(self.always)
        return sorted(set(self.always).union(*found))

    def may_match(self, lower: str) -> bool:
        """Whether some branch may match ``lower`` (one's literal occurs, or it has none)."""
        return bool(self._open(lower))

    def opened(self, lower: str) -> list[re.Pattern[str]]:
        """The branches that may match ``lower`` or any part of it, compiled."""
        return [self.branches[index][1] for index in self._open(lower)]

    def finditer(self, text: str, lower: str) -> list[tuple[str, re.Match[str]]]:
        """Matches in ``text`` (``lower`` is ``text.lower()``), leftmost first, no overlaps."""
        found: list[tuple[str, re.Match[str]]] = []
        for index in self._open(lower):
            tag = self.branches[index][0]
            found += [(tag, match) for match in self._matches(index, text)]
        found.sort(key=lambda item: (item[1].start(), -item[1].end()))
        kept: list[tuple[str, re.Match[str]]] = []
        for item in found:
            if not kept or item[1].start() >= kept[-1][1].end():
                kept.append(item)
        return kept

    def search(self, text: str, lower: str) -> bool:
        """Whether any branch matches anywhere in ``text``."""
        return any(self.branches[i][1].search(text) is not None for i in self._open(lower))
