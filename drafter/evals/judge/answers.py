"""The judge's answer format, and the strict parser that reads it.

A judge must answer with exactly ``{"answer": "yes" | "no", "reason": "..."}``. Anything else
(prose, a code fence, another label, a missing or empty reason) is *unparsed*: reported and
counted as such, never read as a pass or a fail. ``json.loads`` reads the text in linear time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ANSWER_SCHEMA", "Answer", "Unparsed", "parse_answer", "response_format"]

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "enum": ["yes", "no"]},
        "reason": {"type": "string", "minLength": 1},
    },
    "required": ["answer", "reason"],
    "additionalProperties": False,
}
_REASON_MAX = 2000


def response_format() -> dict[str, Any]:
    """The structured-output request for the judge (OpenAI's ``json_schema`` form)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "judgement", "strict": True, "schema": ANSWER_SCHEMA},
    }


@dataclass(frozen=True)
class Answer:
    answer: Literal["yes", "no"]
    reason: str


@dataclass(frozen=True)
class Unparsed:
    """Why the judge's text is not an answer."""

    why: str


def parse_answer(text: str) -> Answer | Unparsed:
    """The judge's answer in ``text``, or why there is none."""
    try:
        data = json.loads(text)
    except ValueError:
        return Unparsed("not a JSON object")
    if not isinstance(data, dict):
        return Unparsed("not a JSON object")
    if set(data) != {"answer", "reason"}:
        return Unparsed(f"keys {sorted(data)}, not exactly ['answer', 'reason']")
    answer, reason = data["answer"], data["reason"]
    if answer not in ("yes", "no"):
        return Unparsed(f'answer {json.dumps(answer)[:40]}, not "yes" or "no"')
    if not isinstance(reason, str) or not reason.strip():
        return Unparsed("no reason given")
    return Answer(answer=answer, reason=reason.strip()[:_REASON_MAX])
