"""The ``openai`` provider: any OpenAI-compatible chat-completions endpoint."""

from __future__ import annotations

from drafter.llm import Completion, DraftStream, LLMClient
from drafter.prompting import Prompt

__all__ = ["OpenAIProvider"]


class OpenAIProvider:
    """Drafts with a language model through :class:`drafter.llm.LLMClient`."""

    name = "openai"

    def __init__(self, client: LLMClient) -> None:
        self.client = client

    async def complete(self, prompt: Prompt) -> Completion:
        return await self.client.complete(prompt)

    def stream(self, prompt: Prompt) -> DraftStream:
        return self.client.stream(prompt)

    async def aclose(self) -> None:
        await self.client.aclose()
