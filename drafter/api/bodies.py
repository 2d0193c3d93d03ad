"""Request bodies of the API, parsed from raw JSON in strict mode.

FastAPI would validate bodies in Python mode, where a strict model refuses a date given as a
string; so bodies are read as bytes and validated with ``model_validate_json``, exactly as the
CLI does. The OpenAPI document still describes each body (see ``app.py``). Every validation
problem is reported with its field path; paths inside ``request`` are relative to the Request,
as in ``drafter check`` and the policy's ``inputs_schema`` (``order.items.0.price``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Request as HttpRequest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import RequestError
from drafter.schemas import Channel, Request, Tone

__all__ = [
    "BODY_MODELS",
    "DraftIn",
    "FeedbackIn",
    "FieldProblem",
    "InvalidBodyError",
    "VerdictIn",
    "field_problems",
    "json_body",
]

PolicyId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9._-]*$")]


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class VerdictIn(_Body):
    """``POST /v1/verdicts``: decide a request against a policy."""

    policy: PolicyId = Field(description="A policy id, e.g. retail-standard.")
    request: Request


class DraftIn(_Body):
    """``POST /v1/drafts``: decide, then draft the reply."""

    policy: PolicyId = Field(description="A policy id, e.g. retail-standard.")
    request: Request
    channel: Channel | None = Field(None, description="Overrides request.channel.")
    tone: Tone | None = Field(
        None,
        description="The register the agent asked for (warm, neutral or brief), on top of the "
        "house voice; recorded with the draft. A templated fallback has one register.",
    )


class FeedbackIn(_Body):
    """``POST /v1/drafts/{id}/feedback``: what the agent did with the draft."""

    outcome: Literal["sent_as_is", "edited", "rejected"]
    final_text: str = Field(
        "",
        max_length=50_000,
        description="The text the agent sent. Required for edited; for sent_as_is it defaults "
        "to the draft's final text; for rejected, what was sent instead, if anything.",
    )
    reason: str = Field("", max_length=5_000, description="Why the agent edited or rejected.")


BODY_MODELS: tuple[type[BaseModel], ...] = (VerdictIn, DraftIn, FeedbackIn)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    pointer: str
    message: str


class InvalidBodyError(RequestError):
    """A body failed validation; ``problems`` lists every field at fault."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first.message + more, field=first.field)


M = TypeVar("M", bound=BaseModel)


def json_body(model: type[M]) -> Callable[[HttpRequest], Awaitable[M]]:
    """A dependency that reads the raw body and validates it as ``model``."""

    async def parse(request: HttpRequest) -> M:
        raw = await request.body()
        try:
            return model.model_validate_json(raw or b"")
        except ValidationError as error:
            raise InvalidBodyError(field_problems(error)) from None

    return parse


def field_problems(error: ValidationError) -> list[FieldProblem]:
    """One problem per validation error, with a dotted field path and a JSON pointer."""
    return [_problem(detail) for detail in error.errors(include_url=False, include_input=False)]


def _problem(detail: Any) -> FieldProblem:
    steps = [str(step) for step in detail["loc"]]
    message = detail["msg"]
    kind = detail["type"]
    if kind == "json_invalid":
        return FieldProblem("(body)", "", f"malformed JSON: {detail['ctx'].get('error', message)}")
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "is not a known field"
    elif kind == "model_type" and not steps:
        message = "the body must be a JSON object"
    elif kind == "value_error":
        message = str(detail["ctx"]["error"])
        # Cross-field checks name their field first: "delivered_on: is before placed_on".
        head, _, rest = message.partition(": ")
        if rest and " " not in head:
            steps, message = [*steps, *head.split(".")], rest
    return _located(steps, message)


def _located(steps: list[str], message: str) -> FieldProblem:
    pointer = "".join(f"/{step}" for step in steps)
    inside_request = steps[:1] == ["request"] and len(steps) > 1
    field = ".".join(steps[1:] if inside_request else steps) or "(body)"
    return FieldProblem(field, pointer, message)
