"""Recorded model outputs, one file per case and recording set.

``evals/recordings/<set>/<case id>.json`` holds, for one (case, prompt version, model):

- ``calls``: every model call the pipeline made for the case, in order (the first draft, then
  the repair when the guard asked for one), each with the hash of its rendered prompt and the
  model's raw output exactly as returned;
- ``params``: the request parameters (endpoint, model, temperature, token limit, structured
  output, server flags);
- ``provenance``: what produced the text (``model``: a real model's output; ``scripted``:
  text scripted into the local test server, never a model's), which model and server, and when.

Replay serves these outputs by prompt hash, offline and deterministically. When a template
changes, the first prompt's hash no longer matches and the staleness check lists the case.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import UserError

__all__ = [
    "RECORDING_SCHEMA",
    "Provenance",
    "RecordedCall",
    "Recording",
    "RecordingError",
    "RequestParams",
    "load_recordings",
    "replay_failures",
    "replay_outputs",
    "save_recording",
]

RECORDING_SCHEMA = 1


class RecordingError(UserError):
    """A recording file is malformed, or a recording set does not exist."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordedCall(_Model):
    """One model call: its output, or the error it ended in (a timeout, a refusal), so that
    replay reproduces the fallback that followed instead of mistaking it for a stale case."""

    purpose: Literal["draft", "repair"]
    prompt_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    raw: str | None
    error: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None


class Provenance(_Model):
    source: Literal["model", "scripted"] = Field(
        description="model: a real model's output; scripted: text scripted into the local "
        "test server (drafter.testing.llm_server), written by a person, not by a model."
    )
    model: str = Field(min_length=1, description="The model as the endpoint named it.")
    server: str = Field(min_length=1, description="What served it, with version and flags.")
    recorded_at: dt.datetime
    note: str | None = None


class RequestParams(_Model):
    base_url: str
    model: str
    temperature: float
    max_tokens: int
    json_schema: str
    stream: bool = False


class Recording(_Model):
    schema_version: int = RECORDING_SCHEMA
    case: str
    template_version: str
    prompt_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="The first prompt's hash.")
    provenance: Provenance
    params: RequestParams
    calls: list[RecordedCall] = Field(min_length=1)


def load_recordings(directory: Path) -> dict[str, Recording]:
    """The recordings of one set, by case id.

    Raises:
        RecordingError: the set does not exist, or a file in it is malformed or misnamed.
    """
    if not directory.is_dir():
        raise RecordingError(f"recording set {directory} does not exist")
    recordings = {}
    for path in sorted(directory.glob("*.json")):
        recording = _load(path)
        if recording.case != path.stem:
            raise RecordingError(f"{path}: records case '{recording.case}', not '{path.stem}'")
        recordings[recording.case] = recording
    return recordings


def _load(path: Path) -> Recording:
    try:
        return Recording.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise RecordingError(f"{path}: {error.strerror}") from None
    except ValueError as error:  # JSON and validation errors alike
        if isinstance(error, ValidationError):
            first = error.errors()[0]
            where = ".".join(str(step) for step in first["loc"])
            raise RecordingError(f"{path}: {where}: {first['msg']}") from None
        raise RecordingError(f"{path}: not JSON: {error}") from None


def save_recording(directory: Path, recording: Recording) -> Path:
    """Write ``recording`` as ``<directory>/<case>.json``; return the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{recording.case}.json"
    text = json.dumps(recording.model_dump(mode="json"), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def replay_outputs(recordings: dict[str, Recording]) -> dict[str, dict[str, Any]]:
    """Every recorded raw output, with how the model stopped, by the hash of its prompt."""
    calls = (call for rec in recordings.values() for call in rec.calls)
    return {
        call.prompt_sha256: {"raw": call.raw, "finish_reason": call.finish_reason or "stop"}
        for call in calls
        if call.raw is not None
    }


def replay_failures(recordings: dict[str, Recording]) -> dict[str, str]:
    """Every recorded failure (the error message) by the hash of the prompt that caused it."""
    calls = (call for rec in recordings.values() for call in rec.calls)
    return {call.prompt_sha256: call.error for call in calls if call.error is not None}
