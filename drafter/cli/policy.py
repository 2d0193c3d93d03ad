"""``drafter policy test|lint|explain|schema``: work on policy files like code."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from drafter.cli.options import AsJson, registry
from drafter.policy import Policy
from drafter.policy.explain import explain as explain_text
from drafter.policy.inputs_schema import inputs_schema
from drafter.policy.lint import lint as lint_policy
from drafter.policy.tables import TableReport, run_table

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
    informational findings left out; ``--verbose`` (and ``--json``) show them all.
    """
    findings = {p.id: lint_policy(p) for p in _policies(policy_id)}
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


@app.command()
def explain(policy_id: PolicyArg) -> None:
    """Print the policy as readable text for review."""
    typer.echo(explain_text(registry().get(policy_id)), nl=False)


@app.command()
def schema(policy_id: PolicyArg) -> None:
    """Print the JSON Schema of the policy's inputs."""
    typer.echo(json.dumps(inputs_schema(registry().get(policy_id)), indent=2))
