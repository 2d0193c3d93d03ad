"""Scripted recordings: the local test server (``drafter.testing.llm_server``) answering each
case's prompt with the exemplary reply written for it in the reference set.

This is *not* a model's output, and its recordings say so (``provenance.source: scripted``).
It gives a recorded baseline of what a good model would write, through the same HTTP client,
guard and pipeline, to compare real models against.
"""

from __future__ import annotations

from collections.abc import Callable

from drafter.evals.cases import EvalCase
from drafter.evals.reference import ReferenceReply
from drafter.phrase.prompting import PromptRenderer
from drafter.testing.llm_server import Fail, RecordedRequest, Reply, Step

__all__ = ["SCRIPTED_SERVER", "reference_responder", "scripted_cases"]

SCRIPTED_SERVER = (
    "drafter.testing.llm_server (local scripted test server); the text is the exemplary "
    "reply written for the case in evals/reference/good.yaml, not a model's output"
)


def scripted_cases(cases: list[EvalCase], replies: list[ReferenceReply]) -> list[EvalCase]:
    """The cases that have an exemplary reference reply, in case order."""
    covered = {reply.case for reply in replies if reply.label == "good"}
    return [case for case in cases if case.id in covered]


def reference_responder(
    cases: list[EvalCase], replies: list[ReferenceReply], renderer: PromptRenderer
) -> Callable[[RecordedRequest], Step]:
    """A responder that recognises a case by its first user message (the request's facts, which
    carry no per-call canary) and answers with that case's exemplary reply, as the structured
    JSON the prompt asks for. A prompt it does not know gets a 404, so the pipeline falls back.
    """
    good = {reply.case: reply for reply in replies if reply.label == "good"}
    table: dict[str, Reply] = {}
    for case in cases:
        if case.id not in good:
            continue
        user = renderer.render(case.request, case.verdict).messages[1].content
        reply = good[case.id]
        table[user] = Reply(
            {
                "subject": reply.subject,
                "body": reply.body.strip(),
                "decision_stated": case.verdict.decision.value,
                "offers_mentioned": [],
                "amounts_mentioned": [],
            }
        )

    def respond(request: RecordedRequest) -> Step:
        users = [m.get("content") for m in request.messages if m.get("role") == "user"]
        found = table.get(str(users[0])) if users else None
        return found or Fail(404, message="no scripted reply for this prompt")

    return respond
