"""Text a customer's message hides in HTML: comments and invisible elements.

It finds what this regex would, leftmost first and without overlaps::

    <!--(?P<comment>.*?)-->
    |<(?P<tag>\\w+)[^>]*(?:display\\s*:\\s*none|visibility\\s*:\\s*hidden|font-size\\s*:\\s*0
      |opacity\\s*:\\s*0|\\bhidden\\b)[^>]*>(?P<body>.*?)</(?P=tag)\\s*>      (ignoring case)

but in time linear in the message (times a log). The regex, on Python's engine, tried every
opening ``<`` against every cue and every closing tag after it: twenty thousand characters of
``<a hidden`` held a worker for half a minute. Here each piece is found once, in one pass
each, and paired by position: an opening tag runs to the first ``>`` after it, it hides its
content when a cue lies between its name and that ``>``, and its content runs to the first
closing tag of the same name.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from drafter.text import linear

__all__ = ["comments", "hidden_texts"]

_OPEN = linear.compile(r"<(\w+)")
_CLOSE = linear.compile(r"</(\w+)\s*>")
# "visibility:hidden" holds the cue "hidden" too: the two kinds are found apart so one does
# not hide the other from an opening tag whose attributes start between them.
_STYLE_CUE = linear.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0", re.IGNORECASE
)
_HIDDEN_CUE = linear.compile(r"\bhidden\b", re.IGNORECASE)


def _positions(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _first_at_or_after(sorted_positions: list[int], at: int) -> int | None:
    index = bisect.bisect_left(sorted_positions, at)
    return sorted_positions[index] if index < len(sorted_positions) else None


def comments(text: str) -> Iterator[tuple[int, int, str]]:
    """Each ``<!--…-->`` as ``<!--(.*?)-->`` finds it (start, end, content), in order."""
    closes = _positions(text, "-->")
    for start in _positions(text, "<!--"):
        close = _first_at_or_after(closes, start + 4)
        if close is not None:
            yield start, close + 3, text[start + 4 : close]


def _elements(text: str) -> Iterator[tuple[int, int, str]]:
    cues = [sorted(m.start() for m in cue.finditer(text)) for cue in (_STYLE_CUE, _HIDDEN_CUE)]
    closes: dict[str, list[tuple[int, int]]] = {}
    for match in _CLOSE.finditer(text):
        closes.setdefault(match[1].lower(), []).append(match.span())
    gt = -1
    for opening in _OPEN.finditer(text):
        if gt < opening.end():
            gt = text.find(">", opening.end())
            if gt < 0:
                return
        found = _element(text, opening.start(), opening[1], gt, cues, closes)
        if found is not None:
            yield found


def _element(
    text: str,
    start: int,
    name: str,
    gt: int,
    cues: list[list[int]],
    closes: dict[str, list[tuple[int, int]]],
) -> tuple[int, int, str] | None:
    """The element opened at ``start``, if it hides its content. As the regex does, the
    longest prefix of the word after ``<`` that works is the tag: ``<adisplay:none>`` is an
    ``a`` whose attributes say display:none. The work is the word's length times a log."""
    for length in range(len(name), 0, -1):
        attrs = start + 1 + length
        if not any(_first_at_or_after(found, attrs) in range(attrs, gt) for found in cues):
            continue  # a shorter tag widens the attributes
        spans = closes.get(name[:length].lower(), [])
        index = bisect.bisect_left(spans, (gt + 1, 0))
        if index < len(spans):
            close_start, close_end = spans[index]
            return start, close_end, text[gt + 1 : close_start]
    return None


def hidden_texts(text: str) -> Iterator[str]:
    """The content of each HTML comment and invisible element in ``text``, in order."""
    found = sorted([*comments(text), *_elements(text)])
    end = 0
    for start, stop, content in found:
        if start >= end:  # leftmost first; a match inside another is not one
            yield content
            end = stop
