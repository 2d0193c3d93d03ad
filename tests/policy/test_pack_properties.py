"""A pack's policy meets any request: whatever the case's values (dates at the ends of the
calendar, huge counts, empty lists, missing parts), evaluation gives a verdict or a request
error naming a field, never a crash."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafter.errors import RequestError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.settings import Settings

REGISTRY = PolicyRegistry(Settings().policies_dir)
ZONES = st.sampled_from(
    [dt.UTC, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12))]
)
MOMENTS = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=ZONES
).map(lambda d: d.isoformat())
DAYS = st.dates(min_value=dt.date(1, 1, 2), max_value=dt.date(9999, 12, 30)).map(str)
MONEY = st.integers(0, 10_000_000).map(lambda c: f"{c // 100}.{c % 100:02d}")


def _value(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        return _value(defs[schema["$ref"].split("/")[-1]], defs)
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        if [b.get("type") for b in branches] == ["number", "string"]:
            return MONEY
        return st.one_of(st.none(), *(_value(b, defs) for b in branches))
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        fields = {k: _value(v, defs) for k, v in schema.get("properties", {}).items()}
        if "currency" in fields:
            fields["currency"] = st.just("EUR")  # the shipped packs' currency
        required = {k: fields.pop(k) for k in schema.get("required", [])}
        return st.fixed_dictionaries(required, optional=fields)
    if kind == "array":
        return st.lists(_value(schema["items"], defs), max_size=3)
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", 0), min(schema.get("maximum", 10**9), 10**9))
    if schema.get("format") == "date-time":
        return MOMENTS
    if schema.get("format") == "date":
        return DAYS
    return st.text(alphabet="ABC-123", min_size=1, max_size=8)


def _requests(policy_id: str) -> st.SearchStrategy[dict[str, Any]]:
    policy = REGISTRY.get(policy_id)
    assert policy.domain is not None
    case_schema = policy.domain.case_schema()
    return st.fixed_dictionaries(
        {
            "as_of": MOMENTS,
            "customer": st.just({"id": "c-1", "name": "Ana Ruiz"}),
            "ask": st.fixed_dictionaries(
                {"kind": st.sampled_from(sorted(policy.domain.asks))},
                optional={"reason": st.sampled_from(sorted(policy.domain.reasons))},
            ),
            "case": _value(case_schema, case_schema.get("$defs", {})),
            "signals": st.fixed_dictionaries(
                {}, optional={"legal_threat": st.booleans(), "abusive_language": st.booleans()}
            ),
        }
    )


PACK_POLICIES = [i for i in REGISTRY.ids() if REGISTRY.get(i).domain is not None]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_case_gets_a_verdict_or_a_field_error(data: st.DataObject) -> None:
    policy_id = data.draw(st.sampled_from(PACK_POLICIES))
    body = data.draw(_requests(policy_id))
    try:
        verdict = evaluate(REGISTRY.get(policy_id), parse_request(json.dumps(body)))
    except RequestError as error:
        refused: RequestError | None = error
    else:
        refused = None
    if refused is not None:
        assert refused.field  # a request error always names its field
        return
    assert all("unknown" not in r.text for r in verdict.rationale)
    if verdict.refund is not None:
        assert verdict.refund.amount.amount >= 0
