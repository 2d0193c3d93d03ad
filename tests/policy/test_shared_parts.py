"""What the engine shares between verdicts for speed: interned trace steps with read-only facts,
fixed texts, fact plans and constant operands. Sharing must never change a verdict nor let one
caller change another's."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal

import pytest

from drafter.intake import parse_request
from drafter.policy import Policy, PolicyRegistry, evaluate, load_policy, trace
from drafter.policy.expr import Scope, compile_expr
from drafter.policy.trace import ReadOnlyFacts
from drafter.policy.types import INT, MISSING, MONEY, Value
from drafter.schemas import Verdict
from tests.conftest import ROOT
from tests.policy.golden import REGISTRY, load

ROWS = [row for row in load() if row["verdict"] is not None and row["policy"] == "retail-standard"]


def _fresh() -> Policy:
    return load_policy(REGISTRY.path(ROWS[0]["policy"]))


def _verdict(policy: Policy, index: int) -> Verdict:
    return evaluate(policy, parse_request(ROWS[index]["request"]))


def test_read_only_facts_refuse_every_change() -> None:
    facts = ReadOnlyFacts({"days": "3"})
    changes = [
        lambda: facts.__setitem__("days", "4"),
        lambda: facts.__delitem__("days"),
        lambda: facts.update(days="4"),
        lambda: facts.pop("days"),
        lambda: facts.popitem(),
        lambda: facts.setdefault("x", "1"),
        lambda: facts.clear(),
    ]
    for change in changes:
        with pytest.raises(TypeError, match="read-only"):
            change()
    with pytest.raises(TypeError, match="read-only"):
        facts |= {"days": "4"}
    assert facts == {"days": "3"}


def test_read_only_facts_copy_and_pickle_as_equal_dicts() -> None:
    facts = ReadOnlyFacts({"days": "3", "tier": None})
    assert copy.deepcopy(facts) is facts
    again = pickle.loads(pickle.dumps(facts))
    assert again == {"days": "3", "tier": None}
    assert isinstance(again, ReadOnlyFacts)


def test_verdicts_share_steps_and_no_caller_can_change_them() -> None:
    policy = _fresh()
    first, second = _verdict(policy, 0), _verdict(policy, 0)
    assert first.trace[0] is second.trace[0]
    with pytest.raises(TypeError):
        first.trace[0].facts["ask"] = "cancel"  # type: ignore[index]
    assert first.model_dump_json() == second.model_dump_json()


def test_a_verdict_with_shared_parts_copies_pickles_and_validates() -> None:
    verdict = _verdict(_fresh(), 3)
    dumped = verdict.model_dump_json()
    assert copy.deepcopy(verdict).model_dump_json() == dumped
    assert pickle.loads(pickle.dumps(verdict)).model_dump_json() == dumped
    assert Verdict.model_validate(verdict.model_dump(), strict=True) == verdict
    assert type(verdict.model_dump()["trace"][0]["facts"]) is dict


def test_cold_and_warm_verdicts_are_identical() -> None:
    warm = _fresh()
    for index in range(len(ROWS)):
        _verdict(warm, index)
    for index in range(0, len(ROWS), 3):
        cold = _fresh()
        assert _verdict(cold, index).model_dump_json() == ROWS[index]["verdict"]
        assert _verdict(warm, index).model_dump_json() == ROWS[index]["verdict"]


def _kept(policy: Policy) -> list[int]:
    rules = (*policy.gates, *policy.outcomes, *policy.escalations, *policy.flags)
    kinds = [(r.steps.fired, r.steps.passed, r.steps.unknown, r.steps.waived) for r in rules]
    return [len(kind.built) for four in kinds for kind in four]


def test_the_kept_steps_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trace, "STEP_CACHE_LIMIT", 4)
    policy = _fresh()
    for index in range(len(ROWS)):
        assert _verdict(policy, index).model_dump_json() == ROWS[index]["verdict"]
        assert max(_kept(policy)) <= 4
    assert sum(_kept(policy)) > 4


def test_forgetting_drops_every_kept_part() -> None:
    policy = _fresh()
    before = _verdict(policy, 5).model_dump_json()
    assert sum(_kept(policy)) > 0
    assert policy.parts
    policy.forget_shared()
    assert sum(_kept(policy)) == 0
    assert not policy.parts
    assert _verdict(policy, 5).model_dump_json() == before


def test_fixed_texts_are_shared_and_bounded() -> None:
    policy = _fresh()
    for index in range(len(ROWS)):
        _verdict(policy, index)
    kept = len(policy.parts)
    texts = len(policy.disclosures) + len(policy.forbidden) + len(policy.rules) + 1
    assert 0 < kept <= 5 * texts  # at most one per text and language, plus the policy ref
    for index in range(len(ROWS)):
        _verdict(policy, index)
    assert len(policy.parts) == kept


def test_a_field_of_an_unset_part_is_missing_and_enums_give_their_value() -> None:
    data = json.loads((ROOT / "policies" / "retail" / "examples" / "late-return.json").read_text())
    del data["case"]["order"]
    data["ask"]["reason"] = None
    request = parse_request(json.dumps(data))
    domain = PolicyRegistry(ROOT / "policies").get("retail-standard").domain
    names = frozenset({"items_total", "order_status", "reason", "ask", "channel"})
    env = domain.read(request, names).facts
    assert env["items_total"] is MISSING
    assert env["order_status"] is MISSING
    assert env["reason"] is MISSING
    assert type(env["ask"]) is str
    assert env["ask"] == data["ask"]["kind"]
    assert type(env["channel"]) is str


SCOPE = Scope(facts={"days": INT, "total": MONEY}, params={"window": (INT, 30)})


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("30 < days", {"days": 45}, True),
        ("window < days", {"days": 10}, False),
        ("days > days - 1", {"days": 10}, True),
        ("total / days", {"total": Decimal(10), "days": 0}, MISSING),
        ("total / 0", {"total": Decimal(10), "days": 0}, MISSING),
        ("days <= window", {"days": MISSING}, MISSING),
        ("total * 2", {"total": Decimal("1.50")}, Decimal("3.00")),
        ("days in [44, 45]", {"days": 45}, True),
        ("days not in [44, 45]", {"days": 45}, False),
        ("days in [44]", {"days": MISSING}, MISSING),
        ("days - 1 in [44]", {"days": 45}, True),
        ("days - 1 not in [44]", {"days": MISSING}, MISSING),
    ],
)
def test_constant_and_fact_operands_agree(
    source: str, env: dict[str, Value], expected: Value
) -> None:
    value = compile_expr(source, SCOPE)(env)
    assert value is expected if expected is MISSING else value == expected
