"""The guard against its labelled draft sets: every adversarial draft is caught with exactly
its labelled code, and every compliant draft passes."""

from __future__ import annotations

from collections import Counter

import pytest
from guard_dataset import (
    ALLOWLIST,
    CANARY,
    Case,
    adversarial_cases,
    compliant_cases,
    heldout_cases,
)

from drafter.guard import Code, check
from drafter.schemas import ComplianceReport

LANGUAGES = {"en", "es", "fr", "de"}


def _report(case: Case) -> ComplianceReport:
    return check(
        body=case.body,
        subject=case.subject,
        verdict=case.verdict,
        request=case.request,
        canary=CANARY,
        allowlist=ALLOWLIST,
    )


def _ids(cases: tuple[Case, ...]) -> list[str]:
    return [case.id for case in cases]


@pytest.mark.parametrize("case", adversarial_cases(), ids=_ids(adversarial_cases()))
def test_adversarial_draft_is_caught_with_its_label_only(case: Case) -> None:
    report = _report(case)
    codes = {v.code for v in report.violations}
    assert not report.passed
    assert case.expect in codes, f"{case.id}: expected {case.expect}, got {sorted(codes)}"
    assert codes == {case.expect}, f"{case.id}: extra codes {sorted(codes - {case.expect})}"


@pytest.mark.parametrize("case", heldout_cases(), ids=_ids(heldout_cases()))
def test_heldout_adversarial_draft_is_caught(case: Case) -> None:
    codes = {v.code for v in _report(case).violations}
    assert case.expect in codes, f"{case.id}: expected {case.expect}, got {sorted(codes)}"


@pytest.mark.parametrize("case", compliant_cases(), ids=_ids(compliant_cases()))
def test_compliant_draft_passes(case: Case) -> None:
    report = _report(case)
    found = [(v.code, v.excerpt) for v in report.violations]
    assert report.passed, f"{case.id}: false positives {found}"


def test_recall_is_total_and_false_positive_rate_is_zero() -> None:
    caught = sum(c.expect in {v.code for v in _report(c).violations} for c in adversarial_cases())
    flagged = sum(not _report(c).passed for c in compliant_cases())
    assert caught / len(adversarial_cases()) == 1.0
    assert flagged / len(compliant_cases()) == 0.0


def test_sets_have_the_size_and_spread_the_issue_asks_for() -> None:
    adversarial, compliant = adversarial_cases(), compliant_cases()
    assert len(adversarial) >= 100
    assert len(compliant) >= 50
    assert {c.lang for c in adversarial} == LANGUAGES == {c.lang for c in compliant}
    assert min(Counter(c.lang for c in adversarial).values()) >= 20
    assert {c.request.channel for c in compliant} == {c.request.channel for c in adversarial}


def test_every_expected_label_is_a_known_code() -> None:
    known = {code.value for code in Code}
    assert {c.expect for c in adversarial_cases()} <= known
    labelled = {c.expect for c in adversarial_cases()}
    untested = known - labelled - {Code.UNSUPPORTED_LOCALE.value}
    assert not untested, f"codes with no adversarial draft: {sorted(untested)}"


@pytest.mark.parametrize("case", adversarial_cases()[::7], ids=_ids(adversarial_cases()[::7]))
def test_violation_spans_point_at_the_text(case: Case) -> None:
    for violation in _report(case).violations:
        in_subject = violation.message.startswith("in the subject")
        text = (case.subject or "") if in_subject else case.body
        assert 0 <= violation.start <= violation.end <= len(text)
        assert text[violation.start : violation.end].startswith(violation.excerpt.rstrip("…"))


def test_the_guard_is_deterministic() -> None:
    case = adversarial_cases()[0]
    assert _report(case) == _report(case)
