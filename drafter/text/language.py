"""Which of en, es, fr and de a text is written in, by counting frequent function words
(``stopwords.yaml``). Owned and offline: no model, no download, linear in the text."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping
from importlib.resources import files

import yaml

from drafter.text import linear

__all__ = ["LANGUAGES", "detect_language", "stopwords"]

LANGUAGES = ("en", "es", "fr", "de")
_WORD = linear.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@functools.cache
def _stopwords() -> Mapping[str, tuple[str, ...]]:
    """Each stopword with the languages it belongs to."""
    text = files("drafter.text").joinpath("stopwords.yaml").read_text("utf-8")
    table = yaml.safe_load(text)["stopwords"]
    owners: dict[str, list[str]] = {}
    for lang, words in table.items():
        for word in words:
            owners.setdefault(str(word).casefold(), []).append(lang)
    return {word: tuple(langs) for word, langs in owners.items()}


def stopwords(language: str) -> frozenset[str]:
    """The function words of ``language`` (lower-cased)."""
    return frozenset(word for word, langs in _stopwords().items() if language in langs)


def detect_language(text: str | list[str]) -> tuple[str | None, Counter[str]]:
    """The most likely of en/es/fr/de for ``text`` (or its lower-cased words) and each
    language's stopword hits; None when no stopword occurs at all."""
    words = _WORD.findall(text.casefold()) if isinstance(text, str) else text
    counts = dict.fromkeys(LANGUAGES, 0)
    owners = _stopwords()
    for word in words:
        for lang in owners.get(word, ()):
            counts[lang] += 1
    hits = Counter(counts)
    best = max(LANGUAGES, key=lambda lang: hits[lang])
    return (best if hits[best] else None), hits
