"""``drafter policy test|lint|explain|schema|impact``: work on policy files like code."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.console import Console
from rich.markup import escape

from drafter.cli.options import AsJson, PolicyId, registry
from drafter.errors import UserError
from drafter.impact import current_policy, open_candidate, run_impact
from drafter.impact.render import as_html, as_json, print_tables
from drafter.policy import Policy
from drafter.policy.explain import explain as explain_text
from drafter.policy.inputs_schema import inputs_schema
from drafter.policy.lint import lint as lint_policy
from drafter.policy.tables import TableReport, run_table
from drafter.settings import Settings
from drafter.store import SOURCES, RequestScope, Source, opened_store

__all__ = ["app"]

app = typer.Typer(help="Test, lint, explain and describe policies.", no_args_is_help=True)
OptionalId = Annotated[str | None, typer.Argument(help="A policy id; all policies if omitted.")]
PolicyArg = Annotated[str, typer.Argument(help="A policy id, e.g. retail-standard.")]


def _policies(policy_id: str | None) -> list[Policy]:
    found = registry()
    return [found.get(i) for i in ([policy_id] if policy_id else found.ids())]


@app.command(name="test")
def run_tests(policy_id: OptionalId = None, as_json: AsJson = False) -> None:
    """Run test tables; fail on any failing case or any rule no case reaches."""
    found = registry()
    reports = [run_table(p, found.tests_path(p.id)) for p in _policies(policy_id)]
    if as_json:
        typer.echo(json.dumps([_report_json(r) for r in reports], indent=2))
    else:
        for report in reports:
            _print_report(Console(), report)
    if not all(r.ok for r in reports):
        raise typer.Exit(1)


def _report_json(report: TableReport) -> dict[str, object]:
    return {
        "policy": report.policy,
        "passed": len(report.results) - len(report.failed),
        "failed": [{"case": r.name, "line": r.line, "problems": r.problems} for r in report.failed],
        "uncovered": report.uncovered,
    }


def _print_report(console: Console, report: TableReport) -> None:
    for result in report.failed:
        console.print(f"[red]FAIL[/] {report.policy}:{result.line} {escape(result.name)}")
        for problem in result.problems:
            console.print(f"     {problem}", highlight=False, markup=False)
    for rule in report.uncovered:
        console.print(f"[red]UNCOVERED[/] {report.policy}: no case reaches rule '{escape(rule)}'")
    passed = len(report.results) - len(report.failed)
    colour = "green" if report.ok else "red"
    console.print(
        f"[{colour}]{report.policy}: {passed}/{len(report.results)} cases passed, "
        f"{len(report.uncovered)} rules uncovered[/]"
    )


Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show informational findings (overlaps) too.")
]


@app.command()
def lint(policy_id: OptionalId = None, as_json: AsJson = False, verbose: Verbose = False) -> None:
    """Find unreachable, shadowed and overlapping rules and unused parameters.

    By default only what needs action (errors and warnings) is shown, with a count of the
    informational findings left out; `--verbose` (and `--json`) show them all.
    """
    findings = {p.id: lint_policy(p, _reached(p)) for p in _policies(policy_id)}
    if as_json:
        typer.echo(
            json.dumps({pid: [f.__dict__ for f in fs] for pid, fs in findings.items()}, indent=2)
        )
    else:
        console = Console(soft_wrap=True)
        for pid, found in findings.items():
            shown = [f for f in found if verbose or f.level != "info"]
            for f in shown:
                where = f"{pid}:{f.line}" if f.line else pid
                rule = f" [{f.rule}]" if f.rule else ""
                console.print(
                    f"{f.level.upper():8} {where}{rule} {f.code}: {f.message}",
                    highlight=False,
                    markup=False,
                )
            hidden = len(found) - len(shown)
            more = f" ({hidden} informational, shown with --verbose)" if hidden else ""
            console.print(f"{pid}: {len(shown)} findings{more}")
    if any(f.level == "error" for fs in findings.values() for f in fs):
        raise typer.Exit(1)


def _reached(policy: Policy) -> set[str]:
    """The rules the policy's test table reaches in a passing case (none without a table)."""
    path = registry().tests_path(policy.id)
    if not path.is_file():
        return set()
    return set(policy.rules) - set(run_table(policy, path).uncovered)


@app.command()
def explain(policy_id: PolicyArg) -> None:
    """Print the policy as readable text for review."""
    typer.echo(explain_text(registry().get(policy_id)), nl=False)


@app.command()
def schema(policy_id: PolicyArg) -> None:
    """Print the JSON Schema of the policy's inputs."""
    typer.echo(json.dumps(inputs_schema(registry().get(policy_id)), indent=2))


def _moment(text: str | None, option: str) -> dt.datetime | None:
    """A date (midnight UTC) or a time with a zone; a time without one could be any zone."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option}: '{text}' is not a date or a time with a zone") from None
    if moment.tzinfo is None:
        raise UserError(f"{option}: '{text}' needs a time zone, as in 2026-11-01T00:00:00Z")
    return moment


def _fraction(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise UserError(f"--sample: '{text}' must be a fraction above 0 and at most 1")
    return value


def _sources(text: str) -> tuple[Source, ...]:
    if text == "all":
        return SOURCES
    if text not in get_args(Source):
        raise UserError(f"--source: '{text}' must be draft, verdict or all")
    return (text,)  # type: ignore[return-value]  # checked against Source just above


Candidate = Annotated[
    str,
    typer.Argument(
        help="The candidate: a policy file, a pack folder, or git:REV:path (e.g. "
        "git:HEAD~1:policies/retail)."
    ),
]
Text = Annotated[str | None, typer.Option()]


@app.command()
def impact(
    candidate: Candidate,
    policy_id: PolicyId,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's requests.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Stored at or after: a date (UTC) or a time with a zone.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Stored before: as --since.")] = None,
    source: Annotated[str, typer.Option(help="draft, verdict or all.")] = "all",
    sample: Annotated[
        str | None, typer.Option(help="Replay this fraction (0-1), picked by id hash.")
    ] = None,
    jobs: Annotated[
        int, typer.Option(min=1, help="Worker processes (default: one per CPU).")
    ] = os.cpu_count() or 1,
    against: Annotated[
        str,
        typer.Option(
            help="Compare with: stored (the verdicts customers were given) or current (what "
            "the current policy decides today, replayed on the same requests)."
        ),
    ] = "stored",
    examples: Annotated[int, typer.Option(min=0, help="Examples per kind of change.")] = 3,
    html: Annotated[Path | None, typer.Option(help="Also write an HTML page here.")] = None,
    as_json_: AsJson = False,
) -> None:
    """Replay a policy's stored requests against a candidate version: decisions from -> to,
    money per currency, escalations, rules, new questions, and requests it cannot evaluate;
    compared with the stored verdicts, or with the current policy (`--against current`)."""
    scope = RequestScope(
        policy=policy_id,
        tenant=tenant,
        since=_moment(since, "--since"),
        until=_moment(until, "--until"),
        sources=_sources(source),
    )
    fraction = _fraction(sample)
    if against not in ("stored", "current"):
        raise UserError(f"--against: '{against}' must be stored or current")
    policies = registry()
    baseline = current_policy(policy_id, policies) if against == "current" else None
    with (
        open_candidate(candidate, policy_id, policies) as loaded,
        opened_store(Settings()) as store,
    ):
        result = run_impact(
            store, scope, loaded, baseline=baseline, sample=fraction, jobs=jobs, examples=examples
        )
    if html is not None:
        html.write_text(as_html(result), encoding="utf-8")
    if as_json_:
        typer.echo(json.dumps(as_json(result), indent=2))
    else:
        print_tables(result, Console(soft_wrap=True))
