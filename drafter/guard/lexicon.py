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

__all__ = ["LANGUAGES", "alternation", "by_language", "keyed_patterns", "load", "patterns"]

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


def alternation(regexes: Iterable[str], *, flags: int = _FLAGS) -> re.Pattern[str]:
    """One compiled pattern that matches any of ``regexes``.

    A pattern that can never match is returned for an empty list, so callers need no guard.
    """
    parts = [f"(?:{regex})" for regex in regexes]
    return re.compile("|".join(parts) if parts else r"(?!x)x", flags)


def _expand(regex: str, macros: Mapping[str, str]) -> str:
    for name, body in macros.items():
        regex = regex.replace(f"%{name}%", body)
    return regex


@functools.cache
def patterns(name: str, key: str) -> re.Pattern[str]:
    """All regexes under ``key`` of lexicon ``name`` (a list, or a mapping of lists by
    language), with ``%macro%`` placeholders expanded, as one alternation."""
    data = load(name)
    macros: Mapping[str, str] = data.get("macros", {})
    entry = data[key]
    regexes = entry if isinstance(entry, list) else [r for lang in entry.values() for r in lang]
    return alternation(_expand(regex, macros) for regex in regexes)


def by_language(name: str, key: str) -> Mapping[str, list[str]]:
    """The per-language lists under ``key`` of lexicon ``name``."""
    entry = load(name)[key]
    if not isinstance(entry, Mapping):
        raise TypeError(f"lexicon {name}.yaml: {key} must map languages to lists")
    return entry


@functools.cache
def keyed_patterns(name: str, section: str | None = None) -> Mapping[str, re.Pattern[str]]:
    """For a lexicon (or one section of it) that maps keys to per-language regex lists, one
    alternation per key over all four languages."""
    data = load(name)
    table: Mapping[str, Mapping[str, list[str]]] = data[section] if section else data
    return {
        key: alternation(regex for regexes in by_lang.values() for regex in regexes)
        for key, by_lang in table.items()
    }
