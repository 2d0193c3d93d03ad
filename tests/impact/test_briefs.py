"""A stored verdict's brief (``store.replay.brief_json``, what a replay reads instead of the
whole verdict) gives the replay the same answer as the whole verdict, for every verdict of the
golden sample."""

from __future__ import annotations

from pydantic_core import from_json

from drafter.impact.replay import stored_answer
from drafter.schemas import Verdict
from drafter.store import brief_json
from tests.policy.golden import load


def test_a_brief_answers_what_its_verdict_does() -> None:
    compared, kinds = 0, set()
    for row in load():
        if row["verdict"] is None:
            continue
        verdict = Verdict.model_validate_json(row["verdict"])
        brief = brief_json(verdict)
        assert stored_answer(from_json(brief)) == stored_answer(from_json(row["verdict"])), row[
            "name"
        ]
        assert len(brief) < len(row["verdict"]), row["name"]
        compared += 1
        kinds.add(verdict.decision.value)
    assert compared >= 1_500
    assert kinds == {"approve", "partial", "decline", "escalate", "needs_info"}


def test_a_brief_leaves_out_the_texts_and_the_facts() -> None:
    verdict = next(
        Verdict.model_validate_json(row["verdict"])
        for row in load()
        if row["verdict"] is not None and '"offers":[{' in row["verdict"]
    )
    brief = from_json(brief_json(verdict))
    assert set(brief) == {
        "decision",
        "rule",
        "currency",
        "refund",
        "offers",
        "escalation",
        "needs",
        "trace",
    }
    assert all(set(offer) == {"id", "amount", "percent", "cap"} for offer in brief["offers"])
    assert all(step.keys() == {"rule", "result"} for step in brief["trace"])
    assert [s["result"] for s in brief["trace"]] == ["fired"] * len(brief["trace"])
    assert len(brief["trace"]) < len(verdict.trace)
