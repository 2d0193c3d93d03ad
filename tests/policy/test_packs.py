"""Policy packs: a business's policy in YAML alone. Each shipped pack is loaded from a copy in a
folder of its own, so nothing it needs can live under ``drafter/``; its table, examples and
templated replies must all work from there."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from drafter.errors import PolicyError, RequestError
from drafter.guard import check
from drafter.intake import parse_request
from drafter.phrase.brief import build_brief
from drafter.phrase.prompting import PromptRenderer
from drafter.phrase.providers import TemplateProvider
from drafter.policy import PolicyRegistry, evaluate
from drafter.policy.tables import run_table
from tests.conftest import ROOT

PACKS = sorted(
    p.parent
    for p in (ROOT / "policies").glob("*/domain.yaml")
    if p.parent.name not in ("retail", "saas")  # their policies still read the catalogue
)
# Words of a retail order that must never reach a reply about another kind of business.
RETAIL_WORDS = re.compile(
    r"\b(order|items?|shipping|store credit|pedido|artículos?|commande|articles?|Bestellung|"
    r"Artikel)\b",
    re.IGNORECASE,
)


@pytest.fixture(params=PACKS, ids=lambda p: p.name)
def pack(request: pytest.FixtureRequest, tmp_path: Path) -> PolicyRegistry:
    copy = tmp_path / "policies" / request.param.name
    shutil.copytree(request.param, copy)
    return PolicyRegistry(tmp_path / "policies")


def test_there_are_packs_beyond_retail_and_saas() -> None:
    assert [p.name for p in PACKS] == ["lodging", "telecom"]


def test_a_pack_loads_from_its_own_folder_and_passes_its_table(pack: PolicyRegistry) -> None:
    assert pack.ids()
    for policy_id in pack.ids():
        report = run_table(pack.get(policy_id), pack.tests_path(policy_id))
        assert [(r.name, r.problems) for r in report.failed] == []
        assert report.uncovered == []  # the table reaches every rule
        assert len(report.results) >= 20


def _examples(registry: PolicyRegistry, policy_id: str) -> list[Path]:
    return sorted((registry.path(policy_id).parent / "examples").glob("*.json"))


def test_every_example_drafts_a_checked_reply_in_the_domain_s_words(
    pack: PolicyRegistry,
) -> None:
    renderer = PromptRenderer(ROOT / "prompts")
    for policy_id in pack.ids():
        examples = _examples(pack, policy_id)
        assert len(examples) >= 8
        decisions = set()
        for path in examples:
            request = parse_request(path.read_text(encoding="utf-8"))
            verdict = evaluate(pack.get(policy_id), request)
            decisions.add(verdict.decision.value)
            brief = build_brief(request, verdict)
            completion = TemplateProvider(renderer).reply(brief, None)
            composed = renderer.phrasebook.compose(completion.body, brief, None)
            report = check(
                draft=composed, subject=completion.subject, verdict=verdict, request=request
            )
            assert report.passed, (path.name, report.violations)
            reply = f"{completion.subject}\n{composed.text}"
            assert not RETAIL_WORDS.search(reply), (path.name, reply)
        assert decisions == {"approve", "partial", "decline", "escalate", "needs_info"}


def test_a_translation_that_matches_nothing_stops_the_load(pack: PolicyRegistry) -> None:
    policy_id = pack.ids()[0]
    folder = pack.path(policy_id).parent
    spanish = folder / "translations" / "es.yaml"
    if not spanish.exists():
        pytest.skip("the pack has no Spanish translation")
    spanish.write_text(
        spanish.read_text(encoding="utf-8") + "\nquestions_typo: {nights: x}\n", encoding="utf-8"
    )
    with pytest.raises(PolicyError, match="neither 'questions', 'nouns' nor a policy"):
        PolicyRegistry(folder.parent).get(policy_id)


def test_a_pack_policy_is_english_only(pack: PolicyRegistry) -> None:
    policy_id = pack.ids()[0]
    path = pack.path(policy_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "needs_info:\n  rationale: We need",
            "needs_info:\n  rationale:\n    es: Necesitamos\n    en: We need",
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="written in English only"):
        PolicyRegistry(path.parent.parent).get(policy_id)


def test_the_case_is_checked_against_the_pack_with_the_field_named(
    pack: PolicyRegistry,
) -> None:
    policy_id = pack.ids()[0]
    body = json.loads(_examples(pack, policy_id)[0].read_text(encoding="utf-8"))
    part = next(iter(body["case"]))
    money = next(k for k, v in body["case"][part].items() if isinstance(v, str) and "." in v)
    body["case"][part][money] = 12.5
    with pytest.raises(RequestError) as caught:
        evaluate(pack.get(policy_id), parse_request(json.dumps(body)))
    assert caught.value.field == f"case.{part}.{money}"
    assert "never a float" in str(caught.value)


@pytest.mark.parametrize(
    ("picks", "message"),
    [
        ("order.payments", "not a list of records with a 'unique' field"),
        ("order.lines", "not a list of records with a 'unique' field"),
        ("order.id", "not a list of records with a 'unique' field"),
    ],
)
def test_a_picker_must_name_a_list_of_records_with_a_key(
    tmp_path: Path, picks: str, message: str
) -> None:
    """`picks` lets a form offer the order's lines to tick: it must name a list whose records
    have a key, or the pack does not load."""
    copy = tmp_path / "policies" / "retail"
    shutil.copytree(ROOT / "policies" / "retail", copy)
    domain = copy / "domain.yaml"
    text = domain.read_text(encoding="utf-8")
    assert "picks: order.items\n" in text
    domain.write_text(text.replace("picks: order.items\n", f"picks: {picks}\n"), encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        PolicyRegistry(copy.parent).get("retail-standard")


def test_a_picker_is_a_list_of_ids(tmp_path: Path) -> None:
    copy = tmp_path / "policies" / "retail"
    shutil.copytree(ROOT / "policies" / "retail", copy)
    domain = copy / "domain.yaml"
    text = domain.read_text(encoding="utf-8")
    text = text.replace(
        "      refund_to: {type: str,", "      refund_to: {type: str, picks: order.items,"
    )
    domain.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="'picks' does not apply to a str"):
        PolicyRegistry(copy.parent).get("retail-standard")
