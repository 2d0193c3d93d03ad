"""The ``template`` provider: a complete, compliant reply with no language model at all.

It renders ``prompts/fallback/`` from the prompt's brief, so it says exactly what the verdict
allows, in the customer's language and channel, and says that it was templated. It is the
embedded default when no endpoint is configured and the pipeline's last-resort fallback.
"""

from __future__ import annotations

import time

from drafter.phrase.brief import Brief
from drafter.phrase.prompting import Prompt, PromptRenderer
from drafter.phrase.providers.base import Completion, StaticStream
from drafter.schemas import Decision, DraftClaims

__all__ = ["TemplateProvider"]


class TemplateProvider:
    """Fills the fallback templates; never fails on a valid brief."""

    name = "template"

    def __init__(self, renderer: PromptRenderer) -> None:
        self.renderer = renderer
        self.model = f"template/{renderer.version}"

    async def complete(self, prompt: Prompt) -> Completion:
        return self.reply(prompt.brief)

    def stream(self, prompt: Prompt) -> StaticStream:
        return StaticStream(provider=self, prompt=prompt)

    async def aclose(self) -> None:
        return None

    def reply(self, brief: Brief) -> Completion:
        """The templated reply for ``brief`` (synchronous: no I/O beyond cached templates).

        Raises:
            ConfigError: a fallback template is missing or broken.
        """
        started = time.perf_counter()
        body = self.renderer.render_template("fallback/reply.j2", brief=brief)
        subject = None
        if brief.channel == "email":
            subject = self.renderer.render_template("fallback/subject.j2", brief=brief)
        return Completion(
            subject=subject,
            body=body,
            claims=_claims(brief, body),
            raw=body,
            structured=False,
            provider=self.name,
            model=self.model,
            prompt_tokens=None,
            completion_tokens=None,
            latency_ms=(time.perf_counter() - started) * 1000,
            attempts=0,
            llm_calls=0,
            templated=True,
        )


def _claims(brief: Brief, body: str) -> DraftClaims:
    """What the template states: the brief's decision and offers, and the figures it shows."""
    return DraftClaims(
        decision=Decision(brief.decision),
        offers=[offer.kind for offer in brief.offers],
        amounts=[amount for amount in brief.amounts if amount in body],
    )
