"""The feedback loop: what agents did with drafts, turned into eval cases and into the
"which rule causes the most friction" report.

Eval case format (one YAML file per draft, ``<out>/<draft id>.yaml``)::

    id: feedback-dr_0193...              # stable: re-exporting overwrites, never duplicates
    source:                              # where the case came from
      kind: agent-feedback
      draft_id: dr_0193...
      drafted_at: 2026-11-20T10:00:00+00:00
      outcome: edited                    # edited | rejected
      reason: Too stiff for a gold customer.
      redacted: false                    # true when the store masks personal data
      model: ...                         # provenance of the draft the agent judged
      template_version: ...
    policy: retail-standard
    policy_version: 2026.11.1
    request: {...}                       # the Request, as stored
    expect:
      verdict: {decision: decline, rule: outside_window}   # asserted
      reply:
        offers: [store_credit]           # offer ids the reply must make (the verdict's)
        must_say: [refund_timing]        # disclosure ids the reply must carry
        must_not_say: [admission_of_fault]
    reference:
      draft: "..."                       # the reply drafter gave
      agent_text: "..."                  # what the agent sent instead (may be empty)
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from drafter.store.audit import AuditStore, DraftRecord, utc
from drafter.store.tables import DraftRow, FeedbackRow, VerdictRow

__all__ = ["EXPORTED_OUTCOMES", "RuleFriction", "eval_case", "export_cases", "friction_report"]

EXPORTED_OUTCOMES = ("edited", "rejected")


def eval_case(record: DraftRecord) -> dict[str, Any]:
    """The eval case for one draft and the latest feedback on it."""
    draft, last = record.draft, record.feedback[-1]
    reply = json.loads(draft.reply_json)
    verdict = reply["verdict"]
    return {
        "id": f"feedback-{draft.id}",
        "source": {
            "kind": "agent-feedback",
            "draft_id": draft.id,
            "drafted_at": utc(draft.created_at).isoformat(timespec="seconds"),
            "outcome": last.outcome,
            "reason": last.reason,
            "redacted": draft.redacted or last.redacted,
            "model": draft.model,
            "template_version": draft.template_version,
        },
        "policy": draft.policy_id,
        "policy_version": draft.policy_version,
        "request": json.loads(draft.request_json),
        "expect": {
            "verdict": {"decision": verdict["decision"], "rule": verdict["rule"]},
            "reply": {
                "offers": [offer["id"] for offer in verdict["offers"]],
                "must_say": [item["id"] for item in verdict["must_say"]],
                "must_not_say": [item["id"] for item in verdict["must_not_say"]],
            },
        },
        "reference": {"draft": reply["draft"]["body"], "agent_text": last.final_text},
    }


def export_cases(
    store: AuditStore, out_dir: Path, *, outcomes: Sequence[str] = EXPORTED_OUTCOMES
) -> list[Path]:
    """Write one case per draft whose latest feedback has one of ``outcomes``; returns the
    files written, oldest draft first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for record in store.drafts_with_feedback(outcomes):
        path = out_dir / f"{record.draft.id}.yaml"
        text = yaml.safe_dump(eval_case(record), sort_keys=False, allow_unicode=True, width=100)
        path.write_text(f"# Exported by `drafter feedback export`.\n{text}", encoding="utf-8")
        written.append(path)
    return written


@dataclass
class RuleFriction:
    """How one deciding rule fares with agents."""

    policy: str
    rule: str
    decisions: Counter[str] = field(default_factory=Counter)
    verdicts: int = 0
    drafts: int = 0
    fallbacks: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

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


def friction_report(store: AuditStore, *, since: dt.datetime | None = None) -> list[RuleFriction]:
    """Per (policy, rule): decisions, declines, fallback rate and the share of drafts agents
    edited or rejected, most friction first."""
    rules: dict[tuple[str, str], RuleFriction] = {}

    def entry(policy: str, rule: str) -> RuleFriction:
        return rules.setdefault((policy, rule), RuleFriction(policy, rule))

    latest = _latest_outcomes(store, since)
    for policy, rule, decision in _verdicts(store, since):
        item = entry(policy, rule)
        item.verdicts += 1
        item.decisions[decision] += 1
    for draft_id, policy, rule, decision, fallback in _drafts(store, since):
        item = entry(policy, rule)
        item.drafts += 1
        item.decisions[decision] += 1
        item.fallbacks += int(fallback)
        if draft_id in latest:
            item.outcomes[latest[draft_id]] += 1
    return sorted(rules.values(), key=lambda r: (-r.friction, -r.reviewed, -r.drafts, r.rule))


def _verdicts(store: AuditStore, since: dt.datetime | None) -> Iterator[Any]:
    query = select(VerdictRow.policy_id, VerdictRow.rule, VerdictRow.decision)
    if since is not None:
        query = query.where(VerdictRow.created_at >= since)
    with store.session() as session:
        yield from session.execute(query.execution_options(yield_per=5_000))


def _drafts(store: AuditStore, since: dt.datetime | None) -> Iterator[Any]:
    query = select(
        DraftRow.id, DraftRow.policy_id, DraftRow.rule, DraftRow.decision, DraftRow.fallback
    )
    if since is not None:
        query = query.where(DraftRow.created_at >= since)
    with store.session() as session:
        yield from session.execute(query.execution_options(yield_per=5_000))


def _latest_outcomes(store: AuditStore, since: dt.datetime | None) -> dict[str, str]:
    query = select(FeedbackRow.draft_id, FeedbackRow.outcome).order_by(
        FeedbackRow.created_at, FeedbackRow.id
    )
    if since is not None:
        query = query.where(FeedbackRow.created_at >= since)
    latest: dict[str, str] = defaultdict(str)
    with store.session() as session:
        for draft_id, outcome in session.execute(query.execution_options(yield_per=5_000)):
            latest[draft_id] = outcome
    return dict(latest)
