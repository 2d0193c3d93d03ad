"""An impact replay as JSON, as terminal tables, and as one self-contained HTML page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import Environment
from rich.console import Console
from rich.table import Table

from drafter.impact import Impact
from drafter.impact.replay import Example, Money

__all__ = ["as_html", "as_json", "print_tables"]

DECISIONS = ("approve", "partial", "decline", "escalate", "needs_info")


def _sums(money: Money) -> dict[str, dict[str, str]]:
    parts = {
        "refund": money.refund,
        "escalated_refund": money.escalated_refund,
        "fees": money.fees,
        "offers": money.offers,
        "offer_caps": money.offer_caps,
    }
    return {
        name: {"before": str(b), "after": str(a), "change": _signed(a - b)}
        for name, (b, a) in parts.items()
    }


def _signed(value: Decimal) -> str:
    return f"+{value}" if value > 0 else str(value)


def _example(example: Example) -> dict[str, Any]:
    shown: dict[str, Any] = {"id": example.id, "source": example.source}
    if example.source == "draft":
        shown["href"] = f"/v1/drafts/{example.id}"
    shown |= {"before": example.before, "after": example.after}
    if example.problem is not None:
        shown["problem"] = example.problem
    return shown


def _rule_changes(impact: Impact) -> list[dict[str, Any]]:
    tally = impact.tally
    rules = set(tally.hits_before) | set(tally.hits_after)
    changes = [
        {
            "rule": rule,
            "before": tally.hits_before[rule],
            "after": tally.hits_after[rule],
            "change": tally.hits_after[rule] - tally.hits_before[rule],
        }
        for rule in rules
    ]
    return sorted((c for c in changes if c["change"]), key=lambda c: (-abs(c["change"]), c["rule"]))


def _against(impact: Impact) -> dict[str, Any]:
    """What the candidate was compared with: the stored verdicts, or the current policy."""
    if impact.baseline is None:
        return {"kind": "stored"}
    policy = impact.baseline.policy
    return {"kind": "current", "version": policy.version, "sha256": policy.sha256}


def _before(impact: Impact) -> str:
    return "stored" if impact.baseline is None else "current policy"


def as_json(impact: Impact) -> dict[str, Any]:
    """Everything the replay found, for machines; figures as exact strings where money."""
    tally, scope, candidate = impact.tally, impact.scope, impact.candidate
    return {
        "policy": scope.policy,
        "scope": {
            "tenant": scope.tenant,
            "since": scope.since.isoformat() if scope.since else None,
            "until": scope.until.isoformat() if scope.until else None,
            "sources": list(scope.sources),
            "sample": impact.sample,
            "newest": scope.newest,
        },
        # When the newest request that "newest" left out was stored; None: none was.
        "left_out_up_to": impact.cut.isoformat() if impact.cut else None,
        "against": _against(impact),
        "candidate": {
            "spec": candidate.label,
            "id": candidate.policy.id,
            "version": candidate.policy.version,
            "sha256": candidate.policy.sha256,
        },
        "stored_versions": dict(sorted(tally.versions.items())),
        "read": tally.replayed + len(tally.unevaluable),
        "replayed": tally.replayed,
        "changed": tally.changed,
        "unchanged": tally.replayed - tally.changed,
        "transitions": [
            {"from": before, "to": after, "count": count}
            for (before, after), count in sorted(tally.transitions.items())
        ],
        "money": {currency: _sums(money) for currency, money in sorted(tally.money.items())},
        "escalations": {
            "added": dict(sorted(tally.escalations_added.items())),
            "removed": dict(sorted(tally.escalations_removed.items())),
        },
        "new_needs": {
            "requests": tally.requests_with_new_needs,
            "facts": dict(sorted(tally.new_needs.items())),
        },
        "rules": _rule_changes(impact),
        "cannot_evaluate": {
            "count": len(tally.unevaluable),
            "requests": [
                {"id": u.id, "source": u.source, "field": u.field, "message": u.message}
                for u in sorted(tally.unevaluable, key=lambda u: u.id)
            ],
        },
        "examples": {
            kind: [_example(e) for e in examples]
            for kind, examples in sorted(tally.examples.items())
        },
    }


def _matrix(impact: Impact) -> Table:
    seen = {d for pair in impact.tally.transitions for d in pair}
    decisions = [d for d in DECISIONS if d in seen] + sorted(seen - set(DECISIONS))
    table = Table(title=f"Decisions: {_before(impact)} (rows) -> candidate (columns)")
    table.add_column("from \\ to")
    for decision in decisions:
        table.add_column(decision, justify="right")
    for before in decisions:
        counts = [impact.tally.transitions.get((before, after), 0) for after in decisions]
        table.add_row(before, *[str(c) if c else "." for c in counts])
    return table


def _money_table(data: dict[str, Any]) -> Table:
    table = Table(title="Money (per currency; offers with an amount and percentage caps apart)")
    for column in ("currency", "what", "before", "after", "change"):
        table.add_column(column, justify="left" if column in ("currency", "what") else "right")
    for currency, sums in data["money"].items():
        for what, figures in sums.items():
            table.add_row(currency, what, figures["before"], figures["after"], figures["change"])
    return table


def print_tables(impact: Impact, console: Console, *, listed: int = 20) -> None:
    """The replay as tables, for a person at a terminal."""
    data = as_json(impact)
    console.print(
        f"{data['policy']}: {data['read']} stored requests read, {data['replayed']} replayed "
        f"against {data['candidate']['spec']} (version {data['candidate']['version']}); "
        f"{data['changed']} would get another answer, {data['unchanged']} the same, "
        f"compared with {_compared(data)}.",
        highlight=False,
    )
    console.print(_matrix(impact))
    console.print(_money_table(data))
    escalations, needs = data["escalations"], data["new_needs"]
    console.print(f"Escalations added: {_counts(escalations['added'])}", highlight=False)
    console.print(f"Escalations removed: {_counts(escalations['removed'])}", highlight=False)
    console.print(
        f"Requests that newly need facts: {needs['requests']} ({_counts(needs['facts'])})",
        highlight=False,
    )
    rules = Table(title="Rules that gain or lose hits")
    for column in ("rule", "before", "after", "change"):
        rules.add_column(column, justify="left" if column == "rule" else "right")
    for rule in data["rules"]:
        change = _signed(Decimal(rule["change"]))
        rules.add_row(rule["rule"], str(rule["before"]), str(rule["after"]), change)
    console.print(rules)
    examples = Table(title="Examples (the oldest of each kind)")
    for column in ("kind", "id", "before", "after"):
        examples.add_column(column, overflow="fold")  # an id is never cut short
    for kind, shown in data["examples"].items():
        for example in shown:
            examples.add_row(kind, example["id"], _brief(example["before"]), _after(example))
    console.print(examples)
    _print_unevaluable(data, console, listed)


def _compared(data: dict[str, Any]) -> str:
    against = data["against"]
    if against["kind"] == "stored":
        return "the stored verdicts (what customers were told)"
    return f"the current policy (version {against['version']}, as it decides today)"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


def _brief(answer: dict[str, Any] | None) -> str:
    if not answer:
        return "-"
    refund = f", {answer['refund']}" if answer.get("refund") else ""
    return f"{answer['decision']} ({answer['rule']}{refund})"


def _after(example: dict[str, Any]) -> str:
    return _brief(example["after"]) if example["after"] else f"cannot: {example['problem']}"


def _print_unevaluable(data: dict[str, Any], console: Console, listed: int) -> None:
    refused = data["cannot_evaluate"]
    console.print(f"Cannot evaluate with the candidate: {refused['count']}", highlight=False)
    for item in refused["requests"][:listed]:
        console.print(f"  {item['id']}: {item['field']}: {item['message']}", highlight=False)
    if refused["count"] > listed:
        console.print(f"  ... and {refused['count'] - listed} more (all of them in --json)")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Impact of {{ d.candidate.spec }} on {{ d.policy }}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}
td.n{text-align:right}caption{text-align:left;font-weight:bold}code{font-size:12px}
</style></head><body>
<h1>Impact of {{ d.candidate.spec }} on {{ d.policy }}</h1>
<p>{{ d.read }} stored requests read, {{ d.replayed }} replayed against version
{{ d.candidate.version }} (<code>{{ d.candidate.sha256[:12] }}</code>):
<strong>{{ d.changed }}</strong> would get another answer, {{ d.unchanged }} the same;
<strong>{{ d.cannot_evaluate.count }}</strong> cannot be evaluated; compared with
{{ compared }}.
Stored versions: {% for v, n in d.stored_versions.items() %}{{ v }} ({{ n }}) {% endfor %}</p>
<table><caption>Decisions: {{ before }} (rows) to candidate (columns)</caption>
<tr><th></th>{% for a in decisions %}<th>{{ a }}</th>{% endfor %}</tr>
{% for b in decisions %}<tr><th>{{ b }}</th>{% for a in decisions %}
<td class="n">{{ matrix.get((b, a), "") }}</td>{% endfor %}</tr>{% endfor %}</table>
<table><caption>Money, per currency</caption>
<tr><th>currency</th><th>what</th><th>before</th><th>after</th><th>change</th></tr>
{% for c, sums in d.money.items() %}{% for what, f in sums.items() %}
<tr><td>{{ c }}</td><td>{{ what }}</td><td class="n">{{ f.before }}</td>
<td class="n">{{ f.after }}</td><td class="n">{{ f.change }}</td></tr>{% endfor %}{% endfor %}
</table>
<p>Escalations added: {{ d.escalations.added or "none" }}; removed:
{{ d.escalations.removed or "none" }}. Requests that newly need facts:
{{ d.new_needs.requests }} {{ d.new_needs.facts or "" }}</p>
<table><caption>Rules that gain or lose hits</caption>
<tr><th>rule</th><th>before</th><th>after</th><th>change</th></tr>
{% for r in d.rules %}<tr><td>{{ r.rule }}</td><td class="n">{{ r.before }}</td>
<td class="n">{{ r.after }}</td><td class="n">{{ r.change }}</td></tr>{% endfor %}</table>
<table><caption>Examples (the oldest of each kind)</caption>
<tr><th>kind</th><th>id</th><th>before</th><th>after</th></tr>
{% for kind, shown in d.examples.items() %}{% for e in shown %}
<tr><td>{{ kind }}</td><td><code>{{ e.id }}</code></td><td>{{ e.before }}</td>
<td>{{ e.after if e.after else e.problem }}</td></tr>{% endfor %}{% endfor %}</table>
<table><caption>Cannot evaluate ({{ d.cannot_evaluate.count }})</caption>
<tr><th>id</th><th>field</th><th>message</th></tr>
{% for u in d.cannot_evaluate.requests[:listed] %}<tr><td><code>{{ u.id }}</code></td>
<td>{{ u.field }}</td><td>{{ u.message }}</td></tr>{% endfor %}</table>
{% if d.cannot_evaluate.count > listed %}<p>... and {{ d.cannot_evaluate.count - listed }}
more: every one is listed in the --json output.</p>{% endif %}
</body></html>
"""


def as_html(impact: Impact, *, listed: int = 1_000) -> str:
    """One page with no scripts and no outside resources; every stored value escaped. The
    first ``listed`` requests that cannot be evaluated are shown (``--json`` has them all)."""
    data = as_json(impact)
    seen = {d for pair in impact.tally.transitions for d in pair}
    decisions = [d for d in DECISIONS if d in seen] + sorted(seen - set(DECISIONS))
    template = Environment(autoescape=True).from_string(_PAGE)
    matrix = dict(impact.tally.transitions)
    return template.render(
        d=data,
        decisions=decisions,
        matrix=matrix,
        listed=listed,
        before=_before(impact),
        compared=_compared(data),
    )
