"""The phrasebook: each commitment marker rendered as an exact sentence from the verdict.

One Jinja file of macros per language (``prompts/phrasebook/<language>.j2``) words the decision,
the refund, each offer, the questions, the handoff and the next step, in three tones (warm, the
house voice; neutral; brief) and three channel forms (email, chat, a speakable phone script).
Reasons and disclosures are the verdict's own texts, in the customer's language when the policy
translates them. The same file words the human parts of the templated reply, so a model's reply
and the templated one can never state a commitment differently.

:meth:`Phrasebook.compose` turns a body with markers into the reply an agent sees, keeping for
every part where it came from: the model's own words, or a marker and its sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from drafter.errors import ConfigError
from drafter.phrase.brief import Brief
from drafter.phrase.markers import kind_of, split
from drafter.schemas import Tone

__all__ = ["Composed", "Part", "Phrasebook"]

HOUSE_TONE = "warm"


@dataclass(frozen=True, slots=True)
class Part:
    """A run of the composed reply: the model's own words (``key`` None) or a marker's sentence.

    ``start``/``end`` index the composed reply; ``source_start``/``source_end`` the body as the
    model wrote it. ``rendered`` is false for a marker the verdict does not call for (or one
    placed twice): it is left as written, and the guard reports it.
    """

    text: str
    start: int
    end: int
    source_start: int
    source_end: int
    key: str | None = None
    rendered: bool = False


@dataclass(frozen=True, slots=True)
class Composed:
    """A reply with its markers rendered. ``source`` is the body as the model wrote it;
    ``names`` are the request's names and identifiers, which the model's words may use."""

    text: str
    source: str
    parts: tuple[Part, ...]
    names: tuple[str, ...] = ()

    @classmethod
    def plain(cls, text: str) -> Composed:
        """A finished text with no markers: all of it is its writer's own words."""
        return cls(text=text, source=text, parts=(Part(text, 0, len(text), 0, len(text)),))

    @property
    def free(self) -> tuple[Part, ...]:
        """The model's own words."""
        return tuple(part for part in self.parts if part.key is None)

    @property
    def markers(self) -> tuple[str, ...]:
        """Every marker the model placed, in order, repeats included."""
        return tuple(part.key for part in self.parts if part.key is not None)


class Phrasebook:
    """Renders markers and the templated reply's free lines from ``prompts/phrasebook/``."""

    def __init__(self, environment: SandboxedEnvironment) -> None:
        self.environment = environment

    def macros(self, language: str) -> Any:
        """The phrasebook module of ``language`` (its macros are attributes).

        Raises:
            ConfigError: the language has no phrasebook, or it does not compile.
        """
        name = f"phrasebook/{language}.j2"
        try:
            return self.environment.get_template(name).module
        except TemplateError as error:
            raise ConfigError(f"prompts/{name}: {error}") from error

    def line(self, brief: Brief, macro: str, *args: object) -> str:
        """Call one phrasebook macro for ``brief``'s language.

        Raises:
            ConfigError: the macro is missing or fails.
        """
        function: Callable[..., object] | None = getattr(self.macros(brief.language), macro, None)
        if function is None:
            raise ConfigError(f"prompts/phrasebook/{brief.language}.j2: no macro '{macro}'")
        try:
            return str(function(brief, *args)).strip()
        except TemplateError as error:
            raise ConfigError(
                f"prompts/phrasebook/{brief.language}.j2: {macro}: {error}"
            ) from error

    def sentence(self, key: str, brief: Brief, tone: Tone | None, offer_index: int = 0) -> str:
        """The sentence marker ``key`` stands for. ``key`` must be one of ``brief.markers``."""
        kind, _, ident = key.partition(":")
        voice = tone.value if tone else HOUSE_TONE
        if kind == "reason":
            return " ".join(said.text for said in brief.rationale if said.id == ident)
        if kind == "disclosure":
            return next(said.text for said in brief.disclosures if said.id == ident)
        if kind == "offer":
            offer = next(offer for offer in brief.offers if offer.id == ident)
            return self.line(brief, "offer", offer, offer_index)
        if kind in ("decision", "next_step"):
            return self.line(brief, kind, voice)
        return self.line(brief, kind)

    def sentences(self, brief: Brief, tone: Tone | None) -> dict[str, str]:
        """Every marker of ``brief`` with its sentence (offers numbered in the verdict's order),
        as the prompt shows them to the model."""
        offers = [key for key in brief.markers if kind_of(key) == "offer"]
        return {
            key: self.sentence(key, brief, tone, offers.index(key) if key in offers else 0)
            for key in brief.markers
        }

    def compose(self, body: str, brief: Brief, tone: Tone | None) -> Composed:
        """Replace each marker of ``body`` that ``brief`` calls for (its first occurrence) with
        its sentence; keep the model's words and any other marker as written."""
        expected, placed = set(brief.markers), set[str]()
        out: list[Part] = []
        offers = 0
        position = 0
        for segment in split(body):
            key, text, rendered = segment.key, segment.text, False
            if key is not None and key in expected and key not in placed:
                text = self.sentence(key, brief, tone, offers)
                offers += kind_of(key) == "offer"
                placed.add(key)
                rendered = True
            end = position + len(text)
            out.append(Part(text, position, end, segment.start, segment.end, key, rendered))
            position = end
        text = "".join(part.text for part in out)
        return Composed(text=text, source=body, parts=tuple(out), names=self.names(brief))

    def names(self, brief: Brief) -> tuple[str, ...]:
        """The request's own names the model may write: the customer's name (and each part of
        it), the references, the items, and the phrasebook's name for the request."""
        names = [brief.customer_name, *brief.customer_name.split(), *brief.items]
        names += [name for name in (brief.ticket_id, brief.reference) if name]
        names.append(self.line(brief, "ask_noun"))
        return tuple(dict.fromkeys(name for name in names if name))

    def subject(self, brief: Brief) -> str:
        """The templated email subject."""
        return self.line(brief, "subject")
