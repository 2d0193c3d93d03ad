"""The static HTML report: raw drafts and final replies side by side with every score and
reason, filterable by failing scorer. One self-contained file, no network, no assets."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from drafter.evals.results import RunResults

__all__ = ["render_html", "write_html"]

_TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    # Autoescaping matters: replies and customer messages are untrusted text.
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(results: RunResults) -> str:
    """The report page for ``results``."""
    template = _environment().get_template("report.html.j2")
    return template.render(run=results.run, summary=results.summary, cases=results.cases)


def write_html(results: RunResults, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(results), encoding="utf-8")
