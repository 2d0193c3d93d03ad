"""Loading the guard's labelled draft sets (``data/``) into checkable cases.

``scenarios.yaml`` holds requests and verdicts; ``compliant.yaml`` holds drafts that must
pass; ``adversarial.yaml`` holds drafts that each break their verdict in one labelled way,
written as an edit of a compliant draft (``replace``, ``append`` or ``prepend``) or in full,
and optionally run with a different customer message. Every case is checked with the same
canary and allowlist, so compliant drafts also prove that these do not cause false alarms.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drafter.guard import Allowlist
from drafter.schemas import Request, Verdict

__all__ = [
    "ALLOWLIST",
    "CANARY",
    "Case",
    "adversarial_cases",
    "codes_for",
    "compliant_cases",
    "heldout_cases",
    "scenario",
]

DATA = Path(__file__).parent / "data"
CANARY = "CNRY-7f3a9c21d4"
ALLOWLIST = Allowlist(
    domains=("help.example-shop.com",),
    emails=("care@example-shop.com",),
    phones=("+1 800 555 0142",),
)


@dataclass(frozen=True)
class Case:
    """One draft with the verdict and request it is checked against."""

    id: str
    lang: str
    body: str
    subject: str | None
    request: Request
    verdict: Verdict
    expect: str | None  # the one violation code an adversarial draft must produce


def _load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text("utf-8"))


@functools.cache
def _scenarios() -> dict[str, Any]:
    data: dict[str, Any] = _load("scenarios.yaml")
    data.pop("policy")
    return data


def _as_json(value: Any) -> str:
    return json.dumps(value, default=str)


def _build(entry: dict[str, Any]) -> tuple[Request, Verdict]:
    scenario = _scenarios()[entry["scenario"]]
    raw = dict(scenario["request"], locale=entry["locale"], channel=entry["channel"])
    if "message" in entry:
        raw["message"] = entry["message"]
    request = Request.model_validate_json(_as_json(raw))
    return request, Verdict.model_validate_json(_as_json(scenario["verdict"]))


def _case(entry: dict[str, Any], body: str, subject: str | None) -> Case:
    request, verdict = _build(entry)
    return Case(entry["id"], entry["locale"], body, subject, request, verdict, entry.get("expect"))


@functools.cache
def compliant_cases() -> tuple[Case, ...]:
    entries = _load("compliant.yaml")
    return tuple(_case(e, e["body"], e.get("subject")) for e in entries)


def _edited(base: str, edit: dict[str, Any], where: str) -> str:
    if "replace" in edit:
        old, new = edit["replace"]
        if old not in base:
            raise ValueError(f"{where}: replace target not found: {old!r}")
        return base.replace(old, new, 1)
    if "append" in edit:
        return base.rstrip("\n") + "\n" + edit["append"]
    if "prepend" in edit:
        return edit["prepend"] + base
    raise ValueError(f"{where}: unknown edit {sorted(edit)}")


@functools.cache
def heldout_cases() -> tuple[Case, ...]:
    """Adversarial drafts written after tuning (``heldout.yaml``); extra codes are allowed."""
    return tuple(_case(e, e["body"], e.get("subject")) for e in _load("heldout.yaml"))


@functools.cache
def adversarial_cases() -> tuple[Case, ...]:
    base = {e["id"]: e for e in _load("compliant.yaml")}
    cases = []
    for entry in _load("adversarial.yaml"):
        source = base[entry["base"]] if "base" in entry else entry
        merged = {**source, **{k: v for k, v in entry.items() if k != "id"}, "id": entry["id"]}
        body = (
            merged["body"]
            if "edit" not in entry
            else _edited(source["body"], entry["edit"], entry["id"])
        )
        subject = merged.get("subject")
        if "edit_subject" in entry:
            subject = _edited(subject or "", entry["edit_subject"], entry["id"])
        cases.append(_case(merged, body, subject))
    return tuple(cases)


def scenario(
    name: str, *, locale: str = "en", channel: str = "email", message: str | None = None
) -> tuple[Request, Verdict]:
    """The request and verdict of scenario ``name``, in a locale and channel."""
    entry: dict[str, Any] = {"scenario": name, "locale": locale, "channel": channel}
    if message is not None:
        entry["message"] = message
    return _build(entry)


def codes_for(
    name: str,
    body: str,
    *,
    locale: str = "en",
    channel: str = "chat",
    subject: str | None = None,
    message: str | None = None,
) -> set[str]:
    """The violation codes the guard reports for ``body`` against scenario ``name``."""
    from drafter.guard import check

    request, verdict = scenario(name, locale=locale, channel=channel, message=message)
    report = check(
        body=body,
        subject=subject,
        verdict=verdict,
        request=request,
        canary=CANARY,
        allowlist=ALLOWLIST,
    )
    return {v.code for v in report.violations}
