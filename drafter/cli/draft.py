"""``drafter draft``: the checked reply for one request, with its verdict, guard report and
provenance."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from drafter.cli.options import AsJson, PolicyId, read_request
from drafter.cli.render import money
from drafter.pipeline import Delta, Final, Pipeline, Reply
from drafter.schemas import Channel, Request, Tone
from drafter.settings import Settings

__all__ = ["draft"]


def draft(
    request: Annotated[Path, typer.Argument(help="A request JSON file, or - for stdin.")],
    policy: PolicyId,
    channel: Annotated[Channel | None, typer.Option(help="Override the request's channel.")] = None,
    tone: Annotated[
        Tone | None, typer.Option(help="Ask for a register on top of the house voice.")
    ] = None,
    as_json: AsJson = False,
    stream: Annotated[
        bool, typer.Option("--stream", help="Print the draft as it is written.")
    ] = False,
) -> None:
    """Decide, draft and check a reply. With no LLM endpoint configured, the built-in
    template provider writes it (and says so)."""
    parsed = read_request(request)
    reply = asyncio.run(_run(parsed, policy, channel, tone, stream=stream and not as_json))
    if as_json:
        typer.echo(reply.model_dump_json(indent=2))
    else:
        _show(Console(), reply)


async def _run(
    request: Request, policy: str, channel: Channel | None, tone: Tone | None, *, stream: bool
) -> Reply:
    pipeline = Pipeline(Settings())
    try:
        if not stream:
            return await pipeline.reply(request, policy, channel=channel, tone=tone)
        async for event in pipeline.stream(request, policy, channel=channel, tone=tone):
            if isinstance(event, Delta):
                typer.echo(event.text, nl=False)
            elif isinstance(event, Final):
                typer.echo("\n" + "-" * 60)
                return event.reply
        raise AssertionError("the stream ended without a final reply")
    finally:
        await pipeline.aclose()


def _show(console: Console, reply: Reply) -> None:
    verdict, draft = reply.verdict, reply.draft
    summary = f"{verdict.decision.value} by rule {verdict.rule}"
    if verdict.refund:
        summary += f", refund {money(verdict.refund.amount)}"
    if verdict.offers:
        summary += f", offers: {', '.join(o.kind for o in verdict.offers)}"
    console.print(f"[bold]Verdict:[/] {escape(summary)}")
    if draft.templated:
        console.print("[yellow]Templated reply: no language model wrote this draft.[/]")
    for notice in reply.notices:
        console.print(f"[yellow]Note:[/] {escape(notice)}")
    if draft.subject:
        console.print(f"[bold]Subject:[/] {escape(draft.subject)}")
    console.print()
    console.print(draft.body, markup=False, highlight=False, soft_wrap=True)
    console.print()
    _show_checks(console, reply)


def _show_checks(console: Console, reply: Reply) -> None:
    status = "[green]passed[/]" if reply.report.passed else "[red]FAILED[/]"
    console.print(f"[bold]Guard:[/] {status}")
    for violation in reply.report.violations:
        console.print(f"  {violation.code}: {violation.message}", markup=False)
    if reply.fallback:
        console.print(
            f"[yellow]Fell back to the template:[/] {escape(reply.fallback_reason or '')}"
        )
        for violation in reply.raw_report.violations if reply.raw_report else []:
            console.print(f"  first draft: {violation.code}: {violation.message}", markup=False)
    p = reply.draft.provenance
    tokens = f"{p.prompt_tokens or '-'} prompt / {p.completion_tokens or '-'} completion tokens"
    console.print(
        f"[bold]Provenance:[/] {p.provider} {p.model}, templates {p.template_version}, "
        f"{tokens}, {p.latency_ms or 0:.0f} ms, {reply.llm_calls} LLM calls"
        f"{', repaired' if reply.repaired else ''}"
        f"{', fallback' if reply.fallback else ''}",
        highlight=False,
    )
