"""Scripted recordings: the local test server (``drafter.testing.llm_server``) answering each
case's prompt with the exemplary answer written for it in ``evals/reference/scripted.yaml``:
the JSON a careful model returns, with markers in place and its own words committing to
nothing.

This is *not* a model's output, and its recordings say so (``provenance.source: scripted``).
It gives a recorded baseline of what a good model would write, through the same HTTP client,
composer, guard and pipeline, to compare real models against.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.evals.cases import CaseFileError, EvalCase
from drafter.phrase.prompting import PromptRenderer
from drafter.schemas import Decision
from drafter.testing.llm_server import Fail, RecordedRequest, Reply, Step

__all__ = ["SCRIPTED_SERVER", "ScriptedAnswer", "load_answers", "scripted_responder"]

SCRIPTED_SERVER = (
    "drafter.testing.llm_server (local scripted test server); the text is the exemplary "
    "answer written for the case in evals/reference/scripted.yaml, not a model's output"
)


class ScriptedAnswer(BaseModel):
    """One case's exemplary answer, in the JSON form the prompt asks a model for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case: str
    subject: str | None = None
    decision_stated: Decision
    markers_used: list[str] = Field(default_factory=list)
    body: str = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    answers: list[ScriptedAnswer] = Field(min_length=1)


def load_answers(directory: Path) -> dict[str, ScriptedAnswer]:
    """The exemplary answers in ``directory/scripted.yaml``, by case id.

    Raises:
        CaseFileError: the file is missing or malformed, or names a case twice.
    """
    path = directory / "scripted.yaml"
    try:
        parsed = _File.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise CaseFileError(f"cannot read the scripted answers: {error}", file=str(path)) from error
    found: dict[str, ScriptedAnswer] = {}
    for answer in parsed.answers:
        if answer.case in found:
            raise CaseFileError(f"case '{answer.case}' has two answers", file=str(path))
        found[answer.case] = answer
    return found


def scripted_responder(
    cases: list[EvalCase], answers: dict[str, ScriptedAnswer], renderer: PromptRenderer
) -> Callable[[RecordedRequest], Step]:
    """A responder that recognises a case by its first user message (the request's facts, which
    carry no per-call canary) and answers with that case's exemplary answer. A prompt it does
    not know gets a 404, so the pipeline falls back."""
    table: dict[str, Reply] = {}
    for case in cases:
        answer = answers.get(case.id)
        if answer is None:
            continue
        user = renderer.render(case.request, case.verdict).messages[1].content
        table[user] = Reply(answer.model_dump(mode="json", exclude={"case"}))

    def respond(request: RecordedRequest) -> Step:
        users = [m.get("content") for m in request.messages if m.get("role") == "user"]
        found = table.get(str(users[0])) if users else None
        return found or Fail(404, message="no scripted answer for this prompt")

    return respond
