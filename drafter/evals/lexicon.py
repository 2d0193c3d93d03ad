"""Phrase lists the tone and compliance scorers match against, in en, es, fr and de.

Lexicons live in ``drafter/evals/lexicons/<file>.yaml``; each file maps a concept to one list
per language::

    apology:
      en: ["sorry", "apologi*", "re:\\bmy bad\\b"]
      es: ["lo siento", "disculp*"]
      fr: [...]
      de: [...]

A plain entry is a phrase: case-insensitive, whole words, any run of whitespace between words,
and a trailing ``*`` for any word ending. An entry starting with ``re:`` is a regular
expression, for the few patterns phrases can't say. Every concept must list all four
languages (an empty list is an explicit "nothing to match"), so a missing translation is a
load error, never a silent pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from drafter.errors import ConfigError

__all__ = ["LANGUAGES", "Phrases", "lexicon", "phrases"]

LANGUAGES = ("en", "es", "fr", "de")
_DIRECTORY = Path(__file__).parent / "lexicons"


@dataclass(frozen=True)
class Phrases:
    """One concept in one language, compiled to a single alternation."""

    concept: str
    language: str
    pattern: re.Pattern[str] | None

    def find(self, text: str) -> list[str]:
        """Every match in ``text``, as written."""
        if self.pattern is None:
            return []
        return [match.group(0) for match in self.pattern.finditer(text)]

    def count(self, text: str) -> int:
        return len(self.find(text))

    def any(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None


def _compile_entry(entry: str) -> str:
    if entry.startswith("re:"):
        return f"(?:{entry[3:]})"
    wildcard = entry.endswith("*")
    words = entry.rstrip("*").split()
    body = r"\s+".join(re.escape(word) for word in words)
    start = r"\b" if re.match(r"\w", entry) else ""
    end = r"\w*" if wildcard else (r"\b" if re.search(r"\w$", entry) else "")
    return f"{start}{body}{end}"


def _compile(entries: list[str], *, where: str) -> re.Pattern[str] | None:
    if not entries:
        return None
    try:
        return re.compile("|".join(_compile_entry(e) for e in entries), re.IGNORECASE)
    except re.error as error:
        raise ConfigError(f"{where}: an entry is not a valid pattern: {error}") from None


@cache
def lexicon(name: str) -> dict[str, dict[str, Phrases]]:
    """All concepts of ``lexicons/<name>.yaml``, compiled, by concept then language.

    Raises:
        ConfigError: the file is missing or malformed, or a concept lacks a language.
    """
    path = _DIRECTORY / f"{name}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"lexicon {path}: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"lexicon {path}: expected a mapping of concepts")
    return {concept: _languages(path, concept, lists) for concept, lists in raw.items()}


def _languages(path: Path, concept: str, lists: object) -> dict[str, Phrases]:
    if not isinstance(lists, dict) or set(lists) != set(LANGUAGES):
        raise ConfigError(f"lexicon {path}: '{concept}' must list exactly {list(LANGUAGES)}")
    compiled = {}
    for language in LANGUAGES:
        entries = lists[language]
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(f"lexicon {path}: '{concept}.{language}' must be a list of strings")
        where = f"lexicon {path}: '{concept}.{language}'"
        compiled[language] = Phrases(concept, language, _compile(entries, where=where))
    return compiled


def phrases(name: str, concept: str, language: str) -> Phrases:
    """The phrases of ``concept`` in ``lexicons/<name>.yaml`` for ``language``.

    Raises:
        ConfigError: no such concept, or a language drafter does not support.
    """
    concepts = lexicon(name)
    if concept not in concepts:
        raise ConfigError(f"lexicon '{name}' has no concept '{concept}'")
    if language not in LANGUAGES:
        raise ConfigError(f"language '{language}' is not one of {list(LANGUAGES)}")
    return concepts[concept][language]
