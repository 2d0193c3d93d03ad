"""Readability from syllable counts, with no dictionary, no NLTK and no network.

Each language gets its own vowel-group syllable counter and its own reading-ease formula, all
on the same 0-100 scale where higher is easier:

- en: Flesch (1948): 206.835 - 1.015 * words/sentence - 84.6 * syllables/word
- es: Fernández Huerta (1959), in its corrected form: 206.84 - 1.02 * words/sentence
  - 60 * syllables/word
- fr: Kandel and Moles (1958): 207 - 1.015 * words/sentence - 73.6 * syllables/word
- de: Amstad (1978): 180 - words/sentence - 58.5 * syllables/word

The counters are heuristics: about nine English words in ten get the dictionary count (tests
pin a sample), which is plenty for a score averaged over a whole reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from drafter.evals.text import WORD, Reply

__all__ = ["Readability", "reading_ease", "syllables"]

_LETTER = re.compile(r"[^\W\d_]")
_WORD = WORD
_EN_VOWELS = re.compile(r"[aeiouy]+")
# Vowel pairs English usually splits in two (ri-ot, po-em, ar-e-a, ac-tu-al, sci-ence, go-ing,
# play-er), and the few words the rules below get wrong and that replies use a lot.
_EN_SPLIT = re.compile(
    r"(?:(?<![tscx])io|(?<![tc])ia|iu|(?<![qg])ua|(?<!p)eo|oe(?!s\b)|ea$|(?<!t)ie(?=nce|nt|t\b)"
    r"|[aeiouy]ing$|[aeiou]y[aeiou])"
)
# A silent e before a suffix: lovely, replacement, something, sometimes.
_EN_INNER_E = re.compile(
    r"(?<=[^aeiouy])e(?=(?:ly|ment|ments|ness|ful|less|thing|things|time|times|where|body)$)"
)
_EN_EXCEPTIONS = {
    "business": 2,
    "every": 2,
    "everyone": 3,
    "anyone": 3,
    "someone": 2,
    "maybe": 2,
    "create": 2,
    "created": 3,
    "fluid": 2,
    "being": 2,
    "quiet": 2,
}


def _english(word: str) -> int:
    word = word.lower().strip("'").removesuffix("'s")
    if word in _EN_EXCEPTIONS:
        return _EN_EXCEPTIONS[word]
    if len(word) <= 3:
        return 1
    count = len(_EN_VOWELS.findall(word)) + len(_EN_SPLIT.findall(word))
    count -= len(_EN_INNER_E.findall(word))
    # A silent -ed (shipped, caused; not wanted, agreed) or -es (makes; not boxes, pages).
    if re.search(r"[^aeioutd]ed$", word) or re.search(r"[^aeiouysxzhcg]es$", word):
        count -= 1
    elif re.search(r"[^aeiouy]e$", word) and not re.search(r"[^aeiouy]le$", word):
        count -= 1  # silent final e (make, price), but table and little keep theirs
    return max(count, 1)


_ES_STRONG, _ES_WEAK = set("aeoáéó"), set("iuü")
_ES_ACCENTED_WEAK = set("íú")


def _spanish(word: str) -> int:
    """Vowel nuclei, joining diphthongs (a weak unaccented vowel next to another vowel) and
    skipping the silent u of que/qui/gue/gui."""
    word = re.sub(r"(?<=[qg])u(?=[eiéí])", "", word.lower())
    count, previous = 0, ""
    for char in word:
        vowel = char in _ES_STRONG or char in _ES_WEAK or char in _ES_ACCENTED_WEAK
        if not vowel:
            previous = ""
            continue
        joins = bool(previous) and (
            (previous in _ES_WEAK and char not in _ES_ACCENTED_WEAK)
            or (char in _ES_WEAK and previous not in _ES_ACCENTED_WEAK)
        )
        if not joins:
            count += 1
        previous = char
    return max(count, 1)


_FR_VOWELS = re.compile(r"[aeiouyàâäéèêëîïôöûùüœæ]+")


def _french(word: str) -> int:
    word = re.sub(r"(?<=[qg])u", "", word.lower())  # boutique, politique, langue
    count = len(_FR_VOWELS.findall(word)) - len(re.findall(r"(?<=[^aeiouy])e(?=ments?$)", word))
    if count > 1 and re.search(r"[^aeiouyàâéèêëîïôûù](e|es)$", word):
        count -= 1
    return max(count, 1)


_DE_VOWELS = re.compile(r"[aeiouyäöü]+")


_DE_SPLIT = re.compile(r"ea|eo|io|ia|oa")  # be-ar-bei-ten, The-a-ter, Na-ti-on


def _german(word: str) -> int:
    word = word.lower()
    return max(len(_DE_VOWELS.findall(word)) + len(_DE_SPLIT.findall(word)), 1)


_COUNTERS: dict[str, Callable[[str], int]] = {
    "en": _english,
    "es": _spanish,
    "fr": _french,
    "de": _german,
}

# (constant, words-per-sentence weight, syllables-per-word weight) per language.
_FORMULAS: dict[str, tuple[float, float, float]] = {
    "en": (206.835, 1.015, 84.6),
    "es": (206.84, 1.02, 60.0),
    "fr": (207.0, 1.015, 73.6),
    "de": (180.0, 1.0, 58.5),
}


@lru_cache(maxsize=65536)
def syllables(word: str, language: str) -> int:
    """Syllables in one word, by the counter for ``language`` (en, es, fr, de)."""
    return _COUNTERS[language](word)


@dataclass(frozen=True)
class Readability:
    ease: float
    words: int
    sentences: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words if self.words else 0.0


def reading_ease(reply: Reply, language: str) -> Readability:
    """The reading ease of ``reply`` by the formula for ``language`` (higher is easier).

    Salutation and sign-off lines are left out: they are short and would flatter any text.
    """
    sentences = [s for s in reply.content_sentences if _LETTER.search(s)]
    words = [word for sentence in sentences for word in _WORD.findall(sentence)]
    count = sum(syllables(word, language) for word in words)
    if not words:
        return Readability(ease=0.0, words=0, sentences=len(sentences), syllables=0)
    constant, per_sentence, per_syllable = _FORMULAS[language]
    ease = constant - per_sentence * len(words) / len(sentences)
    ease -= per_syllable * count / len(words)
    return Readability(
        ease=round(ease, 1), words=len(words), sentences=len(sentences), syllables=count
    )
