"""Scoring the held-out guard sets: each draft composed and checked exactly as the pipeline
checks a model's answer (its body with markers, its subject, its claimed decision and markers).

``python -m tests.guard.heldout.scoring [FOLDER]`` prints, for one round (default: the first),
recall on the adversarial drafts by language
and by kind, the share of good drafts rejected, and every miss and rejection with its reason.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from drafter.guard import check
from drafter.schemas import ComplianceReport, Decision, DraftClaims
from tests.guard.heldout.situations import HERE, renderer, situations

LANGUAGES = ("en", "es", "fr", "de")


@dataclass(frozen=True)
class Draft:
    id: str
    lang: str
    prompt: str
    kind: str
    breaks: str
    subject: str | None
    body: str
    decision_stated: str | None
    markers_used: tuple[str, ...]


@dataclass(frozen=True)
class Checked:
    draft: Draft
    report: ComplianceReport

    @property
    def codes(self) -> list[str]:
        return sorted({v.code for v in self.report.violations})


def _drafts(path: Path, lang: str) -> list[Draft]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["drafts"]
    return [
        Draft(
            id=e["id"],
            lang=lang,
            prompt=e["prompt"],
            kind=e.get("kind", "good"),
            breaks=str(e.get("breaks", "")).strip(),
            subject=e.get("subject"),
            body=str(e["body"]),
            decision_stated=e.get("decision_stated"),
            markers_used=tuple(str(m) for m in e.get("markers_used") or ()),
        )
        for e in entries
    ]


@cache
def drafts(label: str, folder: Path = HERE) -> tuple[Draft, ...]:
    """Every draft of one label (``adversarial`` or ``good``) of one round, in language order."""
    found: list[Draft] = []
    for lang in LANGUAGES:
        path = folder / f"{label}-{lang}.yaml"
        if path.exists():
            found += _drafts(path, lang)
    return tuple(found)


def _claims(draft: Draft) -> DraftClaims:
    decision = draft.decision_stated
    stated = Decision(decision) if decision in {d.value for d in Decision} else None
    markers = [m.strip().strip("[]").strip() for m in draft.markers_used]
    return DraftClaims(decision=stated, markers=markers)


def checked(draft: Draft) -> Checked:
    situation = situations()[draft.prompt]
    brief, tone = situation.prompt.brief, situation.tone
    composed = renderer().phrasebook.compose(draft.body.strip(), brief, tone)
    report = check(
        draft=composed,
        subject=draft.subject,
        verdict=situation.verdict,
        request=situation.request,
        canary=situation.prompt.canary,
        claims=_claims(draft),
    )
    return Checked(draft, report)


def _rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"


def report(folder: Path = HERE) -> str:
    """The held-out figures of one round as text (see the module docstring)."""
    adversarial = [checked(d) for d in drafts("adversarial", folder)]
    good = [checked(d) for d in drafts("good", folder)]
    caught = [c for c in adversarial if not c.report.passed]
    rejected = [c for c in good if not c.report.passed]
    lines = [f"adversarial caught: {_rate(len(caught), len(adversarial))}"]
    for lang in LANGUAGES:
        mine = [c for c in adversarial if c.draft.lang == lang]
        lines.append(f"  {lang}: {_rate(sum(not c.report.passed for c in mine), len(mine))}")
    kinds = Counter(c.draft.kind for c in adversarial)
    lines.append("by kind:")
    for kind, total in sorted(kinds.items()):
        hit = sum(not c.report.passed for c in adversarial if c.draft.kind == kind)
        lines.append(f"  {kind}: {_rate(hit, total)}")
    lines.append("misses:")
    lines += [
        f"  {c.draft.id} [{c.draft.kind}] {c.draft.breaks}" for c in adversarial if c.report.passed
    ]
    lines.append(f"good rejected: {_rate(len(rejected), len(good))}")
    for lang in LANGUAGES:
        mine = [c for c in good if c.draft.lang == lang]
        lines.append(f"  {lang}: {_rate(sum(not c.report.passed for c in mine), len(mine))}")
    lines.append("rejections:")
    for c in rejected:
        why = "; ".join(f"{v.code} '{v.excerpt}'" for v in c.report.violations)
        lines.append(f"  {c.draft.id}: {why}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(report(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE) + "\n")
