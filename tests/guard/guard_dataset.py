"""Scenarios for the guard's tests (``data/scenarios.yaml``: requests and verdicts), and a
helper that checks a draft against one of them.

A draft is written as the model writes it, with markers; ``codes_for`` composes it with the
phrasebook exactly as the pipeline does, and by default adds any marker the verdict calls for
that the draft leaves out, so a test of one family need not spell out every commitment.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml

from drafter.guard import Allowlist
from drafter.phrase.brief import build_brief
from drafter.phrase.phrasebook import Composed
from drafter.phrase.prompting import PromptRenderer
from drafter.policy import PolicyRegistry
from drafter.schemas import ComplianceReport, Request, Verdict
from drafter.settings import Settings

__all__ = ["ALLOWLIST", "CANARY", "codes_for", "compose", "report_for", "scenario"]

DATA = Path(__file__).parent / "data"
CANARY = "CNRY-7f3a9c21d4"
ALLOWLIST = Allowlist(
    domains=("help.example-shop.com",),
    emails=("care@example-shop.com",),
    phones=("+1 800 555 0142",),
)


def _load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text("utf-8"))


@functools.cache
def _scenarios() -> dict[str, Any]:
    data: dict[str, Any] = _load("scenarios.yaml")
    data.pop("policy")
    return data


@functools.cache
def _renderer() -> PromptRenderer:
    return PromptRenderer.from_settings(Settings())


@functools.cache
def _registry() -> PolicyRegistry:
    return PolicyRegistry(Settings().policies_dir)


def _as_json(value: Any) -> str:
    return json.dumps(value, default=str)


def scenario(
    name: str, *, locale: str = "en", channel: str = "email", message: str | None = None
) -> tuple[Request, Verdict]:
    """The request and verdict of scenario ``name``, in a locale and channel."""
    entry = _scenarios()[name]
    raw = dict(entry["request"], locale=locale, channel=channel)
    if message is not None:
        raw["message"] = message
    request = Request.model_validate_json(_as_json(raw))
    verdict = Verdict.model_validate_json(_as_json(entry["verdict"]))
    # A verdict carries its pack's nouns: the order's reference and items, which a reply names.
    domain = _registry().get(verdict.policy.id).domain
    nouns = domain.nouns(request.locale[:2], request.ask.kind, domain.read(request, frozenset()))
    return request, verdict.model_copy(update={"nouns": nouns})


def compose(body: str, request: Request, verdict: Verdict, *, complete: bool = True) -> Composed:
    """``body`` composed as the pipeline composes it; with ``complete``, every marker the
    verdict calls for that ``body`` leaves out is added at its end."""
    brief = build_brief(request, verdict)
    if complete:
        missing = [key for key in brief.markers if f"[[{key}]]" not in body]
        body = body + "".join(f" [[{key}]]" for key in missing)
    return _renderer().phrasebook.compose(body, brief, None)


def report_for(
    name: str,
    body: str,
    *,
    locale: str = "en",
    channel: str = "chat",
    subject: str | None = None,
    message: str | None = None,
    complete: bool = True,
) -> ComplianceReport:
    """The guard's report on ``body`` against scenario ``name``."""
    from drafter.guard import check

    request, verdict = scenario(name, locale=locale, channel=channel, message=message)
    return check(
        draft=compose(body, request, verdict, complete=complete),
        subject=subject,
        verdict=verdict,
        request=request,
        canary=CANARY,
        allowlist=ALLOWLIST,
    )


def codes_for(name: str, body: str, *, only: tuple[str, ...] = (), **options: Any) -> set[str]:
    """The violation codes the guard reports for ``body`` against scenario ``name`` (those of
    the families named in ``only``, when given)."""
    codes = {v.code for v in report_for(name, body, **options).violations}
    return {code for code in codes if not only or code.split(".")[0] in only}
