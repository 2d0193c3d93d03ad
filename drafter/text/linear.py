"""Patterns that read untrusted text, compiled so they run in time linear in it.

The customer's message and thread, the model's draft, and feedback are written by someone
else; a pattern that backtracks on them lets a 20 kB message hold a worker for seconds. Every
pattern that reads such text is compiled here, and each one is registered (``PATTERNS``) so
``tests/test_linear_time.py`` can run it on adversarial text at the API's maximum sizes.

Two engines, chosen per pattern:

- ``compile_re2``: RE2 (google-re2), linear by construction, for patterns that would scan far
  from each start (``[\\w.]+@``) or nest quantifiers. RE2 has no lookaround or backreference,
  and its classes are ASCII: ``\\w``, ``\\d`` and ``\\s`` are rewritten here to the Unicode
  classes Python gives them. Its ``\\b`` stays ASCII, so a pattern may use it only next to
  ASCII-only text (a URL's host): RE2 then also finds a match glued to a non-ASCII letter
  ("éexample.com"), which errs towards reporting.
- ``compile``: Python's engine, for patterns whose every attempt is bounded (a word, a few
  words, a fixed-width field) or anchored at a literal: they are linear in practice and keep
  ``\\b`` and lookarounds. The test holds them to that.

RE2's Python binding encodes the whole text on every call, so an RE2 pattern is for one
``finditer``/``sub``/``search`` per text, never for a loop of ``match(text, pos)`` calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import re2  # type: ignore[import-untyped]

__all__ = ["PATTERNS", "Match", "Pattern", "Registered", "compile", "compile_re2"]


class Match(Protocol):
    """What callers use of a match, from either engine."""

    def __getitem__(self, group: int | str) -> Any: ...
    def group(self, *groups: int | str) -> Any: ...
    def start(self, group: int | str = 0) -> int: ...
    def end(self, group: int | str = 0) -> int: ...
    def span(self, group: int | str = 0) -> tuple[int, int]: ...


class Pattern(Protocol):
    """What callers use of a compiled pattern, from either engine."""

    @property
    def pattern(self) -> str: ...
    def search(self, text: str) -> Match | None: ...
    def finditer(self, text: str) -> Iterator[Match]: ...
    def findall(self, text: str) -> list[Any]: ...
    def sub(self, repl: str | Callable[[Any], str], text: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Registered:
    """A pattern that reads untrusted text, with its engine and the flags it was given."""

    pattern: str
    engine: Literal["re", "re2"]
    ignorecase: bool
    compiled: Pattern | re.Pattern[str]
    longest: int | None = None  # the longest text it reads, when its caller bounds that


PATTERNS: list[Registered] = []

# Python's \w, \d and \s on str, as RE2 classes (checked against every code point of the
# Unicode version both know; newer scripts may differ).
_CLASSES = {
    "w": r"\p{L}\p{N}_",
    "d": r"\p{Nd}",
    "s": r"\t-\r\x1c-\x20\x85\p{Z}",
}


def _unicode_classes(pattern: str) -> str:
    """``pattern`` with ``\\w \\d \\s`` (and their negations) spelled as Unicode classes, in
    and outside brackets."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            body = _CLASSES.get(escaped.lower())
            if body is None:
                out.append(pattern[index : index + 2])
            elif in_class:
                if escaped.isupper():
                    raise ValueError(f"cannot negate \\{escaped} inside a class for RE2")
                out.append(body)
            else:
                out.append(f"[^{body}]" if escaped.isupper() else f"[{body}]")
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            # A ']' first in the class (or after '^') is a literal, not its end.
            start = index + 1 + (pattern[index + 1 : index + 2] == "^")
            if pattern[start : start + 1] == "]":
                out.append(pattern[index : start + 1])
                index = start + 1
                continue
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


def compile_re2(
    pattern: str,
    *,
    ignorecase: bool = False,
    dotall: bool = False,
    ascii_boundary: bool = False,
    register: bool = True,
) -> Pattern:
    """``pattern`` on RE2, with Python's meaning of ``\\w \\d \\s``.

    Args:
        pattern: a Python-syntax regex without lookaround or backreferences.
        ignorecase: match case-insensitively (``re.IGNORECASE``).
        dotall: ``.`` matches a newline too (``re.DOTALL``).
        ascii_boundary: allow ``\\b``, which RE2 reads as ASCII (see the module docstring).
        register: False for a pattern built at run time from a text's own literals (linear
            on RE2 whatever they are), which the registry would only accumulate.

    Raises:
        ValueError: the pattern uses ``\\b`` without ``ascii_boundary``; re2.error: RE2
            cannot compile it (lookaround, backreference).
    """
    if not ascii_boundary and re.search(r"(?<!\\)(?:\\\\)*\\[bB]", pattern):
        raise ValueError(f"RE2's \\b is ASCII; say ascii_boundary=True if that fits: {pattern}")
    options = re2.Options()
    options.case_sensitive = not ignorecase
    options.dot_nl = dotall
    compiled: Pattern = re2.compile(_unicode_classes(pattern), options)
    if register:
        PATTERNS.append(Registered(pattern, "re2", ignorecase, compiled))
    return compiled


def compile(pattern: str, flags: int = 0, *, longest: int | None = None) -> re.Pattern[str]:
    """``pattern`` on Python's engine: for one whose every attempt is bounded (see the module
    docstring), registered for the linear-time test.

    Args:
        pattern: the regex.
        flags: ``re`` flags.
        longest: the longest text the caller ever runs it on (a window around a match), when
            that is less than the whole text; the test runs it on texts that long.
    """
    compiled = re.compile(pattern, flags)
    ignorecase = bool(flags & re.IGNORECASE)
    PATTERNS.append(Registered(pattern, "re", ignorecase, compiled, longest))
    return compiled
