"""The ``openai`` provider: any OpenAI-compatible endpoint, with structured drafts, retries
within a deadline, and streaming.

It talks to any chat-completions endpoint (OpenAI, Azure OpenAI's ``/openai/v1/``, vLLM,
Ollama, llama.cpp's server) through the ``openai`` SDK, with the SDK's own retries turned off
so that tenacity owns them:

- 429, 5xx, timeouts and connection errors are retried with exponential backoff and jitter,
  honouring ``Retry-After``, and never past ``llm_deadline_s``; any other 4xx is not retried.
- With ``llm_json_schema=auto`` a request carrying a JSON schema that the endpoint rejects
  (400, 422, 500, 501) is retried once at once without it, and later calls skip it.
- Every failure surfaces as :class:`drafter.errors.LLMError` with a plain message; the pipeline
  catches it and falls back to the template provider.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx2
import openai
from openai import AsyncOpenAI
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from drafter.errors import ConfigError, LLMError, LLMUnreachable
from drafter.phrase.output import BodyStreamDecoder, response_format
from drafter.phrase.prompting import Prompt
from drafter.phrase.providers.base import Completion, finish_completion
from drafter.settings import Settings

__all__ = ["DraftStream", "LLMClient", "OpenAIProvider", "make_client", "shown_url"]

T = TypeVar("T")
_SCHEMA_REJECTED = frozenset({400, 422, 500, 501})


class _SchemaRejected(Exception):
    """The endpoint refused the JSON schema; retry at once without it."""


def retry_after_seconds(error: BaseException) -> float | None:
    """The delay an error response asks for (``retry-after-ms`` or ``retry-after``), if any."""
    if not isinstance(error, openai.APIStatusError):
        return None
    headers = error.response.headers
    if "retry-after-ms" in headers:
        return _number(headers["retry-after-ms"], scale=1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is None:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = max(0.0, when.timestamp() - time.time())
    return seconds


def _number(value: str, *, scale: float = 1) -> float | None:
    try:
        return max(0.0, float(value) / scale)
    except ValueError:
        return None


def _is_retryable(error: BaseException) -> bool:
    if isinstance(error, _SchemaRejected | openai.APIConnectionError):  # timeouts included
        return True
    return isinstance(error, openai.APIStatusError) and (
        error.status_code == 429 or error.status_code >= 500
    )


class _Wait:
    """Retry-After when the server gives one, else exponential backoff with full jitter."""

    def __init__(self) -> None:
        self._backoff = wait_random_exponential(multiplier=0.5, max=8)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _SchemaRejected):
            return 0.0
        hinted = retry_after_seconds(error) if error else None
        return hinted if hinted is not None else float(self._backoff(state))


class LLMClient:
    """Chat completions against one endpoint and model. Build it with :func:`make_client`."""

    def __init__(self, settings: Settings, sdk: AsyncOpenAI) -> None:
        self.settings = settings
        self.model = settings.llm_model or ""
        self.sdk = sdk
        self._schema_supported = settings.llm_json_schema != "off"

    async def complete(self, prompt: Prompt) -> Completion:
        """One reply for ``prompt``, retried within the deadline.

        Raises:
            LLMError: the endpoint failed, timed out, or answered with nothing usable.
        """
        started = time.perf_counter()
        attempts = 0

        async def attempt(timeout: float) -> Any:
            nonlocal attempts
            attempts += 1
            return await self._request(prompt, timeout, stream=False)

        response = await self.with_retries(attempt)
        return _completion(prompt, response, self.model, started, attempts)

    def stream(self, prompt: Prompt) -> DraftStream:
        """Stream the reply body as text deltas; the full Completion is on the stream after."""
        return DraftStream(self, prompt)

    async def aclose(self) -> None:
        await self.sdk.close()

    async def with_retries(self, call: Callable[[float], Awaitable[T]]) -> T:
        """Run ``call(attempt_timeout)`` under the retry policy and the overall deadline.

        Raises:
            LLMError: every attempt failed, a non-retryable error came back, or time ran out.
        """
        deadline = self.settings.llm_deadline_s
        give_up_at = time.monotonic() + deadline
        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_retryable),
            wait=_Wait(),
            stop=stop_before_delay(deadline) | stop_after_attempt(self.settings.llm_max_attempts),
            reraise=True,
        )
        try:
            async with asyncio.timeout(deadline):
                async for attempt in retrying:
                    with attempt:
                        remaining = give_up_at - time.monotonic()
                        return await call(max(0.1, min(self.settings.llm_timeout_s, remaining)))
        except TimeoutError as error:
            raise LLMError(f"no reply within the {deadline:g}s deadline") from error
        except (openai.OpenAIError, httpx2.HTTPError, ValueError, _SchemaRejected) as error:
            raise _llm_error(error, self.settings) from error
        raise LLMError("the retry loop ended without a result")  # unreachable; keeps mypy sure

    async def _request(self, prompt: Prompt, timeout: float, *, stream: bool) -> Any:
        use_schema = self._schema_supported
        kwargs: dict[str, Any] = {}
        if use_schema:
            kwargs["response_format"] = response_format()
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        try:
            return await self.sdk.chat.completions.create(
                model=self.model,
                messages=prompt.as_openai_messages(),  # type: ignore[arg-type]
                temperature=self.settings.llm_temperature,
                max_tokens=self.settings.llm_max_tokens,
                stream=stream,
                timeout=timeout,
                **kwargs,
            )
        except openai.APIStatusError as error:
            if use_schema and self._may_drop_schema(error):
                self._schema_supported = False
                raise _SchemaRejected(str(error)) from error
            raise

    def _may_drop_schema(self, error: openai.APIStatusError) -> bool:
        return self.settings.llm_json_schema == "auto" and error.status_code in _SCHEMA_REJECTED


def _llm_error(error: BaseException, settings: Settings) -> LLMError:
    """A plain-language LLMError for an SDK, transport or parsing failure, with no credential
    in it: its text becomes the fallback reason that callers see and the store keeps."""
    described = _described(error, settings)
    for secret in _secrets(settings):
        described.args = (str(described).replace(secret, "***"),)
    return described


def _secrets(settings: Settings) -> list[str]:
    """What the endpoint's URL and key hold that no message may show, longest first."""
    url = urllib.parse.urlsplit(settings.llm_base_url or "")
    found = [url.password, url.username, url.query, url.fragment]
    if settings.llm_api_key is not None:
        found.append(settings.llm_api_key.get_secret_value())
    found += [urllib.parse.unquote(f) for f in found if f]
    return sorted({f for f in found if f}, key=len, reverse=True)


def shown_url(settings: Settings) -> str:
    """The endpoint as messages name it: scheme, host, port and path only."""
    url = urllib.parse.urlsplit(settings.llm_base_url or "")
    host = url.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if url.port is not None:
        netloc += f":{url.port}"
    return urllib.parse.urlunsplit((url.scheme, netloc, url.path, "", ""))


def _described(error: BaseException, settings: Settings) -> LLMError:
    where = shown_url(settings)
    if isinstance(error, _SchemaRejected):
        return LLMError(f"{where} rejected the JSON-schema request: {error}")
    if isinstance(error, openai.APITimeoutError):
        return LLMError(f"{where} did not answer within {settings.llm_timeout_s:g}s")
    if isinstance(error, openai.APIConnectionError):
        return LLMUnreachable(f"cannot reach {where}: {error.__cause__ or error}")
    if isinstance(error, openai.RateLimitError):
        return LLMError(f"{where} is rate-limiting requests (429); gave up within the deadline")
    if isinstance(error, openai.APIStatusError):
        return LLMError(f"{where} answered {error.status_code}: {_server_message(error)}")
    if isinstance(error, httpx2.HTTPError):
        return LLMError(f"the connection to {where} broke: {error}")
    return LLMError(f"{where} sent a malformed response: {error}")


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])[:300]
    return error.message[:300]


def _completion(
    prompt: Prompt, response: Any, model: str, started: float, attempts: int
) -> Completion:
    """Build a Completion from a non-streamed chat-completions response."""
    try:
        choice = response.choices[0]
        text = choice.message.content or ""
        finish = choice.finish_reason
        usage = response.usage
    except (AttributeError, IndexError, TypeError) as error:
        raise LLMError(f"the endpoint sent a malformed completion: {error}") from error
    return finish_completion(
        prompt,
        text,
        finish_reason=finish,
        model=getattr(response, "model", None) or model,
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        latency_ms=(time.perf_counter() - started) * 1000,
        attempts=attempts,
    )


class DraftStream:
    """An async iterator of reply-body text deltas for one prompt.

    Only opening the stream is retried; once text has flowed, a broken or truncated stream
    raises LLMError. After the iteration ends, ``completion`` holds the parsed reply.
    """

    def __init__(self, client: LLMClient, prompt: Prompt) -> None:
        self.client = client
        self.prompt = prompt
        self.completion: Completion | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        return self._deltas()

    async def _deltas(self) -> AsyncIterator[str]:
        started = time.perf_counter()
        attempts = 0

        async def open_stream(timeout: float) -> Any:
            nonlocal attempts
            attempts += 1
            return await self.client._request(self.prompt, timeout, stream=True)

        chunks = await self.client.with_retries(open_stream)
        state = _StreamState()
        give_up_at = started + self.client.settings.llm_deadline_s
        try:
            async for chunk in chunks:
                if time.perf_counter() > give_up_at:
                    await chunks.close()
                    raise LLMError("the stream ran past the deadline")
                delta = state.absorb(chunk)
                if delta:
                    yield delta
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as error:
            raise LLMError(f"the stream broke off after {len(state.text)} characters") from error
        self.completion = finish_completion(
            self.prompt,
            state.text,
            finish_reason=state.finish_reason,
            model=state.model or self.client.model,
            prompt_tokens=state.prompt_tokens,
            completion_tokens=state.completion_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            attempts=attempts,
        )


class _StreamState:
    """Accumulates a chat-completions stream: text, finish reason, usage, model."""

    def __init__(self) -> None:
        self.text = ""
        self.finish_reason: str | None = None
        self.model: str | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self._decoder = BodyStreamDecoder()

    def absorb(self, chunk: Any) -> str:
        """Take in one chunk; return the body text it adds."""
        self.model = getattr(chunk, "model", None) or self.model
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.prompt_tokens = usage.prompt_tokens
            self.completion_tokens = usage.completion_tokens
        if not chunk.choices:
            return ""
        choice = chunk.choices[0]
        self.finish_reason = choice.finish_reason or self.finish_reason
        content = choice.delta.content if choice.delta else None
        if not content:
            return ""
        self.text += content
        return self._decoder.feed(content)


def make_client(settings: Settings, *, http_client: httpx2.AsyncClient | None = None) -> LLMClient:
    """An LLM client for ``settings``; pass ``http_client`` to control transport in tests.

    Raises:
        ConfigError: no endpoint is configured (``llm_base_url``).
    """
    if not settings.llm_base_url or not settings.llm_model:
        raise ConfigError("llm_base_url and llm_model must be set to use an LLM endpoint")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "no-key"
    sdk = AsyncOpenAI(
        base_url=settings.llm_base_url,
        api_key=key,
        max_retries=0,  # tenacity owns retries
        timeout=settings.llm_timeout_s,
        http_client=http_client,
    )
    return LLMClient(settings, sdk)


class OpenAIProvider:
    """Drafts with a language model through :class:`LLMClient`."""

    name = "openai"

    def __init__(self, client: LLMClient) -> None:
        self.client = client

    async def complete(self, prompt: Prompt) -> Completion:
        return await self.client.complete(prompt)

    def stream(self, prompt: Prompt) -> DraftStream:
        return self.client.stream(prompt)

    async def aclose(self) -> None:
        await self.client.aclose()
