"""The guard's public surface."""

from __future__ import annotations

import inspect

import pytest
from pydantic import ValidationError

import drafter.guard as guard
from drafter.guard import Allowlist, Code, check
from drafter.phrase.phrasebook import Composed


def test_all_lists_every_public_name_and_only_those() -> None:
    public = {name for name in vars(guard) if not name.startswith("_")}
    modules = {name for name in public if inspect.ismodule(getattr(guard, name))}
    assert set(guard.__all__) == public - modules - {"annotations"}
    assert set(guard.__all__) == {
        "Allowlist",
        "BOUNDS",
        "Code",
        "check",
        "claim_detectors",
        "detect_language",
    }


def test_check_takes_keyword_arguments_only() -> None:
    params = inspect.signature(check).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)


def test_codes_are_stable_dotted_names() -> None:
    assert all(code.value.count(".") == 1 for code in Code)
    assert len({code.value for code in Code}) == len(Code)


def test_allowlist_refuses_unknown_fields_and_loose_types() -> None:
    with pytest.raises(ValidationError, match="domain"):
        Allowlist.model_validate({"domain": ["x.com"]})
    with pytest.raises(ValidationError, match="phones"):
        Allowlist.model_validate({"phones": "+1 800 555 0142"})


def test_a_wrong_argument_type_is_refused_by_name() -> None:
    from guard_dataset import scenario

    from drafter.errors import RequestError

    request, verdict = scenario("photos_needed")
    with pytest.raises(RequestError, match=r"^draft: expected Composed, got str"):
        check(draft="Hi", subject=None, verdict=verdict, request=request)  # type: ignore[arg-type]
    draft = Composed.plain("Hi")
    with pytest.raises(RequestError, match=r"^verdict: expected Verdict, got dict"):
        check(draft=draft, subject=None, verdict={}, request=request)  # type: ignore[arg-type]


def test_an_empty_body_fails() -> None:
    from guard_dataset import scenario

    request, verdict = scenario("photos_needed")
    report = check(draft=Composed.plain(""), subject="Photos", verdict=verdict, request=request)
    assert not report.passed
    assert {"form.too_short", "form.greeting", "marker.missing"} <= {
        v.code for v in report.violations
    }
