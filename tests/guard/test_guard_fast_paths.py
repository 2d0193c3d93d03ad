"""The guard's fast paths give exactly what the plain way gives: a lexicon branch tried only
where its leading literal occurs finds the same matches as scanning the whole text, and the
words the form checks count are the split tokens without the punctuation around them."""

from __future__ import annotations

import random
import re
import string

from legacy import legacy_texts

from drafter.guard.gate import Gated, leading_literal
from drafter.guard.lexicon import load
from drafter.guard.text import Text

_PUNCTUATION = string.punctuation + "¡¿«»“”‘’—–…€£$%"


def _all_regexes(node: object) -> list[str]:
    """Every regex string in a lexicon file (lists and mappings of them, nested)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [r for value in node.values() for r in _all_regexes(value)]
    if isinstance(node, list):
        return [r for value in node for r in _all_regexes(value)]
    return []


def _lexicon_regexes() -> list[str]:
    names = ("leaks", "negation")
    found = [r for name in names for r in _all_regexes(load(name))]
    return [r for r in found if _compiles(r)]


def _compiles(regex: str) -> bool:
    try:
        re.compile(regex)
    except re.error:
        return False
    return "%" not in regex  # macros are expanded by the loader, not here


def _texts() -> list[str]:
    drafts = legacy_texts()
    rng = random.Random(7)
    words = " ".join(drafts).split()
    mixes = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 60))) for _ in range(150)]
    return drafts + mixes


def test_leading_literal_reads_the_fixed_start_of_a_pattern() -> None:
    assert leading_literal(r"\bfree\s+shipping\b") == "free"
    assert leading_literal(r"\b(?:we|I)'ll refund") is None
    assert leading_literal(r"(?<!\w)refund") is None
    assert leading_literal(r"(?i)\bfree") is None


def test_branches_tried_at_their_leading_literal_find_what_a_full_scan_finds() -> None:
    regexes = _lexicon_regexes()
    gated = Gated(("tag", regex) for regex in regexes)
    assert sum(lead is not None for lead in gated.leads) > 30
    for text in _texts():
        for index, (_, pattern, _) in enumerate(gated.branches):
            anchored = [m.span() for m in gated._matches(index, text)]
            assert anchored == [m.span() for m in pattern.finditer(text)], pattern.pattern


def test_words_are_the_split_tokens_without_surrounding_punctuation() -> None:
    rng = random.Random(3)
    alphabet = "ab1 ,.'-(\n\t¡¿«»—…€%é\u3000\x1c"
    sizes = [rng.randint(0, 16) for _ in range(3000)]
    samples = ["".join(rng.choice(alphabet) for _ in range(size)) for size in sizes]
    for sample in [*samples, *_texts()]:
        tokens = (token.strip(_PUNCTUATION) for token in sample.lower().split())
        expected = [word for word in tokens if word and not word[0].isdigit()]
        assert Text(sample).words == expected
