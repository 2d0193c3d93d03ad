"""A stand-in judge for the plumbing: the local scripted test server answering "yes" to every
question. Its recordings say so (``source: scripted``); its agreement with the reference labels
is that of a judge that always says yes (kappa 0), which is what it is for: showing the figures
a useless judge gets, with no model involved."""

from __future__ import annotations

from drafter.testing.llm_server import RecordedRequest, Reply, Step

__all__ = ["SCRIPTED_JUDGE_MODEL", "SCRIPTED_JUDGE_SERVER", "always_yes"]

SCRIPTED_JUDGE_MODEL = "scripted-always-yes"
SCRIPTED_JUDGE_SERVER = (
    "drafter.testing.llm_server (local scripted test server) answering yes to every question; "
    "not a model"
)


def always_yes(request: RecordedRequest) -> Step:
    reason = "scripted stand-in: it answers yes to every question without reading the reply"
    return Reply({"answer": "yes", "reason": reason}, model=SCRIPTED_JUDGE_MODEL)
