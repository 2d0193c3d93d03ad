"""``drafter policy impact``: stored requests replayed against a candidate policy, on a seeded
audit log whose expected figures are worked out by hand below; on SQLite and PostgreSQL.

The policy is the fixture ``mini-store`` (tests/policy/fixtures/shop/mini-store.yaml): a
return window of 30 days for standard customers and 60 for gold; a full refund of the items'
price within it for unopened items (``within_window``), minus a 15% restocking fee for opened
ones (``opened_item``, partial); past it a decline (``outside_window``) with two offers, store
credit of the items' price and a 10% discount capped at 10.00 for standard customers; a refund
above 250.00 escalates to a supervisor (``above_agent_limit``); a refund needs to know what was
paid (``amount_paid``, else needs_info). The candidate extends the standard window to 45 days.

Every request is decided on 2026-11-20. The seeded log (each row's stored verdict is what
mini-store 1.0.0 answered, as the API stores it):

| row | stored as | tier     | delivered  | days | item            | paid   |
|-----|-----------|----------|------------|------|-----------------|--------|
| R1  | draft     | standard | 2026-10-09 | 42   | 89.00 unopened  | 89.00  |
| R2  | verdict   | standard | 2026-10-01 | 50   | 40.00 unopened  | 40.00  |
| R3  | draft     | standard | 2026-10-16 | 35   | 100.00 opened   | 100.00 |
| R4  | verdict   | standard | 2026-10-11 | 40   | 300.00 unopened | 300.00 |
| R5  | draft     | gold     | 2026-10-09 | 42   | 60.00 unopened  | 60.00  |
| R6  | verdict   | standard | 2026-10-13 | 38   | 89.00 unopened  | (none) |
| R7  | draft     | standard | as R1, stored by an older drafter with a "priority" field    |
| X1  | draft     | R1's request, another tenant's (only without --tenant)          |
| X2  | draft     | R1's request, another policy's (never)                          |
| X3  | verdict   | R2's request, stored a month earlier (only without --since)     |

Stored (30 days) -> candidate (45 days), by hand:
- R1: 42 > 30: decline, offers store credit 89.00 and discount capped 10.00.
      42 <= 45, unopened: approve, refund 89.00.
- R2: 50 > 30 and 50 > 45: decline both times, store credit 40.00, cap 10.00. Unchanged.
- R3: 35 > 30: decline, store credit 100.00, cap 10.00.
      35 <= 45, opened: partial, refund 100.00 - 15% = 85.00, restocking fee 15.00.
- R4: 40 > 30: decline, store credit 300.00, cap 10.00.
      40 <= 45: refund 300.00 > 250.00: escalate to supervisor, 300.00 proposed.
- R5: gold, 42 <= 60: approve 60.00 both times. Unchanged.
- R6: 38 > 30: decline (the gate needs no payment), store credit 89.00, cap 10.00.
      38 <= 45: a refund, but nothing says what was paid: needs_info, asks amount_paid.
- R7: the Request no longer has a "priority" field: cannot be evaluated (field priority).

Transitions: decline->approve 1 (R1), decline->decline 1 (R2), decline->partial 1 (R3),
decline->escalate 1 (R4), approve->approve 1 (R5), decline->needs_info 1 (R6).
Replayed 6, changed 4 (R1, R3, R4, R6), unchanged 2; cannot evaluate 1 (R7); read 7.

Money in USD over the 6 replayed, before -> after:
- refund paid:      60.00 (R5) -> 89.00 + 85.00 + 60.00 = 234.00 (R1, R3, R5): +174.00
- escalated refund: 0 -> 300.00 (R4): +300.00
- fees:             0 -> 15.00 (R3): +15.00
- offers (amount):  89 + 40 + 100 + 300 + 89 = 618.00 (R1-R4, R6) -> 40.00 (R2): -578.00
- offer caps:       5 x 10.00 = 50.00 -> 10.00 (R2): -40.00

Escalations added: supervisor 1 (R4); removed: none. Newly needed: amount_paid 1 (R6).
Rule hits (deciding rule plus every rule that fired), before -> after:
outside_window 5 -> 1 (-4), within_window 1 -> 4 (+3: R1, R4, R5, R6), opened_item 0 -> 1,
above_agent_limit 0 -> 1.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drafter.cli import app as cli
from drafter.policy import load_policy
from drafter.settings import Settings
from drafter.store import DraftRow, opened_store
from drafter.store.tables import VerdictRow
from tests.api.conftest import (  # database_url: the fixture, SQLite and PostgreSQL
    FIXTURES,
    ROOT,
    database_url,  # noqa: F401
)
from tests.impact.seeded import stored_row
from tests.test_layers import imports

POLICY = FIXTURES / "shop" / "mini-store.yaml"
TICKET = json.loads((FIXTURES / "request.json").read_text())
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def _request(
    tier: str = "standard",
    delivered: str = "2026-10-09",
    price: str = "89.00",
    condition: str = "unopened",
    paid: bool = True,
) -> dict[str, Any]:
    request: dict[str, Any] = copy.deepcopy(TICKET)
    request["customer"]["tier"] = tier
    order = request["case"]["order"]
    order["delivered_on"] = delivered
    order["items"][0] |= {"price": price, "condition": condition}
    if paid:
        order["payments"][0]["amount"] = price
    else:
        del order["payments"]
    return request


def _row(
    source: str, request: dict[str, Any], *, tenant: str = "default", **more: Any
) -> DraftRow | VerdictRow:
    """A row as the API stores it: the request, and mini-store 1.0.0's verdict on it."""
    row = stored_row(source, request, load_policy(POLICY), created_at=NOW, tenant=tenant)
    for name, value in more.items():
        setattr(row, name, value)
    return row


@pytest.fixture
def seeded(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:  # noqa: F811
    monkeypatch.setenv("DRAFTER_DATABASE_URL", database_url)
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTER_POLICIES_DIR", str(FIXTURES))
    r1 = _request()
    rows = {
        "R1": _row("draft", r1),
        "R2": _row("verdict", _request(delivered="2026-10-01", price="40.00")),
        "R3": _row("draft", _request(delivered="2026-10-16", price="100.00", condition="opened")),
        "R4": _row("verdict", _request(delivered="2026-10-11", price="300.00")),
        "R5": _row("draft", _request(tier="gold", price="60.00")),
        "R6": _row("verdict", _request(delivered="2026-10-13", paid=False)),
        "R7": _row("draft", r1 | {"priority": "high"}),
        "X1": _row("draft", r1, tenant="acme"),
        "X2": _row("draft", r1, policy_id="other-store"),
        "X3": _row(
            "verdict",
            _request(delivered="2026-10-01", price="40.00"),
            created_at=NOW - dt.timedelta(days=30),
        ),
    }
    with opened_store(Settings()) as store:
        store.insert(list(rows.values()))
    return {name: row.id for name, row in rows.items()}


@pytest.fixture
def candidate(tmp_path: Path) -> Path:
    """mini-store with a 45-day window for standard customers, saved outside any pack."""
    text = POLICY.read_text()
    changed = text.replace("{standard: 30, gold: 60}", "{standard: 45, gold: 60}")
    assert changed != text
    path = tmp_path / "candidate" / "mini-store-45.yaml"
    path.parent.mkdir()
    path.write_text(changed.replace('version: "1.0.0"', 'version: "1.1.0"'))
    return path


def _impact(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["policy", "impact", *args, "--policy", "mini-store", "--json"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


IN_SCOPE = ["--tenant", "default", "--since", "2026-11-01"]


def test_the_figures_match_the_hand_computation(seeded: dict[str, str], candidate: Path) -> None:
    data = _impact(str(candidate), *IN_SCOPE, "--jobs", "1")
    assert data["candidate"]["version"] == "1.1.0"
    assert (data["read"], data["replayed"], data["changed"], data["unchanged"]) == (7, 6, 4, 2)
    assert {(t["from"], t["to"]): t["count"] for t in data["transitions"]} == {
        ("decline", "approve"): 1,
        ("decline", "decline"): 1,
        ("decline", "partial"): 1,
        ("decline", "escalate"): 1,
        ("approve", "approve"): 1,
        ("decline", "needs_info"): 1,
    }
    money = {
        what: (f["before"], f["after"], f["change"]) for what, f in data["money"]["USD"].items()
    }
    assert money == {
        "refund": ("60.00", "234.00", "+174.00"),
        "escalated_refund": ("0", "300.00", "+300.00"),
        "fees": ("0", "15.00", "+15.00"),
        "offers": ("618.00", "40.00", "-578.00"),
        "offer_caps": ("50.00", "10.00", "-40.00"),
    }
    assert data["escalations"] == {"added": {"supervisor": 1}, "removed": {}}
    assert data["new_needs"] == {"requests": 1, "facts": {"amount_paid": 1}}
    assert {r["rule"]: (r["before"], r["after"]) for r in data["rules"]} == {
        "outside_window": (5, 1),
        "within_window": (1, 4),
        "opened_item": (0, 1),
        "above_agent_limit": (0, 1),
    }
    [refused] = data["cannot_evaluate"]["requests"]
    assert (refused["id"], refused["field"]) == (seeded["R7"], "priority")
    assert data["cannot_evaluate"]["count"] == 1


def test_each_kind_of_change_shows_its_requests(seeded: dict[str, str], candidate: Path) -> None:
    examples = _impact(str(candidate), *IN_SCOPE)["examples"]
    ids = {kind: [e["id"] for e in shown] for kind, shown in examples.items()}
    assert ids == {
        "decision decline -> approve": [seeded["R1"]],
        "decision decline -> partial": [seeded["R3"]],
        "decision decline -> escalate": [seeded["R4"]],
        "escalation added (supervisor)": [seeded["R4"]],
        "decision decline -> needs_info": [seeded["R6"]],
        "newly needs amount_paid": [seeded["R6"]],
        "cannot evaluate": [seeded["R7"]],
    }
    r1 = examples["decision decline -> approve"][0]
    assert r1["href"] == f"/v1/drafts/{seeded['R1']}"  # a draft links to the stored draft
    assert r1["before"]["offers"] == ["store_credit", "goodwill_discount"]
    assert r1["after"]["refund"] == "89.00 USD"
    assert "href" not in examples["decision decline -> escalate"][0]  # a verdict has no page


def test_two_processes_give_the_same_report(seeded: dict[str, str], candidate: Path) -> None:
    assert _impact(str(candidate), *IN_SCOPE, "--jobs", "2") == _impact(
        str(candidate), *IN_SCOPE, "--jobs", "1"
    )


def test_the_scope_options_pick_the_rows(seeded: dict[str, str], candidate: Path) -> None:
    everything = _impact(str(candidate))  # X1 (another tenant) and X3 (earlier) join; X2 never
    assert (everything["read"], everything["replayed"]) == (9, 8)
    assert _impact(str(candidate), "--tenant", "acme")["read"] == 1
    assert _impact(str(candidate), "--until", "2026-11-01")["read"] == 1
    drafts = _impact(str(candidate), *IN_SCOPE, "--source", "draft")
    assert drafts["read"] == 4  # R1, R3, R5, R7
    # A sample is picked by id hash: the same rows every time, a subset of the whole.
    half = _impact(str(candidate), "--sample", "0.5")
    assert half == _impact(str(candidate), "--sample", "0.5")
    assert half["read"] <= everything["read"]


def test_the_same_policy_changes_nothing(seeded: dict[str, str]) -> None:
    data = _impact(str(POLICY), *IN_SCOPE)
    assert (data["replayed"], data["changed"]) == (6, 0)
    assert all(t["from"] == t["to"] for t in data["transitions"])
    assert all(Decimal(f["change"]) == 0 for f in data["money"]["USD"].values())


def test_a_pack_folder_and_a_git_revision_are_candidates(
    seeded: dict[str, str], candidate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    pack = repo / "shop"
    shutil.copytree(FIXTURES / "shop", pack)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "30 days"], check=True)
    (pack / "mini-store.yaml").write_text(candidate.read_text())
    subprocess.run([*git, "commit", "-qam", "45 days"], check=True)
    monkeypatch.chdir(repo)
    from_folder = _impact(str(pack), *IN_SCOPE)
    assert (from_folder["candidate"]["version"], from_folder["changed"]) == ("1.1.0", 4)
    from_git = _impact("git:HEAD:shop", *IN_SCOPE)
    assert from_git["candidate"]["spec"] == "git:HEAD:shop"
    assert {k: v for k, v in from_git.items() if k != "candidate"} == {
        k: v for k, v in from_folder.items() if k != "candidate"
    }
    assert _impact("git:HEAD~1:shop/mini-store.yaml", *IN_SCOPE)["changed"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["git:nope:shop"], "git cat-file failed"),
        (["/nonexistent/policy.yaml"], "no such file or folder"),
        (["git:HEAD"], "git:REV:path"),
        ([str(POLICY), "--since", "2026-11-01T00:00"], "needs a time zone"),
        ([str(POLICY), "--sample", "2"], "--sample"),
        ([str(POLICY), "--source", "drafts"], "--source"),
    ],
)
def test_a_bad_candidate_or_option_is_an_error_naming_it(
    seeded: dict[str, str], args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, ["policy", "impact", *args, "--policy", "mini-store"])
    assert result.exit_code != 0
    assert message in str(result.exception) + result.output


def test_the_html_page_holds_the_figures_escaped(
    seeded: dict[str, str], candidate: Path, tmp_path: Path
) -> None:
    page = tmp_path / "impact.html"
    result = CliRunner().invoke(
        cli,
        [
            "policy",
            "impact",
            str(candidate),
            "--policy",
            "mini-store",
            *IN_SCOPE,
            "--html",
            str(page),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "would get another answer" in result.output
    html = page.read_text()
    assert "+174.00" in html
    assert seeded["R7"] in html
    assert "<script" not in html


BEHIND_THE_DOORS = ("drafter.store.", "drafter.policy.", "drafter.api", "drafter.pipeline")


def test_the_replay_goes_through_the_front_doors() -> None:
    """It reads the store through ``drafter.store`` and evaluates through ``drafter.policy``'s
    public API, never their inner modules."""
    inner = {
        str(path.name): sorted(
            m
            for m in imports(path)
            if m.startswith(
                ("drafter.store.", "drafter.policy.", "drafter.api", "drafter.pipeline")
            )
        )
        for path in (ROOT / "drafter" / "impact").glob("*.py")
    }
    assert {name: found for name, found in inner.items() if found} == {}
