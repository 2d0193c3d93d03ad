"""Markers: exactly the ones the verdict calls for, each once; claims agree with the text."""

from __future__ import annotations

from guard_dataset import CANARY, compose, scenario

from drafter.guard import check
from drafter.phrase.markers import expected_markers, split
from drafter.schemas import Decision, DraftClaims

OPEN = "Hi Priya! Thanks for telling us about the dinner set."


def _codes(
    body: str, *, claims: DraftClaims | None = None, name: str = "photos_needed"
) -> set[str]:
    request, verdict = scenario(name, channel="chat")
    draft = compose(body, request, verdict, complete=False)
    report = check(
        draft=draft, subject=None, verdict=verdict, request=request, canary=CANARY, claims=claims
    )
    return {v.code for v in report.violations if v.code.startswith("marker.")}


def test_a_needs_info_verdict_calls_for_the_questions_and_nothing_of_an_outcome() -> None:
    _, verdict = scenario("photos_needed")
    assert expected_markers(verdict) == ("decision", "questions", "next_step")


def test_a_decline_calls_for_its_reasons_offers_and_disclosures() -> None:
    _, verdict = scenario("window_decline")
    keys = expected_markers(verdict)
    assert keys[0] == "decision"
    assert keys[-1] == "next_step"
    assert not {"refund", "questions", "handoff"} & set(keys)
    assert {k for k in keys if k.startswith("offer:")} == {f"offer:{o.id}" for o in verdict.offers}


def test_an_escalation_commits_only_to_its_handoff() -> None:
    _, verdict = scenario("legal_escalate")
    keys = expected_markers(verdict)
    assert verdict.decision is Decision.escalate
    assert "handoff" in keys
    assert not any(k == "refund" or k.startswith("offer:") for k in keys)


def test_every_marker_once_passes() -> None:
    assert _codes(f"{OPEN} [[decision]] [[questions]] [[next_step]]") == set()


def test_missing_repeated_unknown_and_broken_markers() -> None:
    assert _codes(f"{OPEN} [[decision]] [[next_step]]") == {"marker.missing"}
    assert _codes(f"{OPEN} [[decision]] [[questions]] [[questions]] [[next_step]]") == {
        "marker.repeated"
    }
    assert _codes(f"{OPEN} [[decision]] [[refund]] [[questions]] [[next_step]]") == {
        "marker.not_allowed"
    }
    assert _codes(f"{OPEN} [[ decision ]] [[questions]] [[next_step]]") == {
        "marker.broken",
        "marker.missing",
    }
    assert _codes(f"{OPEN} [[Decision]] [[questions]] [[next_step]]") == {
        "marker.broken",
        "marker.missing",
    }


def test_a_repeated_or_unknown_marker_is_never_rendered() -> None:
    request, verdict = scenario("photos_needed", channel="chat")
    draft = compose("[[decision]] [[decision]] [[offer:free_shipping]]", request, verdict)
    rendered = [part.key for part in draft.parts if part.rendered]
    assert rendered.count("decision") == 1
    assert "[[offer:free_shipping]]" in draft.text


def test_claims_are_compared_with_the_text() -> None:
    body = f"{OPEN} [[decision]] [[questions]] [[next_step]]"
    markers = ["decision", "questions", "next_step"]
    honest = DraftClaims(decision=Decision.needs_info, markers=markers)
    assert _codes(body, claims=honest) == set()
    assert _codes(body, claims=DraftClaims(decision=Decision.approve, markers=markers)) == {
        "marker.claims"
    }
    assert _codes(body, claims=DraftClaims(decision=Decision.needs_info, markers=["decision"])) == {
        "marker.claims"
    }


def test_split_reads_markers_in_linear_time_on_hostile_text() -> None:
    hostile = "[[" * 50_000 + "[[decision]]"
    keys = [s.key for s in split(hostile) if s.key]
    assert keys == ["decision"]
