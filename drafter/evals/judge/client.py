"""Who answers the judge's questions: a live OpenAI-compatible endpoint (record), or the
recorded answers (replay, which never calls the network).

The live judge reuses the phrase stage's client (``drafter.phrase.providers.openai``): the
same SDK, retries with backoff within a deadline, and plain-language errors with no credential
in them, pointed at ``DRAFTER_JUDGE_BASE_URL`` and ``DRAFTER_JUDGE_MODEL``, greedy, with the
judge's own JSON schema.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import httpx2

from drafter.errors import ConfigError, LLMError, LLMUnreachable
from drafter.evals.judge.answers import response_format
from drafter.evals.judge.recordings import JudgeCall, JudgeParams, JudgeRecording
from drafter.evals.judge.rubrics import JudgePrompt
from drafter.phrase.providers.openai import make_client, shown_url
from drafter.settings import Settings

__all__ = ["JUDGE_MAX_TOKENS", "Judge", "LiveJudge", "ReplayJudge"]

JUDGE_MAX_TOKENS = 300


class Judge(Protocol):
    live: bool

    async def ask(self, prompt: JudgePrompt) -> JudgeCall | None:
        """The judge's call for ``prompt``; None when replay has nothing recorded for it.

        Raises:
            LLMUnreachable: the live endpoint cannot be reached (record nothing).
        """
        ...

    def models(self) -> str:
        """The judge model(s) answering, as the run's provenance names them."""
        ...

    async def aclose(self) -> None: ...


class ReplayJudge:
    """The recorded answers of a judge set, by prompt hash."""

    live = False

    def __init__(self, recordings: dict[tuple[str, str], JudgeRecording]) -> None:
        self._models = {key: rec.params.model for key, rec in recordings.items()}
        self._calls = {c.prompt_sha256: c for rec in recordings.values() for c in rec.calls}

    async def ask(self, prompt: JudgePrompt) -> JudgeCall | None:
        return self._calls.get(prompt.sha256)

    def models(self) -> str:
        return ", ".join(sorted(set(self._models.values()))) or "nothing recorded"

    async def aclose(self) -> None:
        return None


class LiveJudge:
    """The judge endpoint of ``settings`` (``judge_base_url``, ``judge_model``).

    Raises:
        ConfigError: no judge endpoint or model is configured.
    """

    live = True

    def __init__(
        self, settings: Settings, *, http_client: httpx2.AsyncClient | None = None
    ) -> None:
        if not settings.judge_base_url or not settings.judge_model:
            raise ConfigError("recording the judge needs DRAFTER_JUDGE_BASE_URL and _MODEL")
        self.settings = settings.model_copy(
            update={
                "llm_base_url": settings.judge_base_url,
                "llm_api_key": settings.judge_api_key,
                "llm_model": settings.judge_model,
                "llm_temperature": 0.0,
                "llm_max_tokens": JUDGE_MAX_TOKENS,
            }
        )
        self.client = make_client(self.settings, http_client=http_client)
        self.model = settings.judge_model

    @property
    def params(self) -> JudgeParams:
        return JudgeParams(
            base_url=shown_url(self.settings),  # committed: never a credential
            model=self.model,
            temperature=0.0,
            max_tokens=JUDGE_MAX_TOKENS,
        )

    async def ask(self, prompt: JudgePrompt) -> JudgeCall:
        started = time.perf_counter()
        try:
            response = await self.client.with_retries(
                lambda timeout: self._request(prompt, timeout)
            )
        except LLMUnreachable:
            raise
        except LLMError as error:
            elapsed = (time.perf_counter() - started) * 1000
            return _call(prompt, self.model, raw=None, error=str(error), latency_ms=elapsed)
        elapsed = (time.perf_counter() - started) * 1000
        try:
            text = response.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError) as error:
            return _call(prompt, self.model, raw=None, error=f"malformed: {error}", latency_ms=0)
        usage = getattr(response, "usage", None)
        return _call(
            prompt,
            getattr(response, "model", None) or self.model,
            raw=text,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            latency_ms=elapsed,
        )

    def models(self) -> str:
        return self.model

    async def _request(self, prompt: JudgePrompt, timeout: float) -> Any:
        # As the phrase client does: the SDK's overloads type each message and format in
        # detail; these are plain JSON built here.
        request: dict[str, Any] = {
            "messages": prompt.as_openai_messages(),
            "response_format": response_format(),
        }
        return await self.client.sdk.chat.completions.create(
            model=self.model,
            temperature=0.0,
            max_tokens=JUDGE_MAX_TOKENS,
            timeout=timeout,
            **request,
        )

    async def aclose(self) -> None:
        await self.client.aclose()


def _call(
    prompt: JudgePrompt,
    model: str,
    *,
    raw: str | None,
    error: str | None = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    latency_ms: float,
) -> JudgeCall:
    return JudgeCall(
        rubric=prompt.rubric.name,
        reply=prompt.reply.kind,
        rubric_sha256=prompt.rubric.sha256,
        reply_sha256=prompt.reply.sha256,
        prompt_sha256=prompt.sha256,
        model=model,
        raw=raw,
        error=error,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_ms=round(latency_ms, 1),
    )
