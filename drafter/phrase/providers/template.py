"""The ``template`` provider: a complete, compliant reply with no language model at all.

It fills ``prompts/templated/`` from the prompt's brief: the phrasebook's free lines around
the markers the verdict calls for. The pipeline then composes and checks it exactly like a
model's body, so the templated reply and a model's reply state every commitment the same way.
It is the embedded default when no endpoint is configured and the pipeline's last-resort
fallback. That it was templated travels beside the reply (``Draft.templated``), never in it.
"""

from __future__ import annotations

import time

from drafter.phrase.brief import Brief
from drafter.phrase.prompting import Prompt, PromptRenderer
from drafter.phrase.providers.base import Completion, StaticStream
from drafter.schemas import Decision, DraftClaims, Tone

__all__ = ["TemplateProvider"]


class TemplateProvider:
    """Fills the templated reply; never fails on a valid brief."""

    name = "template"

    def __init__(self, renderer: PromptRenderer) -> None:
        self.renderer = renderer
        self.model = f"template/{renderer.version}"

    async def complete(self, prompt: Prompt) -> Completion:
        return self.reply(prompt.brief, prompt.tone)

    def stream(self, prompt: Prompt) -> StaticStream:
        return StaticStream(provider=self, prompt=prompt)

    async def aclose(self) -> None:
        return None

    def reply(self, brief: Brief, tone: Tone | None = None) -> Completion:
        """The templated body (with markers) and subject for ``brief`` in ``tone``
        (synchronous: no I/O beyond cached templates).

        Raises:
            ConfigError: a template is missing or broken.
        """
        started = time.perf_counter()
        voice = tone.value if tone else "warm"
        body = self.renderer.render_template("templated/reply.j2", brief=brief, tone=voice)
        subject = None
        if brief.channel == "email":
            subject = self.renderer.render_template("templated/subject.j2", brief=brief)
        return Completion(
            subject=subject,
            body=body,
            claims=DraftClaims(decision=Decision(brief.decision), markers=list(brief.markers)),
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
