"""The scan copy of a draft and the scope rules every family of checks shares.

Checks match on ``Text.scan``: the draft with curly apostrophes made straight and non-breaking
spaces made plain. The translation keeps every character in place, so a span found in the scan
copy is the same span in the draft the agent sees.

Scope follows NegEx: a negator reaches a trigger when it sits in the few words before it in the
same clause (or inside it), or a post-negator follows it in the same clause. Clauses end at
sentence marks and at contrastive words ("but", "pero", "mais", "aber").
"""

from __future__ import annotations

import bisect
import functools
import re
import string

from drafter.guard.lexicon import gated, patterns
from drafter.text import linear

__all__ = ["Text", "fold", "is_negated", "language_of"]

_FOLD = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u202f": " ", "\u2007": " "}
)
# ``str.translate`` with a table looks up every character; most drafts have none to fold, and
# one search for any of them is many times cheaper than translating.
_FOLDABLE = linear.compile("[\u2019\u2018\u02bc\u00a0\u202f\u2007]")
_SENTENCE_END = linear.compile(r"[.!?\n]")
_WORD = linear.compile(r"\S+")
_PUNCTUATION = string.punctuation + "¡¿«»“”‘’—–…€£$%"
WORDS_BEFORE = 8
WORDS_AFTER = 6
WINDOW_CHARS = 400  # eight words of prose are far shorter


def fold(text: str) -> str:
    """``text`` with curly apostrophes straight and non-breaking spaces plain, every character
    in place."""
    return text.translate(_FOLD) if _FOLDABLE.search(text) else text


def language_of(locale: str) -> str:
    """The language part of a locale such as ``es-MX``."""
    return locale.split("-", 1)[0].lower()


class Text:
    """A draft's text, with cached clause and sentence bounds.

    With a subject, the text is the subject, a blank line, then the body: the content checks
    read both in one pass, and ``body_start`` tells the two apart when a violation is built.
    """

    def __init__(self, body: str, *, subject: str | None = None) -> None:
        prefix = f"{subject}\n\n" if subject else ""
        self.raw = prefix + body
        self.body_start = len(prefix)
        self.scan = fold(self.raw)

    def masked(self, scan: str) -> Text:
        """A twin of this text that matches on ``scan`` (the same length, some spans blanked
        out: see ``drafter.guard.verbatim``) and still quotes the real draft in violations."""
        if len(scan) != len(self.scan):
            raise ValueError("a masked scan copy must keep every position of the draft")
        twin = Text.__new__(Text)
        twin.raw, twin.body_start, twin.scan = self.raw, self.body_start, scan
        return twin

    @functools.cached_property
    def words(self) -> list[str]:
        """The text's words, lower-cased and without surrounding punctuation, as the form
        checks count them (a split is several times cheaper than a word pattern)."""
        stripped = [token.strip(_PUNCTUATION) for token in self.lower.split()]
        return [word for word in stripped if word and not word[0].isdigit()]

    @functools.cached_property
    def lower(self) -> str:
        """The scan copy lower-cased, for the lexicons' literal gates."""
        return self.scan.lower()

    @functools.cached_property
    def clause_marks(self) -> list[tuple[int, int]]:
        """Every clause boundary as ``(start, end)``, in order."""
        boundary = gated("negation", "boundaries")
        return [m.span() for _, m in boundary.finditer(self.scan, self.lower)]

    @functools.cached_property
    def _clause_starts(self) -> list[int]:
        return [start for start, _ in self.clause_marks]

    @functools.cached_property
    def _clause_ends(self) -> list[int]:
        return [end for _, end in self.clause_marks]

    @functools.cached_property
    def sentence_marks(self) -> list[int]:
        return [m.start() for m in _SENTENCE_END.finditer(self.scan)]

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """The bounds of the clause holding ``[start, end)``."""
        ends, starts = self._clause_ends, self._clause_starts
        before = bisect.bisect_right(ends, start) - 1
        clause_start = ends[before] if before >= 0 else 0
        after = bisect.bisect_left(starts, end)
        clause_end = starts[after] if after < len(starts) else len(self.scan)
        return clause_start, clause_end

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The bounds of the sentence holding ``[start, end)``."""
        marks = self.sentence_marks
        before = bisect.bisect_left(marks, start) - 1
        after = bisect.bisect_left(marks, end)
        sentence_start = marks[before] + 1 if before >= 0 else 0
        sentence_end = marks[after] if after < len(marks) else len(self.scan)
        return sentence_start, sentence_end


def _last_words(text: str, count: int) -> str:
    words = _WORD.findall(text)
    return " ".join(words[-count:])


def _first_words(text: str, count: int) -> str:
    words = _WORD.findall(text)
    return " ".join(words[:count])


def is_negated(text: Text, start: int, end: int) -> bool:
    """Whether a negator reaches the trigger at ``[start, end)`` (see the module docstring)."""
    clause_start, clause_end = text.clause(start, end)
    scan = text.scan
    # A few words each side, read from at most WINDOW_CHARS: a trigger in a clause of 50 kB
    # must not read the whole clause (a draft may hold thousands of triggers).
    before = _last_words(scan[max(clause_start, start - WINDOW_CHARS) : start], WORDS_BEFORE)
    window = f"{before} {scan[start : min(end, start + WINDOW_CHARS)]}"
    window = _negation("pseudo").sub(" ", window)
    if _negation("negators").search(window):
        return True
    after = _first_words(scan[end : min(clause_end, end + WINDOW_CHARS)], WORDS_AFTER)
    return _negation("post").search(after) is not None


def _negation(key: str) -> re.Pattern[str]:
    return patterns("negation", key, longest=2 * WINDOW_CHARS + 1)
