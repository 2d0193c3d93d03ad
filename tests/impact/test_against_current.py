"""``drafter policy impact --against current``: the candidate compared with what the current
policy decides today, replayed on the same stored requests, instead of with the stored verdicts;
on the seeded log of ``tests/impact/seeded.py`` (stored by mini-store 0.9.0, 40 days), whose
figures are worked out by hand below, on SQLite and PostgreSQL.

The candidate (1.1.0) gives standard customers 45 days, the current policy (1.0.0) 30:

| row | days | stored (0.9.0, 40 days)   | current (1.0.0, 30 days)   | candidate (1.1.0, 45 days) |
|-----|------|---------------------------|----------------------------|----------------------------|
| A   | 35   | approve 100.00            | decline, credit 100 + cap  | approve 100.00             |
| B   | 42   | decline, credit 89 + cap  | decline, credit 89 + cap   | approve 89.00              |
| C   | 50   | decline, credit 40 + cap  | decline, credit 40 + cap   | decline, credit 40 + cap   |
| D   | 42   | approve 60.00 (gold)      | approve 60.00              | approve 60.00              |
| E   | 38   | partial 85.00, fee 15.00  | decline, credit 100 + cap  | partial 85.00, fee 15.00   |
| U   | a "priority" field the Request no longer has: cannot be evaluated by either             |

(cap: the 10% discount capped at 10.00.) Candidate, in USD over the 5 replayed: refund
100 + 89 + 60 + 85 = 334.00, fees 15.00, offers 40.00 (C), caps 10.00 (C).

Against the stored verdicts: only B changes (decline -> approve).
  approve->approve 2 (A, D), decline->approve 1 (B), decline->decline 1 (C),
  partial->partial 1 (E); changed 1.
  Before: refund 100 + 60 + 85 = 245.00, fees 15.00, offers 89 + 40 = 129.00, caps 20.00.
  Change: refund +89.00, fees 0.00, offers -89.00, caps -10.00.
  Rules: within_window 2 -> 3, outside_window 2 -> 1.

Against the current policy: A, B and E change.
  decline->approve 2 (A, B), decline->partial 1 (E), decline->decline 1 (C),
  approve->approve 1 (D); changed 3.
  Before: refund 60.00, fees 0, offers 100 + 89 + 40 + 100 = 329.00, caps 40.00.
  Change: refund +274.00, fees +15.00, offers -289.00, caps -30.00.
  Rules: outside_window 4 -> 1, within_window 1 -> 3, opened_item 0 -> 1.

Both read 6, replay 5, and count U as one request that cannot be evaluated (field priority).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drafter.cli import app as cli
from drafter.settings import Settings
from drafter.store import opened_store
from drafter.store.db import current_revision, head_revision, make_engine, migrate
from tests.api.conftest import database_url  # noqa: F401  # the fixture: SQLite and PostgreSQL
from tests.impact.seeded import FIXTURES, mini_store, older_log

STORED_AT = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def seed(folder: Path, monkeypatch: pytest.MonkeyPatch, url: str, briefs: str) -> dict[str, str]:
    monkeypatch.setenv("DRAFTER_DATABASE_URL", url)
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(folder / "data"))
    monkeypatch.setenv("DRAFTER_POLICIES_DIR", str(FIXTURES))
    rows = older_log(folder / "old", STORED_AT, briefs=briefs)
    with opened_store(Settings()) as store:
        store.insert(list(rows.values()))
    return {name: row.id for name, row in rows.items()}


@pytest.fixture
def seeded(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:  # noqa: F811
    return seed(tmp_path, monkeypatch, database_url, briefs="ABCDEU")


@pytest.fixture
def candidate(tmp_path: Path) -> Path:
    return mini_store(tmp_path / "candidate", standard_days=45, version="1.1.0")


def impact(candidate: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["policy", "impact", str(candidate), "--policy", "mini-store", "--json", *args]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def figures(data: dict[str, Any]) -> dict[str, Any]:
    usd = data["money"]["USD"]
    return {
        "counts": (data["read"], data["replayed"], data["changed"], data["unchanged"]),
        "transitions": {(t["from"], t["to"]): t["count"] for t in data["transitions"]},
        "money": {w: (f["before"], f["after"], f["change"]) for w, f in usd.items()},
        "rules": {r["rule"]: (r["before"], r["after"]) for r in data["rules"]},
        "cannot": [(u["id"], u["field"]) for u in data["cannot_evaluate"]["requests"]],
    }


def test_against_the_stored_verdicts_only_b_changes(
    seeded: dict[str, str], candidate: Path
) -> None:
    data = impact(candidate, "--jobs", "1")
    assert data["against"] == {"kind": "stored"}
    assert figures(data) == against_stored(seeded)


@pytest.mark.parametrize("briefs", ["", "BDE"], ids=["no briefs", "some briefs"])
def test_rows_stored_before_briefs_are_read_from_their_whole_verdict(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    candidate: Path,
    briefs: str,
) -> None:
    seeded = seed(tmp_path, monkeypatch, database_url, briefs)
    for jobs in ("1", "2"):
        assert figures(impact(candidate, "--jobs", jobs)) == against_stored(seeded)


def test_a_log_stored_before_briefs_migrates_and_replays_the_same(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    candidate: Path,
) -> None:
    """A database at migration 0004 (no brief column), with rows written then, upgrades to
    the head when opened, keeps every row, and replays with the figures worked out above."""
    monkeypatch.setenv("DRAFTER_DATABASE_URL", database_url)
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTER_POLICIES_DIR", str(FIXTURES))
    engine = make_engine(Settings())
    migrate(engine, "0004")
    rows = older_log(tmp_path / "old", STORED_AT, briefs="")
    with engine.begin() as connection:
        for row in rows.values():
            table = type(row).__table__
            values = {c.name: getattr(row, c.key) for c in table.columns if c.name != "brief_json"}
            connection.execute(table.insert(), [values])
    engine.dispose()
    assert figures(impact(candidate, "--jobs", "2")) == against_stored(
        {name: row.id for name, row in rows.items()}
    )
    engine = make_engine(Settings())
    assert current_revision(engine) == head_revision()
    engine.dispose()


def against_stored(seeded: dict[str, str]) -> dict[str, Any]:
    """The figures against the stored verdicts, worked out in the docstring."""
    return {
        "counts": (6, 5, 1, 4),
        "transitions": {
            ("approve", "approve"): 2,
            ("decline", "approve"): 1,
            ("decline", "decline"): 1,
            ("partial", "partial"): 1,
        },
        "money": {
            "refund": ("245.00", "334.00", "+89.00"),
            "escalated_refund": ("0", "0", "0"),
            "fees": ("15.00", "15.00", "0.00"),
            "offers": ("129.00", "40.00", "-89.00"),
            "offer_caps": ("20.00", "10.00", "-10.00"),
        },
        "rules": {"within_window": (2, 3), "outside_window": (2, 1)},
        "cannot": [(seeded["U"], "priority")],
    }


def test_against_the_current_policy_a_b_and_e_change(
    seeded: dict[str, str], candidate: Path
) -> None:
    data = impact(candidate, "--against", "current", "--jobs", "1")
    current = data["against"]
    assert (current["kind"], current["version"]) == ("current", "1.0.0")
    assert data["stored_versions"] == {"0.9.0": 6}
    assert figures(data) == {
        "counts": (6, 5, 3, 2),
        "transitions": {
            ("decline", "approve"): 2,
            ("decline", "partial"): 1,
            ("decline", "decline"): 1,
            ("approve", "approve"): 1,
        },
        "money": {
            "refund": ("60.00", "334.00", "+274.00"),
            "escalated_refund": ("0", "0", "0"),
            "fees": ("0", "15.00", "+15.00"),
            "offers": ("329.00", "40.00", "-289.00"),
            "offer_caps": ("40.00", "10.00", "-30.00"),
        },
        "rules": {"outside_window": (4, 1), "within_window": (1, 3), "opened_item": (0, 1)},
        "cannot": [(seeded["U"], "priority")],
    }
    examples = {kind: [e["id"] for e in shown] for kind, shown in data["examples"].items()}
    assert examples["decision decline -> approve"] == sorted([seeded["A"], seeded["B"]])
    assert examples["decision decline -> partial"] == [seeded["E"]]
    # an example's "before" is the current policy's answer, not the stored one
    [e] = data["examples"]["decision decline -> partial"]
    assert (e["before"]["decision"], e["before"]["rule"]) == ("decline", "outside_window")


def test_worker_processes_compare_with_the_current_policy_too(
    seeded: dict[str, str], candidate: Path
) -> None:
    one = impact(candidate, "--against", "current", "--jobs", "1")
    assert impact(candidate, "--against", "current", "--jobs", "2") == one


def test_the_current_policy_against_itself_changes_nothing(seeded: dict[str, str]) -> None:
    data = impact(FIXTURES / "shop" / "mini-store.yaml", "--against", "current")
    assert (data["replayed"], data["changed"]) == (5, 0)


def test_the_table_says_what_the_candidate_was_compared_with(
    seeded: dict[str, str], candidate: Path
) -> None:
    args = ["policy", "impact", str(candidate), "--policy", "mini-store", "--jobs", "1"]
    stored = CliRunner().invoke(cli, args)
    assert "compared with the stored verdicts" in " ".join(stored.output.split())
    current = CliRunner().invoke(cli, [*args, "--against", "current"])
    shown = " ".join(current.output.split())
    assert "compared with the current policy (version 1.0.0" in shown
    assert "Decisions: current policy (rows)" in shown


def test_the_html_page_says_what_the_candidate_was_compared_with(
    seeded: dict[str, str], candidate: Path, tmp_path: Path
) -> None:
    page = tmp_path / "impact.html"
    args = ["policy", "impact", str(candidate), "--policy", "mini-store", "--html", str(page)]
    assert CliRunner().invoke(cli, [*args, "--against", "current"]).exit_code == 0
    shown = " ".join(page.read_text().split())
    assert "compared with the current policy (version 1.0.0, as it decides today)" in shown
    assert "Decisions: current policy (rows) to candidate (columns)" in shown
    assert "+274.00" in shown


def test_an_unknown_against_is_an_error_naming_the_option(seeded: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["policy", "impact", str(FIXTURES), "--policy", "mini-store", "--against", "last"]
    )
    assert result.exit_code != 0
    assert "--against" in str(result.exception) + result.output
