"""Verdict texts quoted word for word in a draft, and the masked copy some checks read.

A verdict carries customer-facing texts written by the policy's authors: each rule's
rationale, the ``must_say`` disclosures, the offers' terms and the questions for missing
facts. A draft that quotes one of them verbatim says exactly what the verdict says, so that
span is allowed content by definition, whatever words it holds: "gift card" in a rationale is
not a store-credit offer, "money back" in a decline's reason is not a refund promise, and an
English text in a Spanish reply (policies are English unless they give a translation) is not
the draft slipping into English.

The guard therefore finds these quotations (whitespace, case and apostrophe style may differ;
every word must be there, in order) and gives the decision, offer and language checks a copy
of the draft where each quoted span is blanked out. Nothing else is relaxed: the checks still
read every other word, and figures, leaks, injected content and forbidden claims are still
checked over the whole draft, quotations included.

The blank keeps every position (violations still point into the real draft) and is built so
that it neither joins nor hides what is around it: it opens and closes with a line break (a
clause and sentence boundary, so a negator before a quotation cannot reach past it and
nothing can match across it) and is filled with a punctuation mark that no lexicon reads as a
word or a space.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from drafter.guard.text import fold
from drafter.schemas import Decision, Verdict

__all__ = ["MIN_QUOTE_WORDS", "mask", "quoted", "quoted_spans", "verdict_texts"]

# A text of one or two words ("Final sale.") is a phrase, not a quotation: blanking it would
# hide the same words wherever the draft uses them in its own sentences.
MIN_QUOTE_WORDS = 3
_DECIDED = frozenset({Decision.approve, Decision.partial, Decision.decline})
_FILL = "…"
_EDGE = "\n"


def verdict_texts(verdict: Verdict) -> tuple[str, ...]:
    """The verdict's customer-facing texts a draft may quote, each once: rationale,
    disclosures, questions, and the offers' terms when the verdict has decided (on escalate or
    needs_info its offers are only the reviewer's options, which a reply must not quote)."""
    texts = [r.text for r in verdict.rationale]
    texts += [d.text for d in verdict.must_say]
    if verdict.decision in _DECIDED:
        texts += [o.terms for o in verdict.offers]
    texts += [n.question for n in verdict.needs]
    return tuple(dict.fromkeys(t for t in texts if t.strip()))


@functools.lru_cache(maxsize=4096)
def _quotation(text: str) -> re.Pattern[str] | None:
    """A pattern for ``text`` word for word, with any run of whitespace between words."""
    words = fold(text).split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)


def quoted(text: str, scan: str) -> bool:
    """Whether ``scan`` (a draft's scan copy) quotes ``text`` word for word."""
    pattern = _quotation(text)
    return pattern is not None and pattern.search(scan) is not None


def quoted_spans(texts: Iterable[str], scan: str) -> tuple[tuple[int, int], ...]:
    """Every span of ``scan`` that quotes one of ``texts`` (those of at least
    ``MIN_QUOTE_WORDS`` words), sorted, with overlapping spans merged."""
    spans: list[tuple[int, int]] = []
    for text in texts:
        pattern = _quotation(text)
        if pattern is not None and len(text.split()) >= MIN_QUOTE_WORDS:
            spans += [match.span() for match in pattern.finditer(scan)]
    return _merged(sorted(spans))


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def mask(scan: str, spans: Iterable[tuple[int, int]]) -> str:
    """``scan`` with each span blanked out, every other character left in place."""
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts += [scan[done:start], _blank(end - start)]
        done = end
    parts.append(scan[done:])
    return "".join(parts)


def _blank(length: int) -> str:
    if length < 2:
        return _EDGE * length
    return _EDGE + _FILL * (length - 2) + _EDGE
