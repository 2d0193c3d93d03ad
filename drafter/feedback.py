"""The feedback loop: what agents did with drafts, turned into eval cases and into the
"which rule causes the most friction" report.

``drafter feedback export`` writes one file per draft whose latest feedback is ``edited`` or
``rejected``, in the ``evals/cases`` format (``drafter/evals/cases.py``), so the eval runner
loads it like any other case file::

    # Agent feedback on draft dr_0193...: edited, 2026-11-20T10:04:00+00:00
    # Reason: Too stiff for a gold customer.
    # Drafted by openai/gpt-4o-mini with templates 2026.11.1 (request stored redacted: no)
    # The reply drafter gave:
    #   Dear Maya Chen, ...
    # What the agent sent:
    #   Hi Maya! ...
    policy: retail-standard
    cases:
      - id: fb-dr-0193...
        title: 'Edited by an agent: Too stiff for a gold customer.'
        situations: [eligibility]
        request: {...}                   # the Request, as stored
        expect:
          verdict: {decision: decline, rule: outside_window_credit, offers: [...], ...}
          reply: {}                      # every offer of the verdict, no extra forbidden claims

The verdict is pinned as it was when the agent saw the draft, so a policy change that moves the
case shows up when the suite loads it. The agent's text and reason ride along as comments: the
case schema has no field for them, and a reviewer reads them before moving the file from
``evals/cases/feedback/`` into ``evals/cases/``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from drafter.store.audit import AuditStore, DraftRecord, utc
from drafter.store.tables import DraftRow, FeedbackRow, VerdictRow

__all__ = [
    "EXPORTED_OUTCOMES",
    "DayFriction",
    "RuleFriction",
    "case_file",
    "export_cases",
    "friction_report",
    "situations",
]

EXPORTED_OUTCOMES = ("edited", "rejected")
_DECISION_SITUATION = {
    "approve": "approval",
    "partial": "partial_refund",
    "needs_info": "missing_info",
}
_SIGNAL_SITUATION = {
    "legal_threat": "legal_threat",
    "chargeback_threat": "chargeback_threat",
    "abusive_language": "abusive_language",
}


def situations(request: dict[str, Any], verdict: dict[str, Any]) -> list[str]:
    """The eval situations a stored draft belongs to, from its request and verdict."""
    found = [tag for signal, tag in _SIGNAL_SITUATION.items() if request["signals"][signal]]
    if verdict["decision"] in _DECISION_SITUATION:
        found.append(_DECISION_SITUATION[verdict["decision"]])
    if request.get("subscription") is not None:
        found.append("subscription")
    if request["ask"]["kind"].startswith("modify_"):
        found.append("order_change")
    return found or ["eligibility"]


def _verdict_expect(verdict: dict[str, Any]) -> dict[str, Any]:
    refund = verdict["refund"]
    escalation = verdict["escalation"]
    expect: dict[str, Any] = {"decision": verdict["decision"], "rule": verdict["rule"]}
    if refund is not None:
        expect["refund"] = refund["amount"]["amount"]
    expect["offers"] = sorted(offer["id"] for offer in verdict["offers"])
    if escalation is not None:
        expect["escalation"] = escalation["target"]
    expect["needs"] = sorted(need["fact"] for need in verdict["needs"])
    expect["must_say"] = sorted(item["id"] for item in verdict["must_say"])
    expect["must_not_say"] = sorted(item["id"] for item in verdict["must_not_say"])
    return expect


def case_file(record: DraftRecord) -> dict[str, Any]:
    """The case file (one case) for a draft and the latest feedback on it."""
    draft, last = record.draft, record.feedback[-1]
    request = json.loads(draft.request_json)
    verdict = json.loads(draft.reply_json)["verdict"]
    title = f"{last.outcome.capitalize()} by an agent: {last.reason or 'no reason given'}"
    case = {
        "id": "fb-" + draft.id.replace("_", "-").lower(),
        "title": title[:200],
        "situations": situations(request, verdict),
        "request": request,
        "expect": {"verdict": _verdict_expect(verdict), "reply": {}},
    }
    return {"policy": draft.policy_id, "cases": [case]}


def _comment(record: DraftRecord) -> str:
    draft, last = record.draft, record.feedback[-1]
    reply = json.loads(draft.reply_json)
    when = utc(last.created_at).isoformat(timespec="seconds")
    lines = [
        f"Agent feedback on draft {draft.id}: {last.outcome}, {when}",
        f"Reason: {last.reason or '(none given)'}",
        f"Drafted by {draft.provider}/{draft.model} with templates {draft.template_version}, "
        f"policy {draft.policy_id} {draft.policy_version} "
        f"(stored redacted: {'yes' if draft.redacted or last.redacted else 'no'})",
        "The reply drafter gave:",
        *(f"  {line}" for line in reply["draft"]["body"].splitlines()),
        "What the agent sent:",
        *(f"  {line}" for line in (last.final_text or "(nothing)").splitlines()),
    ]
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)


def export_cases(
    store: AuditStore,
    out_dir: Path,
    *,
    outcomes: Sequence[str] = EXPORTED_OUTCOMES,
    tenant: str | None = None,
) -> list[Path]:
    """Write one case file per draft (of ``tenant``, or of all) whose latest feedback has one
    of ``outcomes``; returns the files written, oldest draft first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for record in store.drafts_with_feedback(outcomes, tenant):
        path = out_dir / f"{record.draft.id}.yaml"
        body = yaml.safe_dump(case_file(record), sort_keys=False, allow_unicode=True, width=100)
        path.write_text(_comment(record) + body, encoding="utf-8")
        written.append(path)
    return written


@dataclass
class DayFriction:
    """One UTC day of a rule's life: what it decided, and the edits and rejections agents
    gave that day (a draft's latest feedback counts on the day it was given, not the day of
    the draft: the chart shows when agents pushed back)."""

    decisions: int = 0
    declines: int = 0
    fallbacks: int = 0
    edited: int = 0
    rejected: int = 0


@dataclass
class RuleFriction:
    """How one deciding rule fares with agents, in total and per day."""

    policy: str
    rule: str
    decisions: Counter[str] = field(default_factory=Counter)
    verdicts: int = 0
    drafts: int = 0
    fallbacks: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_day: dict[dt.date, DayFriction] = field(default_factory=dict)

    def decided(self, decision: str, when: dt.datetime) -> DayFriction:
        """Count one decision, on its UTC day; returns that day's counts."""
        self.decisions[decision] += 1
        day = self.by_day.setdefault(utc(when).date(), DayFriction())
        day.decisions += 1
        day.declines += decision == "decline"
        return day

    @property
    def declines(self) -> int:
        return self.decisions["decline"]

    @property
    def reviewed(self) -> int:
        """Drafts with any feedback."""
        return sum(self.outcomes.values())

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.drafts if self.drafts else 0.0

    def share(self, outcome: str) -> float:
        """The share of reviewed drafts whose latest feedback was ``outcome``."""
        return self.outcomes[outcome] / self.reviewed if self.reviewed else 0.0

    @property
    def friction(self) -> float:
        return self.share("edited") + self.share("rejected")


def friction_report(
    store: AuditStore, *, since: dt.datetime | None = None, tenant: str | None = None
) -> list[RuleFriction]:
    """Per (policy, rule): decisions, declines, fallback rate and the share of drafts agents
    edited or rejected, most friction first; of one tenant's rows, or of all."""
    where = _Where(since, tenant)
    rules: dict[tuple[str, str], RuleFriction] = {}

    def entry(policy: str, rule: str) -> RuleFriction:
        return rules.setdefault((policy, rule), RuleFriction(policy, rule))

    latest = _latest_outcomes(store, where)
    for policy, rule, decision, created_at in _verdicts(store, where):
        item = entry(policy, rule)
        item.verdicts += 1
        item.decided(decision, created_at)
    for draft_id, policy, rule, decision, fallback, created_at in _drafts(store, where):
        item = entry(policy, rule)
        item.drafts += 1
        day = item.decided(decision, created_at)
        item.fallbacks += int(fallback)
        day.fallbacks += int(fallback)
        if draft_id in latest:
            outcome, given_at = latest[draft_id]
            item.outcomes[outcome] += 1
            given = item.by_day.setdefault(utc(given_at).date(), DayFriction())
            given.edited += outcome == "edited"
            given.rejected += outcome == "rejected"
    return sorted(rules.values(), key=lambda r: (-r.friction, -r.reviewed, -r.drafts, r.rule))


@dataclass(frozen=True)
class _Where:
    since: dt.datetime | None
    tenant: str | None

    def apply(self, query: Any, table: type[VerdictRow | DraftRow | FeedbackRow]) -> Any:
        if self.since is not None:
            query = query.where(table.created_at >= self.since)
        if self.tenant is not None:
            query = query.where(table.tenant == self.tenant)
        return query


def _verdicts(store: AuditStore, where: _Where) -> Iterator[Any]:
    query = where.apply(
        select(VerdictRow.policy_id, VerdictRow.rule, VerdictRow.decision, VerdictRow.created_at),
        VerdictRow,
    )
    with store.session() as session:
        yield from session.execute(query.execution_options(yield_per=5_000))


def _drafts(store: AuditStore, where: _Where) -> Iterator[Any]:
    query = where.apply(
        select(
            DraftRow.id,
            DraftRow.policy_id,
            DraftRow.rule,
            DraftRow.decision,
            DraftRow.fallback,
            DraftRow.created_at,
        ),
        DraftRow,
    )
    with store.session() as session:
        yield from session.execute(query.execution_options(yield_per=5_000))


def _latest_outcomes(store: AuditStore, where: _Where) -> dict[str, tuple[str, dt.datetime]]:
    """Each draft's latest feedback: its outcome and when it was given."""
    query = where.apply(
        select(FeedbackRow.draft_id, FeedbackRow.outcome, FeedbackRow.created_at).order_by(
            FeedbackRow.created_at, FeedbackRow.id
        ),
        FeedbackRow,
    )
    latest: dict[str, tuple[str, dt.datetime]] = {}
    with store.session() as session:
        for draft_id, outcome, given_at in session.execute(
            query.execution_options(yield_per=5_000)
        ):
            latest[draft_id] = (outcome, given_at)
    return latest
