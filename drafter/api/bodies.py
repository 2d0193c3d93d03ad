"""Request bodies of the API, parsed from raw JSON in strict mode.

FastAPI would validate bodies in Python mode, where a strict model refuses a date given as a
string; so bodies are read as bytes and validated with ``model_validate_json``, exactly as the
CLI does. The OpenAPI document still describes each body (see ``app.py``). Every validation
problem is reported with its field path; paths inside ``request`` are relative to the Request,
as in ``drafter check`` and the policy's ``inputs_schema`` (``order.items.0.price``).

Before the models see a body, ``check_json`` refuses what they cannot see: a key given twice in
one object (pydantic keeps the last one silently), and any string, key or value, holding a
character the audit store cannot keep: NUL (U+0000), which PostgreSQL refuses in text, and a
lone surrogate (U+D800 to U+DFFF), which UTF-8 cannot encode. This is the one place that rule
lives; every body goes through it, so no model needs to repeat it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from itertools import islice
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
    "LookupIn",
    "VerdictIn",
    "check_json",
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


class LookupIn(_Body):
    """``POST /v1/lookups``: read a case's facts from the company's order system."""

    policy: PolicyId = Field(description="A policy id; its pack declares the lookups.")
    lookup: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[a-z][a-z0-9-]*$",
        description="A lookup of the policy's pack, e.g. shopify-order.",
    )
    id: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^\S(.*\S)?$",
        description="What the agent typed: the order or subscription id, without spaces "
        "around it. Sent as one path segment, percent-encoded.",
    )


BODY_MODELS: tuple[type[BaseModel], ...] = (VerdictIn, DraftIn, FeedbackIn, LookupIn)


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
        malformed = check_json(raw)
        try:
            body = model.model_validate_json(raw or b"")
        except ValidationError as error:
            raise InvalidBodyError(field_problems(error)) from None
        if malformed is not None:  # fail closed: what Python cannot read was not checked
            raise InvalidBodyError([FieldProblem("(body)", "", f"malformed JSON: {malformed}")])
        return body

    return parse


# NUL and lone surrogates can only reach a parsed string through a JSON escape (raw control
# characters are not JSON, and a strict UTF-8 decode refuses encoded surrogates), so a body
# without such an escape is not walked at all.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_PROBLEMS = 20  # a body full of NULs must not make a megabyte of problems


class _DuplicateKeyError(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _DuplicateKeyError
    return document


def check_json(raw: bytes) -> str | None:
    """Refuse duplicate keys and characters the store cannot keep, naming the field.

    Returns:
        Why Python could not read the body as JSON, or None. The caller lets pydantic's
        parser describe malformed JSON, and refuses the body even if pydantic would take it.

    Raises:
        InvalidBodyError: a key appears twice in one object, or a string holds NUL or a lone
            surrogate.
    """
    try:
        text = raw.decode()
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError:
        raise InvalidBodyError([_duplicate(text)]) from None
    except (ValueError, RecursionError) as error:
        return str(error) or type(error).__name__
    if _SUSPECT_ESCAPE.search(text):
        bad = ((string, path) for string, path in _strings(document) if _UNSTORABLE.search(string))
        found = [_unstorable(string, path) for string, path in islice(bad, MAX_PROBLEMS)]
        if found:
            raise InvalidBodyError(found)
    return None


class _Repeated(dict[str, Any]):
    """An object with a repeated key, as parsed again to find where it is."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                self.repeated = key
                break
            seen.add(key)


def _duplicate(text: str) -> FieldProblem:
    def mark(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        document = dict(pairs)
        return _Repeated(pairs) if len(document) != len(pairs) else document

    for node, path in _nodes(json.loads(text, object_pairs_hook=mark)):
        if isinstance(node, _Repeated):
            steps = [*_steps(path), node.repeated]
            return _located(steps, "appears more than once in the same object")
    raise AssertionError("a repeated key was found, then lost")  # pragma: no cover


# A path is linked to its parent's, ``(parent, step)``, so walking a deep document stays linear.
_Path = tuple[Any, ...]


def _nodes(document: Any) -> Iterator[tuple[Any, _Path]]:
    """Every value of a parsed document with its path, without recursion."""
    stack: list[tuple[Any, _Path]] = [(document, ())]
    while stack:
        node, path = stack.pop()
        yield node, path
        if isinstance(node, dict):
            children = [(value, (path, key)) for key, value in node.items()]
            stack.extend(reversed(children))  # popped in document order
        elif isinstance(node, list):
            items = [(value, (path, str(index))) for index, value in enumerate(node)]
            stack.extend(reversed(items))


def _steps(path: _Path) -> list[str]:
    steps: list[str] = []
    while path:
        path, step = path
        steps.append(step)
    return steps[::-1]


def _strings(document: Any) -> Iterator[tuple[str, _Path]]:
    """Every string of a parsed document, keys included, with the path that names it."""
    for node, path in _nodes(document):
        if isinstance(node, str):
            yield node, path
        elif isinstance(node, dict):
            yield from ((key, (path, key)) for key in node)


def _unstorable(string: str, path: _Path) -> FieldProblem:
    if "\x00" in string:
        message = "contains a NUL character (U+0000), which cannot be stored"
    else:
        found = _UNSTORABLE.search(string)
        assert found is not None
        code = ord(found.group())
        message = f"contains a lone surrogate (U+{code:04X}), which is not a Unicode character"
    return _located(_steps(path), message)


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
