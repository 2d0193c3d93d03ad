"""Facts about a case that several scorers read, computed once per case.

A case's raw draft and final reply share one ``CaseFacts``; without it each scorer would re-read
the verdict and the request for every reply it scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from drafter.evals.lexicon import phrases
from drafter.evals.text import parse_number
from drafter.schemas import Request, Verdict
from drafter.text.language import stopwords

__all__ = ["CaseFacts", "numbers_in"]

_LONG_WORD = re.compile(r"[^\W\d_]{5,}")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[Decimal]:
    """Every number written in ``text``."""
    parsed = (parse_number(token) for token in set(_DIGITS.findall(text)))
    return {number for number in parsed if number is not None}


@dataclass(frozen=True)
class CaseFacts:
    request: Request
    verdict: Verdict

    @property
    def language(self) -> str:
        return self.request.locale.split("-")[0]

    @cached_property
    def allowed_numbers(self) -> frozenset[Decimal]:
        """Numbers the verdict or the request gives, so a reply may repeat them."""
        verdict, request = self.verdict.model_dump_json(), self.request.model_dump_json()
        return frozenset(numbers_in(verdict) | numbers_in(request))

    @cached_property
    def message_words(self) -> frozenset[str]:
        """Content words of the customer's message (five letters or more, no function words)."""
        stop = stopwords(self.language)
        return frozenset(w.lower() for w in _LONG_WORD.findall(self.request.message)) - stop

    @cached_property
    def item_words(self) -> frozenset[str]:
        nouns = self.verdict.nouns
        names = nouns.details if nouns is not None else []
        return frozenset(w.lower() for name in names for w in _LONG_WORD.findall(name))

    @cached_property
    def rationale_words(self) -> tuple[frozenset[str], ...]:
        """The content words of each customer-facing rationale of the verdict."""
        return tuple(
            frozenset(w.lower() for w in _LONG_WORD.findall(r.text)) for r in self.verdict.rationale
        )

    @cached_property
    def verdict_has_timeline(self) -> bool:
        """Whether the verdict (in the policy's English) gives any time frame to state."""
        verdict = self.verdict
        texts = [d.text for d in verdict.must_say] + [o.terms for o in verdict.offers]
        texts += [r.text for r in verdict.rationale]
        return any(phrases("tone", "timeline", "en").any(text) for text in texts)
