"""The ``replay`` provider: serves recorded model outputs, keyed by the rendered prompt's hash.

A recording is ``<directory>/<prompt sha256>.json``::

    {"prompt_sha256": "...", "template_version": "...", "model": "...",
     "raw": "<the model's answer>", "finish_reason": "stop", "prompt_tokens": 812,
     "completion_tokens": 240,
     "messages": [["system", "... [canary] ..."], ["user", "..."]]}

Because the hash covers the templates' output, a template change without re-recording finds no
recording: :meth:`ReplayProvider.has` lets an eval runner report that as stale.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drafter.errors import LLMError
from drafter.phrase.prompting import Prompt
from drafter.phrase.providers.base import Completion, StaticStream, finish_completion

__all__ = ["ReplayProvider", "recording_of", "save_recording"]


class ReplayProvider:
    """Answers from recordings in a directory, or from an in-memory mapping of sha256 to the raw
    answer (or to a record like the file's, to replay a ``finish_reason`` other than stop)."""

    name = "replay"

    def __init__(self, source: Path | Mapping[str, str] | Mapping[str, dict[str, Any]]) -> None:
        self.source = source

    def has(self, prompt: Prompt) -> bool:
        """Whether a recording exists for exactly this rendered prompt."""
        return self._load(prompt) is not None

    async def complete(self, prompt: Prompt) -> Completion:
        """The recorded reply for ``prompt``.

        Raises:
            LLMError: nothing was recorded for this prompt, or the recording is unusable.
        """
        started = time.perf_counter()
        record = self._load(prompt)
        if record is None:
            raise LLMError(f"no recording for prompt {prompt.sha256[:12]} (re-record the evals)")
        return finish_completion(
            prompt,
            str(record["raw"]),
            finish_reason=str(record.get("finish_reason") or "stop"),
            model=str(record.get("model", "replay")),
            prompt_tokens=record.get("prompt_tokens"),
            completion_tokens=record.get("completion_tokens"),
            latency_ms=(time.perf_counter() - started) * 1000,
            attempts=0,
            provider=self.name,
        )

    def stream(self, prompt: Prompt) -> StaticStream:
        return StaticStream(provider=self, prompt=prompt)

    async def aclose(self) -> None:
        return None

    def _load(self, prompt: Prompt) -> dict[str, Any] | None:
        if isinstance(self.source, Mapping):
            entry = self.source.get(prompt.sha256)
            return {"raw": entry} if isinstance(entry, str) else entry
        path = self.source / f"{prompt.sha256}.json"
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise LLMError(f"recording {path} is unreadable: {error}") from error
        if not isinstance(record, dict) or not isinstance(record.get("raw"), str):
            raise LLMError(f"recording {path} has no 'raw' text")
        return record


def recording_of(prompt: Prompt, completion: Completion) -> dict[str, Any]:
    """The JSON-ready recording of ``completion`` for ``prompt`` (canary masked)."""
    masked = [[m.role, m.content.replace(prompt.canary, "[canary]")] for m in prompt.messages]
    return {
        "prompt_sha256": prompt.sha256,
        "template_version": prompt.template_version,
        "model": completion.model,
        "raw": completion.raw,
        "finish_reason": "length" if completion.truncated else "stop",
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "messages": masked,
    }


def save_recording(directory: Path, prompt: Prompt, completion: Completion) -> Path:
    """Write the recording for ``prompt`` into ``directory``; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{prompt.sha256}.json"
    text = json.dumps(recording_of(prompt, completion), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    return path
