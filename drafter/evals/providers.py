"""Providers that wrap the pipeline's real ones for evals: one records every model call of a
case, one replays recordings and notes every prompt it had nothing for."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from drafter.errors import LLMError, LLMUnreachable
from drafter.phrase.prompting import Prompt
from drafter.phrase.providers import Provider, ReplayProvider, StaticStream
from drafter.phrase.providers.base import Completion

__all__ = ["Call", "RecordingProvider", "TrackingReplay"]


@dataclass(frozen=True)
class Call:
    """One call as it went: a completion, or the LLMError it raised."""

    prompt: Prompt
    completion: Completion | None
    latency_ms: float
    error: str | None = None
    unreachable: bool = False


class RecordingProvider:
    """Passes every call to ``inner`` and keeps the prompt and completion."""

    def __init__(self, inner: Provider) -> None:
        self.inner = inner
        self.name = inner.name
        self._calls: list[Call] = []

    async def complete(self, prompt: Prompt) -> Completion:
        started = time.perf_counter()
        try:
            completion = await self.inner.complete(prompt)
        except LLMError as error:
            elapsed = (time.perf_counter() - started) * 1000
            unreachable = isinstance(error, LLMUnreachable)
            self._calls.append(Call(prompt, None, elapsed, str(error), unreachable))
            raise
        self._calls.append(Call(prompt, completion, completion.latency_ms))
        return completion

    def stream(self, prompt: Prompt) -> StaticStream:
        return StaticStream(provider=self, prompt=prompt)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def take(self) -> list[Call]:
        """The calls since the last ``take`` (one case's), in order."""
        calls, self._calls = self._calls, []
        return calls


class TrackingReplay:
    """A replay provider over recorded outputs that remembers the prompts it was asked for and
    those it could not serve, so a run can show a case's prompt, count its recorded cost, and
    say which cases replayed only in part. A call recorded as failed fails again, with its
    recorded error."""

    name = "replay"

    def __init__(
        self, outputs: dict[str, dict[str, Any]], failures: dict[str, str] | None = None
    ) -> None:
        self.inner = ReplayProvider(outputs)
        self.failures = failures or {}
        self._misses: list[str] = []
        self._calls: list[Call] = []

    async def complete(self, prompt: Prompt) -> Completion:
        if prompt.sha256 in self.failures:
            error = f"recorded failure: {self.failures[prompt.sha256]}"
            self._calls.append(Call(prompt, None, 0.0, error))
            raise LLMError(error)
        try:
            completion = await self.inner.complete(prompt)
        except LLMError as failure:
            self._misses.append(prompt.sha256)
            self._calls.append(Call(prompt, None, 0.0, str(failure)))
            raise
        self._calls.append(Call(prompt, completion, completion.latency_ms))
        return completion

    def stream(self, prompt: Prompt) -> StaticStream:
        return StaticStream(provider=self, prompt=prompt)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def take_misses(self) -> list[str]:
        misses, self._misses = self._misses, []
        return misses

    def take(self) -> list[Call]:
        """The calls since the last ``take`` (one case's), in order."""
        calls, self._calls = self._calls, []
        return calls
