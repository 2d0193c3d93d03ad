"""Streaming a draft with markers: the model's words as they arrive, each marker's sentence as
soon as the marker closes, and never a half-written marker.

Text from the first ``[`` that could open a marker is held back until the marker closes (then
its sentence is shown, or nothing when the verdict does not call for it) or until it plainly is
not one (then it is shown as written). The checked reply that follows may still replace it all.
"""

from __future__ import annotations

from drafter.phrase.brief import Brief
from drafter.phrase.markers import MARKER, kind_of
from drafter.phrase.phrasebook import Phrasebook
from drafter.schemas import Tone

__all__ = ["MarkerStream"]

# A marker is at most "[[" + 20 + ":" + 80 + "]]" characters; held text longer than that
# cannot be one.
_LONGEST = 2 + 20 + 1 + 80 + 2


class MarkerStream:
    """Feed raw body deltas; get back what may be shown so far."""

    def __init__(self, phrasebook: Phrasebook, brief: Brief, tone: Tone | None) -> None:
        self._phrasebook = phrasebook
        self._brief = brief
        self._tone = tone
        self._held = ""
        self._shown: set[str] = set()
        self._offers = 0

    def feed(self, delta: str) -> str:
        """Add a delta; return the text it makes safe to show (possibly empty)."""
        text, at = self._held + delta, 0
        out: list[str] = []
        while True:
            start = text.find("[", at)
            if start < 0:
                out.append(text[at:])
                at = len(text)
                break
            out.append(text[at:start])
            match = MARKER.match(text, start)
            if match is not None:
                out.append(self._sentence(match.group(0)))
                at = match.end()
            elif self._could_open(text, start):
                at = start
                break  # wait for more text
            else:
                out.append("[")
                at = start + 1
        self._held = text[at:]
        return "".join(out)

    def close(self) -> str:
        """The held text at the end of the stream, shown as written unless it is a marker's
        beginning (an unfinished marker is never shown)."""
        held, self._held = self._held, ""
        return "" if held.startswith("[[") else held

    def _could_open(self, text: str, start: int) -> bool:
        """The text from ``start`` (a ``[``) may still become a marker as more arrives: it is
        the end of the text so far, short enough, and looks like a marker's beginning."""
        rest = text[start : start + _LONGEST + 1]
        if len(rest) > _LONGEST or "]]" in rest or len(text) - start > _LONGEST:
            return False
        if rest == "[":
            return True
        return rest.startswith("[[") and "\n" not in rest

    def _sentence(self, marker: str) -> str:
        key = marker[2:-2]
        if key not in self._brief.markers or key in self._shown:
            return ""
        self._shown.add(key)
        sentence = self._phrasebook.sentence(key, self._brief, self._tone, self._offers)
        self._offers += kind_of(key) == "offer"
        return sentence
