"""A local OpenAI-compatible chat-completions server for tests, driven by a script.

It serves ``POST /v1/chat/completions`` (JSON and Server-Sent Events) on 127.0.0.1 and answers
each request with the next scripted :data:`Step`, so a test can say "the next two calls fail
with 429 then succeed" and drive the real ``openai`` SDK over real HTTP. Usage::

    from drafter.testing.llm_server import Fail, Reply, ScriptedLLM, run_llm_server

    script = ScriptedLLM()
    with run_llm_server(script) as server:          # a thread, a free port
        script.push(Fail(429, retry_after="0.2"), Reply({"body": "Hi Ana, ..."}))
        settings = Settings(llm_base_url=server.base_url, llm_model="test")
        ...
        assert len(script.requests) == 2

Steps:
- :class:`Reply`: a 200 answer. ``content`` is a str (sent as is) or a dict (sent as JSON);
  ``delay_s`` adds latency; ``truncate_after`` cuts a stream after that many content chunks
  (no finish reason, no ``[DONE]``) or a JSON body in half.
- :class:`Fail`: an error status with an OpenAI-style error body and optional ``Retry-After``.
- :class:`Malformed`: a 200 whose body (or SSE event) is not JSON.

When the queue is empty the ``responder`` decides (by default a short valid draft), so a
script can also be keyed on the request: ``ScriptedLLM(responder=lambda req: ...)``.
``reject_json_schema=400`` (or 500) answers that status to any request asking for a JSON schema,
as servers without structured output do; it does not consume a step.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from drafter.phrase.prompting import estimate_tokens

__all__ = [
    "Fail",
    "LLMServer",
    "Malformed",
    "RecordedRequest",
    "Reply",
    "ScriptedLLM",
    "Step",
    "create_app",
    "run_llm_server",
]


@dataclass(frozen=True)
class Reply:
    content: str | dict[str, Any]
    delay_s: float = 0.0
    finish_reason: str = "stop"
    truncate_after: int | None = None
    model: str = "scripted-model"

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return json.dumps(self.content, ensure_ascii=False)


@dataclass(frozen=True)
class Fail:
    status: int = 500
    retry_after: str | None = None
    message: str = "scripted failure"
    delay_s: float = 0.0


@dataclass(frozen=True)
class Malformed:
    delay_s: float = 0.0


Step = Reply | Fail | Malformed


@dataclass(frozen=True)
class RecordedRequest:
    """What the server received: the JSON body and the headers (names lower-cased)."""

    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def wants_schema(self) -> bool:
        format_ = self.body.get("response_format") or {}
        return isinstance(format_, dict) and format_.get("type") == "json_schema"

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


def default_responder(request: RecordedRequest) -> Step:
    """A short, valid structured draft, so unscripted calls still succeed."""
    return Reply(
        {
            "subject": None,
            "body": "Hello, this is a scripted test reply.",
            "decision_stated": "decline",
            "offers_mentioned": [],
            "amounts_mentioned": [],
        }
    )


@dataclass
class ScriptedLLM:
    """The script and the log shared between a test and the server thread."""

    responder: Callable[[RecordedRequest], Step] = default_responder
    reject_json_schema: int | None = None
    chunk_chars: int = 16
    chunk_delay_s: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    _queue: deque[Step] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, *steps: Step) -> None:
        """Queue steps; each request takes the next one."""
        with self._lock:
            self._queue.extend(steps)

    def reset(self) -> None:
        """Forget queued steps, recorded requests and modes (between tests)."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self.responder = default_responder
        self.reject_json_schema = None
        self.chunk_chars, self.chunk_delay_s = 16, 0.0

    @property
    def pending(self) -> int:
        """Steps still queued."""
        with self._lock:
            return len(self._queue)

    def next_step(self, request: RecordedRequest) -> Step:
        with self._lock:
            self.requests.append(request)
            if self.reject_json_schema and request.wants_schema:
                return Fail(self.reject_json_schema, message="json_schema is not supported")
            if self._queue:
                return self._queue.popleft()
        return self.responder(request)


def create_app(script: ScriptedLLM) -> FastAPI:
    """The FastAPI app serving ``script`` at ``/v1/chat/completions``."""
    app = FastAPI(title="drafter scripted LLM")

    @app.post("/v1/chat/completions")
    async def chat_completions(http: Request) -> Response:
        try:
            body = await http.json()
        except ValueError:
            return _error(400, "request body is not JSON")
        recorded = RecordedRequest(
            body=body, headers={k.lower(): v for k, v in http.headers.items()}
        )
        step = script.next_step(recorded)
        await asyncio.sleep(step.delay_s)
        if isinstance(step, Fail):
            return _error(step.status, step.message, retry_after=step.retry_after)
        if isinstance(step, Malformed):
            return _malformed(recorded)
        if recorded.stream:
            return _stream(step, recorded, script)
        return _completion(step, recorded)

    return app


def _error(status: int, message: str, *, retry_after: str | None = None) -> JSONResponse:
    headers = {"retry-after": retry_after} if retry_after is not None else None
    content = {"error": {"message": message, "type": "scripted", "code": status}}
    return JSONResponse(content, status_code=status, headers=headers)


def _malformed(request: RecordedRequest) -> Response:
    if request.stream:
        return Response(b'data: {"choices": [\n\n', media_type="text/event-stream")
    return Response(b'{"id": "x", "choices": [', media_type="application/json")


def _usage(step: Reply, request: RecordedRequest) -> dict[str, int]:
    prompt = sum(estimate_tokens(str(m.get("content", ""))) for m in request.messages)
    completion = estimate_tokens(step.text)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(step: Reply, request: RecordedRequest) -> Response:
    payload = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": step.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": step.text},
                "finish_reason": step.finish_reason,
            }
        ],
        "usage": _usage(step, request),
    }
    data = json.dumps(payload, ensure_ascii=False).encode()
    if step.truncate_after is not None:
        data = data[: len(data) // 2]
    return Response(data, media_type="application/json")


def _stream(step: Reply, request: RecordedRequest, script: ScriptedLLM) -> StreamingResponse:
    wants_usage = bool((request.body.get("stream_options") or {}).get("include_usage"))
    return StreamingResponse(
        _events(step, request, script, wants_usage), media_type="text/event-stream"
    )


async def _events(
    step: Reply, request: RecordedRequest, script: ScriptedLLM, wants_usage: bool
) -> AsyncIterator[bytes]:
    """SSE events: a role chunk, content chunks, the finish chunk, usage, then [DONE]."""
    text = step.text
    pieces = [text[i : i + script.chunk_chars] for i in range(0, len(text), script.chunk_chars)]
    yield _event(_chunk(step, {"role": "assistant", "content": ""}, None))
    for count, piece in enumerate(pieces):
        if step.truncate_after is not None and count >= step.truncate_after:
            return  # the connection ends mid-reply: no finish reason, no [DONE]
        await asyncio.sleep(script.chunk_delay_s)
        yield _event(_chunk(step, {"content": piece}, None))
    yield _event(_chunk(step, {}, step.finish_reason))
    if wants_usage:
        yield _event({**_chunk(step, {}, None), "choices": [], "usage": _usage(step, request)})
    yield b"data: [DONE]\n\n"


def _chunk(step: Reply, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": step.model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class LLMServer:
    """The app under uvicorn in a daemon thread on 127.0.0.1 and a free port."""

    def __init__(self, script: ScriptedLLM | None = None, *, host: str = "127.0.0.1") -> None:
        self.script = script or ScriptedLLM()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            create_app(self.script), log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ending in ``/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self, *, timeout_s: float = 10.0) -> None:
        """Start serving; return once the server accepts connections.

        Raises:
            RuntimeError: it did not start within ``timeout_s``.
        """
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the scripted LLM server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@contextmanager
def run_llm_server(script: ScriptedLLM | None = None) -> Iterator[LLMServer]:
    """Run a scripted LLM server for the duration of a ``with`` block."""
    server = LLMServer(script)
    server.start()
    try:
        yield server
    finally:
        server.stop()
