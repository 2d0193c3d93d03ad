"""Recorded judge answers, one file per judged subject, in a judge set.

``evals/judgements/<set>/<group>/<subject>.json``: the group is the recording set whose drafts
were judged (``scripted-reference``), ``template`` for a template run, or ``reference`` (and
``reference-holdout``) for the labelled reference replies; the subject is the case id or the
reference reply's id. Each file holds every judge call made about the subject: the rubric, the
reply judged (raw draft, final reply or reference reply), the hashes of the rubric, the reply
and the whole prompt, and the judge's text exactly as returned, with the provenance of the
drafts' recordings (``drafter.evals.recordings.Provenance``).

Replay serves answers by prompt hash and never calls the network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.evals.recordings import Provenance, RecordingError

__all__ = ["JUDGE_SCHEMA", "JudgeCall", "JudgeParams", "JudgeRecording", "load_judgements"]

JUDGE_SCHEMA = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JudgeCall(_Model):
    """One question put to the judge, and its answer (or the error the call ended in)."""

    rubric: str
    reply: Literal["raw", "final", "reference"]
    rubric_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    reply_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    prompt_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    model: str
    raw: str | None
    error: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None


class JudgeParams(_Model):
    base_url: str
    model: str
    temperature: float
    max_tokens: int


class JudgeRecording(_Model):
    schema_version: int = JUDGE_SCHEMA
    group: str
    subject: str
    provenance: Provenance
    params: JudgeParams
    calls: list[JudgeCall] = Field(min_length=1)

    def save(self, directory: Path) -> Path:
        """Write as ``<directory>/<group>/<subject>.json``; return the path."""
        path = directory / self.group / f"{self.subject}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")
        return path


def load_judgements(directory: Path) -> dict[tuple[str, str], JudgeRecording]:
    """Every recording of a judge set, by (group, subject); an empty dict for a set not
    recorded yet.

    Raises:
        RecordingError: a file is malformed, or misnamed for its group and subject.
    """
    found = {}
    for path in sorted(directory.glob("*/*.json")):
        recording = _load(path)
        if (recording.group, recording.subject) != (path.parent.name, path.stem):
            raise RecordingError(
                f"{path}: records {recording.group}/{recording.subject}, not its own path"
            )
        found[recording.group, recording.subject] = recording
    return found


def _load(path: Path) -> JudgeRecording:
    try:
        return JudgeRecording.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RecordingError(f"{path}: {error.strerror}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        raise RecordingError(f"{path}: {where}: {first['msg']}") from None
