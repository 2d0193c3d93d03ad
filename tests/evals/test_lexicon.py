"""Lexicons: every concept lists every language, every entry compiles, and phrases match as
documented (whole words, a trailing * for endings, re: for regular expressions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.errors import ConfigError
from drafter.evals import lexicon as lexicon_module
from drafter.evals.lexicon import LANGUAGES, lexicon, phrases

FILES = sorted(p.stem for p in (Path(lexicon_module.__file__).parent / "lexicons").glob("*.yaml"))


@pytest.mark.parametrize("name", FILES)
def test_every_concept_compiles_in_every_language(name: str) -> None:
    concepts = lexicon(name)
    assert concepts
    for by_language in concepts.values():
        assert set(by_language) == set(LANGUAGES)


def test_phrases_match_whole_words_case_insensitively() -> None:
    apology = phrases("tone", "apology", "en")
    assert apology.find("So SORRY about that") == ["SORRY"]
    assert apology.find("We apologise twice; apologies.") == ["apologise", "apologies"]
    assert not apology.any("the sorrybox")


def test_multi_word_phrases_allow_any_whitespace() -> None:
    assert phrases("tone", "acknowledgement", "en").any("I\n   understand")


def test_regular_expression_entries_work() -> None:
    timeline = phrases("tone", "timeline", "en")
    assert timeline.find("within 5 to 10 business days") == ["5 to 10 business days"]
    assert timeline.any("by 5 December")
    assert not timeline.any("in a while, soon")
    assert timeline.any("until December 5")


def test_languages_are_kept_apart() -> None:
    assert phrases("tone", "apology", "de").any("Das tut mir leid")
    assert not phrases("tone", "apology", "de").any("I'm sorry")


def test_unknown_concepts_and_languages_are_errors() -> None:
    with pytest.raises(ConfigError, match="no concept 'astrology'"):
        phrases("tone", "astrology", "en")
    with pytest.raises(ConfigError, match="language 'it'"):
        phrases("tone", "apology", "it")


def test_a_concept_missing_a_language_is_a_load_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken.yaml").write_text("apology: {en: [sorry], es: [lo siento]}\n")
    monkeypatch.setattr(lexicon_module, "_DIRECTORY", tmp_path)
    lexicon.cache_clear()
    try:
        with pytest.raises(ConfigError, match="must list exactly"):
            lexicon("broken")
    finally:
        lexicon.cache_clear()
