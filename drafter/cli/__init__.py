"""The ``drafter`` command: thin commands over the library. Errors become messages here, in
one place, and nowhere else."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Annotated

import typer
from rich.console import Console

from drafter.cli import check, draft, evals, feedback, keys, pack, policy, report, serve
from drafter.errors import DrafterError, UnknownPolicyError, UserError
from drafter.settings import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="drafter",
    help="Policy-checked drafts for refund, return, exchange and cancellation replies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    """``--version``: the package, and the prompts and templates the replies are written from."""
    if not value:
        return
    from drafter.phrase.prompting import PromptRenderer

    try:
        installed = package_version("drafter")
    except PackageNotFoundError:  # running from a checkout that was never installed
        installed = "unknown"
    prompts = PromptRenderer.from_settings(Settings()).version
    typer.echo(f"drafter {installed} (prompts and templates {prompts})")
    raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the package version and the prompts' version, then exit.",
        ),
    ] = False,
) -> None:
    """Policy-checked drafts for refund, return, exchange and cancellation replies."""


app.command(name="check")(check.check)
app.command(name="draft")(draft.draft)
app.add_typer(policy.app, name="policy")
app.command(name="facts")(pack.facts)
app.add_typer(pack.app, name="pack")
app.command(name="serve")(serve.serve)
app.add_typer(keys.app, name="keys")
app.add_typer(feedback.app, name="feedback")
app.command(name="report")(report.report)
app.add_typer(evals.app, name="eval")


def main() -> None:
    """Entry point: run the app, turning drafter errors into one line and an exit code."""
    try:
        # Outside standalone mode, typer returns a command's exit code instead of exiting.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except DrafterError as error:
        kind = "error" if isinstance(error, UserError) else "failure"
        message = str(error)
        if isinstance(error, UnknownPolicyError):  # say where it looked, and how to look elsewhere
            folder = Settings().policies_dir
            if "DRAFTER_POLICIES_DIR" in os.environ:
                message += f" (in {folder}, which DRAFTER_POLICIES_DIR names)"
            else:
                message += f" (in {folder}; DRAFTER_POLICIES_DIR names another folder)"
        # soft_wrap: an error is one line whatever the terminal's width, so it can be grepped.
        console = Console(stderr=True, soft_wrap=True)
        console.print(f"[bold red]{kind}:[/] {message}", highlight=False)
        sys.exit(2 if isinstance(error, UserError) else 3)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        sys.exit(130)
    except typer.TyperException as error:  # usage errors, in non-standalone mode
        error.show()  # type: ignore[attr-defined]
        sys.exit(getattr(error, "exit_code", 2))
