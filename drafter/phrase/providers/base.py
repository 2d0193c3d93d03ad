"""The providers' contract: a Provider turns a rendered Prompt into a Completion.

Three providers implement it: ``openai`` (any OpenAI-compatible endpoint), ``template`` (no
model; the embedded default and the fallback) and ``replay`` (recorded outputs, for evals).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from drafter.errors import LLMError
from drafter.phrase.output import ParsedReply, parse_cut_off_reply, parse_reply
from drafter.phrase.prompting import Prompt
from drafter.schemas import Draft, DraftClaims, Provenance

__all__ = ["Completion", "Provider", "ReplyStream", "StaticStream", "finish_completion"]


@dataclass(frozen=True, slots=True)
class Completion:
    """One finished reply and how it was obtained.

    Attributes:
        raw: the model's answer as returned (what a repair prompt feeds back).
        structured: the answer was a JSON object with a body (else plain text was used).
        attempts: HTTP requests made, retries included.
        llm_calls: model calls that produced this reply (0 for the template provider).
        truncated: the token limit cut the answer off; ``body`` is what came before the cut
            (the pipeline never sends it as is: it counts as a violation and is repaired).
    """

    subject: str | None
    body: str
    claims: DraftClaims
    raw: str
    structured: bool
    provider: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float
    attempts: int
    llm_calls: int
    templated: bool = False
    truncated: bool = False

    def to_draft(self, *, template_version: str, verdict_sha256: str, llm_calls: int) -> Draft:
        """The Draft for this reply. ``llm_calls`` counts every model call behind it (a
        repaired draft took two), which the pipeline knows and this reply does not."""
        provenance = Provenance(
            provider=self.provider,
            model=self.model,
            template_version=template_version,
            verdict_sha256=verdict_sha256,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            latency_ms=self.latency_ms,
            llm_calls=llm_calls,
        )
        return Draft(
            subject=self.subject,
            body=self.body,
            claims=self.claims,
            provenance=provenance,
            templated=self.templated,
        )


def finish_completion(
    prompt: Prompt,
    text: str,
    *,
    finish_reason: str | None,
    model: str,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    latency_ms: float,
    attempts: int,
    provider: str = "openai",
) -> Completion:
    """Check how the model stopped, parse its answer, and package it.

    An answer cut off at the token limit is kept, marked ``truncated``, so the pipeline can
    ask for a shorter one and evals can score what the model wrote.

    Raises:
        LLMError: the answer was filtered, never finished (a broken stream), or has no body.
    """
    if finish_reason is None:
        raise LLMError("the reply ended before the model finished (truncated stream)")
    if finish_reason == "content_filter":
        raise LLMError("the endpoint's content filter stopped the reply")
    truncated = finish_reason == "length"
    parse = parse_cut_off_reply if truncated else parse_reply
    parsed: ParsedReply = parse(text, wants_subject=prompt.brief.channel == "email")
    if not parsed.body:
        cut = " before any reply text (raise llm_max_tokens)" if truncated else ""
        raise LLMError(f"the model returned an empty reply{cut}")
    return Completion(
        subject=parsed.subject,
        body=parsed.body,
        claims=parsed.claims,
        raw=text,
        structured=parsed.structured,
        provider=provider,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_ms=latency_ms,
        attempts=attempts,
        llm_calls=1,
        truncated=truncated,
    )


class ReplyStream(Protocol):
    """Text deltas of the reply body; ``completion`` is set once iteration has ended."""

    completion: Completion | None

    def __aiter__(self) -> AsyncIterator[str]: ...


class Provider(Protocol):
    name: str

    async def complete(self, prompt: Prompt) -> Completion:
        """The reply for ``prompt``. Raises LLMError when no usable reply can be had."""
        ...

    def stream(self, prompt: Prompt) -> ReplyStream:
        """The reply for ``prompt`` as body deltas, then the full Completion."""
        ...

    async def aclose(self) -> None: ...


class StaticStream:
    """Streams a reply that is computed in one go, a line at a time."""

    def __init__(self, *, provider: Provider, prompt: Prompt) -> None:
        self.completion: Completion | None = None
        self._provider = provider
        self._prompt = prompt

    def __aiter__(self) -> AsyncIterator[str]:
        return self._deltas()

    async def _deltas(self) -> AsyncIterator[str]:
        completion = await self._provider.complete(self._prompt)
        for line in completion.body.splitlines(keepends=True):
            yield line
        self.completion = completion
