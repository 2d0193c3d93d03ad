"""Disclosures: every ``must_say`` item present, no ``must_not_say`` item present.

An item the draft quotes word for word (in whatever language the verdict carries it) is
said, in any locale. Otherwise the verdict's text may be in English (a policy without a
translation) while the draft is in the customer's language, so presence is tested in a
language-neutral way first:

1. every figure in the item's text (amounts, percentages, dates, timeframes) must appear in
   the draft with the same value ("5 to 10 business days" needs 5 and 10 days, whatever the
   words around them);
2. for each key-term group that ``lexicons/disclosures.yaml`` lists for the item id in the
   draft's language, one of its terms must appear.

An item with neither figures nor key terms is tested by content-word overlap in English and is
reported as unverifiable in another language: the guard fails closed rather than guess.

``must_not_say`` items are looked up by id in ``lexicons/forbidden.yaml`` (admission of fault,
promises of outcome, blaming the customer) and reported where no negator reaches the phrase;
an id without a lexicon is reported only when the draft repeats the item's own text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping

from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.lexicon import alternation, gated_keys, load
from drafter.guard.numbers import Figure, extract_cached
from drafter.guard.text import Text, is_negated
from drafter.guard.verbatim import quoted
from drafter.schemas import Disclosure, Violation

__all__ = ["check_forbidden", "check_must_say"]

_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")
_OVERLAP_NEEDED = 0.6
_ENGLISH_FILLER = frozenset(
    [
        "that",
        "this",
        "with",
        "your",
        "from",
        "have",
        "will",
        "been",
        "within",
        "they",
        "them",
        "their",
        "there",
        "what",
        "when",
        "which",
        "into",
        "after",
        "before",
        "about",
        "would",
        "could",
        "should",
        "also",
        "only",
        "more",
        "than",
        "each",
    ]
)


@functools.cache
def _key_terms(item_id: str, lang: str) -> tuple[re.Pattern[str], ...] | None:
    entry: Mapping[str, list[list[str]]] | None = load("disclosures").get(item_id)
    if entry is None or lang not in entry:
        return None
    return tuple(alternation(group) for group in entry[lang])


def _same(figure: Figure, other: Figure) -> bool:
    if figure.kind != other.kind:
        return False
    if figure.kind == "date":
        return bool(set(figure.dates) & set(other.dates))
    if figure.kind == "timeframe":
        return set(figure.values) <= set(other.values) and figure.unit == other.unit
    return figure.values == other.values


def _figures_present(item: Disclosure, draft_figures: tuple[Figure, ...]) -> bool | None:
    """Whether every figure of the item is in the draft; None when the item has none."""
    needed = extract_cached(item.text)
    if not needed:
        return None
    return all(any(_same(f, d) for d in draft_figures) for f in needed)


def _overlap_present(item: Disclosure, text: Text) -> bool:
    words = {w.casefold() for w in _CONTENT_WORD.findall(item.text)} - _ENGLISH_FILLER
    found = {w.casefold() for w in _CONTENT_WORD.findall(text.scan)}
    return not words or len(words & found) >= _OVERLAP_NEEDED * len(words)


def _missing(ctx: Context, item: Disclosure, text: Text, figures: tuple[Figure, ...]) -> str | None:
    """Why the item is missing from ``text``, or None when it is present."""
    if quoted(item.text, text.scan):
        return None
    by_figures = _figures_present(item, figures)
    if by_figures is False:
        return f"does not state the figures of required disclosure '{item.id}': {item.text}"
    terms = _key_terms(item.id, ctx.lang)
    if terms is not None:
        if all(term.search(text.scan) for term in terms):
            return None
        return f"does not state required disclosure '{item.id}': {item.text}"
    if by_figures:
        return None
    if ctx.lang == "en":
        return None if _overlap_present(item, text) else f"does not state '{item.id}': {item.text}"
    return (
        f"cannot verify required disclosure '{item.id}' in '{ctx.lang}': it has no figures and "
        "lexicons/disclosures.yaml has no key terms for it"
    )


def check_must_say(ctx: Context, text: Text) -> Iterator[Violation]:
    """A violation for each ``must_say`` item the draft does not state."""
    if not ctx.verdict.must_say:
        return
    figures = text.figures
    for item in ctx.verdict.must_say:
        reason = _missing(ctx, item, text, figures)
        if reason is not None:
            yield violation(Code.MISSING_DISCLOSURE, reason, text, 0, 0)


def _verbatim(item: Disclosure) -> re.Pattern[str]:
    words = [re.escape(word) for word in item.text.split()]
    return re.compile(r"\s+".join(words), re.IGNORECASE)


def check_forbidden(ctx: Context, text: Text) -> Iterator[Violation]:
    """A violation for each affirmative phrase of a ``must_not_say`` item."""
    known = load("forbidden")
    for item in ctx.verdict.must_not_say:
        if item.id in known:
            lexicon = gated_keys("forbidden", None, frozenset({item.id}), ctx.langs)
            matches = [match for _, match in lexicon.finditer(text.scan, text.lower)]
        else:
            matches = list(_verbatim(item).finditer(text.scan))
        for match in matches:
            start, end = match.span()
            if not is_negated(text, start, end):
                message = f"says what the verdict forbids ('{item.id}': {item.text})"
                yield violation(Code.FORBIDDEN_CLAIM, message, text, start, end)
