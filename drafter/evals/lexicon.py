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

__all__ = ["LANGUAGES", "Phrases", "lexicon", "phrases", "word_set"]

LANGUAGES = ("en", "es", "fr", "de")
_DIRECTORY = Path(__file__).parent / "lexicons"


@dataclass(frozen=True)
class Phrases:
    """One concept in one language, compiled to a single alternation."""

    concept: str
    language: str
    pattern: re.Pattern[str] | None
    entries: tuple[str, ...] = ()

    def find(self, text: str) -> list[str]:
        """Every match in ``text``, as written."""
        if self.pattern is None:
            return []
        return [match.group(0) for match in self.pattern.finditer(text)]

    def count(self, text: str) -> int:
        return len(self.find(text))

    def any(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None


_SPACE, _WILD, _END = "\x00space", "\x00wild", "\x00end"


def _atoms(entry: str) -> list[str]:
    """A plain phrase as trie atoms: its characters, word gaps and its ending."""
    atoms: list[str] = []
    for index, word in enumerate(entry.rstrip("*").lower().split()):
        atoms += [_SPACE] if index else []
        atoms += list(word)
    return [*atoms, _WILD if entry.endswith("*") else _END]


def _trie_pattern(node: dict[str, dict[str, object]]) -> str:
    """A regular expression for a character trie: one branch per distinct next atom, so the
    matcher never tries phrases whose first letters already differ."""
    branches = []
    # Letters before word gaps and endings: an alternation takes the first branch that
    # matches, so "I completely understand" is tried before the shorter "I".
    for atom in sorted(node, key=lambda a: (a.startswith("\x00"), a)):
        child = node[atom]
        if atom == _END:
            branches.append(r"\b")
        elif atom == _WILD:
            branches.append(r"\w*")
        else:
            head = r"\s+" if atom == _SPACE else re.escape(atom)
            branches.append(head + _trie_pattern(child))  # type: ignore[arg-type]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _plain_pattern(entries: list[str]) -> str:
    trie: dict[str, dict[str, object]] = {}
    for entry in entries:
        node: dict[str, object] = trie  # type: ignore[assignment]
        for atom in _atoms(entry):
            node = node.setdefault(atom, {})  # type: ignore[assignment]
    return r"\b" + _trie_pattern(trie)


def _compile(entries: list[str], *, where: str) -> re.Pattern[str] | None:
    if not entries:
        return None
    plain = [e for e in entries if not e.startswith("re:")]
    parts = [f"(?:{e[3:]})" for e in entries if e.startswith("re:")]
    if plain:
        parts.insert(0, _plain_pattern(plain))
    try:
        return re.compile("|".join(parts), re.IGNORECASE)
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
        pattern = _compile(entries, where=where)
        compiled[language] = Phrases(concept, language, pattern, tuple(entries))
    return compiled


@cache
def word_set(name: str, concept: str, language: str) -> frozenset[str]:
    """The entries of a concept made of single plain words, lowercased, as a set: for such
    lists a set lookup per word is all the matching needed."""
    entries = phrases(name, concept, language).entries
    return frozenset(e.lower() for e in entries if " " not in e and not e.startswith("re:"))


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
