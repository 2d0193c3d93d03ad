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
        self._held += delta
        out: list[str] = []
        while self._held:
            start = self._held.find("[")
            if start < 0:
                out.append(self._held)
                self._held = ""
                break
            out.append(self._held[:start])
            self._held = self._held[start:]
            match = MARKER.match(self._held)
            if match is not None:
                out.append(self._sentence(match.group(0)))
                self._held = self._held[match.end() :]
            elif self._could_open(self._held):
                break  # wait for more text
            else:
                out.append(self._held[0])
                self._held = self._held[1:]
        return "".join(out)

    def close(self) -> str:
        """The held text at the end of the stream, shown as written unless it is a marker's
        beginning (an unfinished marker is never shown)."""
        held, self._held = self._held, ""
        return "" if held.startswith("[[") else held

    def _could_open(self, held: str) -> bool:
        """``held`` (starting with ``[``) may still become a marker as more text arrives."""
        if len(held) > _LONGEST or "]]" in held:
            return False
        if held == "[":
            return True
        return held.startswith("[[") and "\n" not in held

    def _sentence(self, marker: str) -> str:
        key = marker[2:-2]
        if key not in self._brief.markers or key in self._shown:
            return ""
        self._shown.add(key)
        sentence = self._phrasebook.sentence(key, self._brief, self._tone, self._offers)
        self._offers += kind_of(key) == "offer"
        return sentence
