"""The provider protocol: something that turns a rendered Prompt into a Completion.

Three providers implement it: ``openai`` (any OpenAI-compatible endpoint), ``template`` (no
model; the embedded default and the fallback) and ``replay`` (recorded outputs, for evals).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from drafter.llm import Completion
from drafter.prompting import Prompt

__all__ = ["Provider", "ReplyStream", "StaticStream"]


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
