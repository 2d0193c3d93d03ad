"""Loading the guard's lexicons: YAML data files shipped in ``drafter/guard/lexicons/``.

Lexicons are data, not code, so a support lead can review a new phrase in a pull request
without reading Python. Each file is read and compiled once per process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any

import yaml

from drafter.guard.gate import Gated
from drafter.text import linear

__all__ = [
    "LANGUAGES",
    "alternation",
    "by_language",
    "gated",
    "gated_keys",
    "keyed_patterns",
    "load",
    "patterns",
]

LANGUAGES = ("en", "es", "fr", "de")
_FLAGS = re.IGNORECASE


@functools.cache
def load(name: str) -> Mapping[str, Any]:
    """The parsed lexicon ``lexicons/<name>.yaml``; a missing or malformed file is a bug."""
    text = files("drafter.guard").joinpath("lexicons").joinpath(f"{name}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, Mapping):
        raise TypeError(f"lexicon {name}.yaml must be a mapping")
    return data


def alternation(
    regexes: Iterable[str], *, flags: int = _FLAGS, longest: int | None = None
) -> re.Pattern[str]:
    """One compiled pattern that matches any of ``regexes`` (``longest``: see
    ``drafter.text.linear.compile``).

    A pattern that can never match is returned for an empty list, so callers need no guard.
    """
    regexes = list(regexes)
    if not regexes:
        return linear.compile(r"(?!x)x", flags, longest=longest)
    # A shared leading word boundary is factored out: the engine then rejects most positions
    # with one test instead of trying every branch there (a large speed-up on long lists).
    if all(regex.startswith(r"\b") for regex in regexes):
        inner = "|".join(f"(?:{regex[2:]})" for regex in regexes)
        return linear.compile(rf"\b(?:{inner})", flags, longest=longest)
    return linear.compile("|".join(f"(?:{regex})" for regex in regexes), flags, longest=longest)


def _expand(regex: str, macros: Mapping[str, str]) -> str:
    for name, body in macros.items():
        regex = regex.replace(f"%{name}%", body)
    return regex


def _for_languages(by_lang: Mapping[str, list[str]], langs: tuple[str, ...] | None) -> list[str]:
    chosen = by_lang.keys() if langs is None else [lang for lang in langs if lang in by_lang]
    return [regex for lang in chosen for regex in by_lang[lang]]


@functools.cache
def patterns(
    name: str, key: str, langs: tuple[str, ...] | None = None, *, longest: int | None = None
) -> re.Pattern[str]:
    """All regexes under ``key`` of lexicon ``name`` (a list, or a mapping of lists by
    language, of which only ``langs`` are taken when given), with ``%macro%`` placeholders
    expanded, as one alternation (run on texts at most ``longest`` long, when given)."""
    data = load(name)
    macros: Mapping[str, str] = data.get("macros", {})
    entry = data[key]
    regexes = entry if isinstance(entry, list) else _for_languages(entry, langs)
    return alternation((_expand(regex, macros) for regex in regexes), longest=longest)


def by_language(name: str, key: str) -> Mapping[str, list[str]]:
    """The per-language lists under ``key`` of lexicon ``name``."""
    entry = load(name)[key]
    if not isinstance(entry, Mapping):
        raise TypeError(f"lexicon {name}.yaml: {key} must map languages to lists")
    return entry


def _table(name: str, section: str | None) -> Mapping[str, Mapping[str, list[str]]]:
    data = load(name)
    table: Mapping[str, Mapping[str, list[str]]] = data[section] if section else data
    return table


@functools.cache
def keyed_patterns(
    name: str, section: str | None = None, langs: tuple[str, ...] | None = None
) -> Mapping[str, re.Pattern[str]]:
    """For a lexicon (or one section of it) that maps keys to per-language regex lists, one
    alternation per key over ``langs`` (all languages when None)."""
    return {
        key: alternation(_for_languages(by_lang, langs))
        for key, by_lang in _table(name, section).items()
    }


@functools.cache
def gated(name: str, key: str, langs: tuple[str, ...] | None = None) -> Gated:
    """The regexes of ``patterns(name, key, langs)`` as a ``Gated`` list (tagged by key)."""
    data = load(name)
    macros: Mapping[str, str] = data.get("macros", {})
    entry = data[key]
    regexes = entry if isinstance(entry, list) else _for_languages(entry, langs)
    return Gated((key, _expand(regex, macros)) for regex in regexes)


@functools.cache
def gated_keys(
    name: str, section: str | None, keys: frozenset[str], langs: tuple[str, ...] | None
) -> Gated:
    """Several keys of a keyed lexicon as one ``Gated`` list; each match is tagged by key."""
    table = _table(name, section)
    return Gated(
        (key, regex)
        for key in sorted(keys)
        if key in table
        for regex in _for_languages(table[key], langs)
    )
