"""What every check reads: the verdict, the request, the caller's allowlist and canary, and the
violation builder that turns a span of a field into a ``Violation``."""

from __future__ import annotations

import functools

from pydantic import BaseModel, ConfigDict, Field

from drafter.guard.codes import Code
from drafter.guard.lexicon import LANGUAGES
from drafter.guard.text import Text, language_of
from drafter.phrase.markers import expected_markers
from drafter.schemas import Request, Verdict, Violation

__all__ = ["Allowlist", "Context", "violation"]

_EXCERPT_CHARS = 160


class Allowlist(BaseModel):
    """What a draft may contain that the guard would otherwise report as a leak.

    ``domains`` allow their subdomains too (``example.com`` allows ``help.example.com``);
    phones are compared by their digits only; ``html_tags`` are lower-case tag names.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    domains: tuple[str, ...] = Field(default=(), max_length=200)
    emails: tuple[str, ...] = Field(default=(), max_length=200)
    phones: tuple[str, ...] = Field(default=(), max_length=200)
    html_tags: tuple[str, ...] = Field(default=(), max_length=100)


class Context:
    """The facts one guard run checks a draft against; derived sets are computed once."""

    def __init__(
        self, *, verdict: Verdict, request: Request, canary: str | None, allowlist: Allowlist
    ) -> None:
        self.verdict = verdict
        self.request = request
        self.canary = canary
        self.allowlist = allowlist
        self.lang = language_of(request.locale)
        # Lexicons are read in the locale's language and in English, the language a model
        # most often slips into; a whole draft or paragraph in another language is caught by
        # the language check instead. An unknown locale reads all four.
        known = self.lang in LANGUAGES
        self.langs: tuple[str, ...] | None = (
            None if not known else (self.lang,) if self.lang == "en" else (self.lang, "en")
        )

    @functools.cached_property
    def expected_markers(self) -> tuple[str, ...]:
        """The markers a reply to this verdict must contain, each once."""
        return expected_markers(self.verdict)


def violation(code: Code, message: str, text: Text, start: int, end: int) -> Violation:
    """A violation at ``[start, end)`` of ``text``, with its span in the body, or in the
    subject when it lies there (the message then starts "in the subject:"). An empty span at
    0 stands for the whole body (a missing disclosure, a missing subject)."""
    excerpt = text.raw[start:end]
    if len(excerpt) > _EXCERPT_CHARS:
        excerpt = excerpt[: _EXCERPT_CHARS - 1] + "…"
    shift = text.body_start
    if end > 0 and start < shift:
        message = f"in the subject: {message}"
        end = min(end, shift - 2)
    elif end > 0:
        start, end = start - shift, end - shift
    return Violation(code=code.value, message=message, start=start, end=end, excerpt=excerpt)
