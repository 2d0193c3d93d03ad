"""The run history: every ``drafter eval run`` is kept, so a run can be compared with the one
before it, and the viewer can show them all.

Each run is a folder under the runs directory (``runs:`` in ``evals/config.yaml``, by default
``evals/runs/``, which git ignores)::

    <run id>/run.json           what identifies the run, and its counts (small: for listing)
    <run id>/results.json.gz    the whole results file, gzipped (prompts repeat well)

Two runs are **comparable** when they ran the same mode over the same recording set and the
same case ids, so that every case pairs. What differs between comparable runs is then what
changed: the templates, the rendered prompts, the policies, the model or the recordings;
:func:`changes` lists it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import UserError
from drafter.evals.results import RunResults, load_results

__all__ = ["HistoryError", "KeptRun", "RunHistory", "RunIdentity", "changes", "identify"]

_RESULTS = "results.json.gz"


class HistoryError(UserError):
    """A kept run that does not exist, or a runs directory that is not one."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunIdentity(_Model):
    """What a run ran on: enough to tell comparable runs apart and to say what changed."""

    mode: str
    recording_set: str | None
    cases: int
    cases_sha256: str
    template_version: str
    prompts_sha256: str
    policies: dict[str, str]
    provenance: dict[str, str]

    @property
    def key(self) -> tuple[str, str | None, str]:
        """Runs with equal keys are comparable: same mode, recording set and case ids."""
        return (self.mode, self.recording_set, self.cases_sha256)


class KeptRun(_Model):
    """One kept run as the list shows it."""

    id: str = Field(pattern=r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")  # a folder and a file name
    started_at: dt.datetime
    kept_at: dt.datetime
    identity: RunIdentity
    raw_drafts: int
    raw_compliant: int
    final_compliant: int
    repairs: int
    fallbacks: int


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def identify(results: RunResults) -> RunIdentity:
    """The identity of ``results``: its mode, recording set, case ids, templates, prompts,
    policies (id -> version and hash, from each case's verdict) and provenance."""
    cases = sorted(results.cases, key=lambda case: case.id)
    policies = {
        case.verdict.policy_version.split("@")[0]: (
            f"{case.verdict.policy_version.split('@', 1)[1]} {case.verdict.policy_sha256[:12]}"
        )
        for case in cases
        if case.verdict is not None
    }
    return RunIdentity(
        mode=results.run.mode,
        recording_set=results.run.recording_set,
        cases=len(cases),
        cases_sha256=_digest([case.id for case in cases]),
        template_version=results.run.template_version,
        prompts_sha256=_digest([f"{case.id} {case.prompt_sha256}" for case in cases]),
        policies=dict(sorted(policies.items())),
        provenance=dict(results.run.provenance),
    )


def changes(before: RunResults, after: RunResults) -> list[str]:
    """What changed from ``before`` to ``after``, one line each: the template version, the
    rendered prompts, each policy, and each provenance entry (model, server, source, dates)."""
    old, new = identify(before), identify(after)
    found = []
    if old.template_version != new.template_version:
        found.append(f"templates: {old.template_version} -> {new.template_version}")
    prompts = {case.id: case.prompt_sha256 for case in before.cases}
    moved = [c.id for c in after.cases if c.id in prompts and prompts[c.id] != c.prompt_sha256]
    if moved:
        shown = ", ".join(moved[:5]) + (f" and {len(moved) - 5} more" if len(moved) > 5 else "")
        found.append(f"rendered prompts: {len(moved)} of {len(after.cases)} changed ({shown})")
    for policy in sorted(old.policies.keys() | new.policies.keys()):
        was, now = old.policies.get(policy, "none"), new.policies.get(policy, "none")
        if was != now:
            found.append(f"policy {policy}: {was} -> {now}")
    for entry in sorted(old.provenance.keys() | new.provenance.keys()):
        was, now = old.provenance.get(entry, "none"), new.provenance.get(entry, "none")
        if was != now:
            found.append(f"{entry}: {was} -> {now}")
    return found


class RunHistory:
    """The kept runs in ``directory``, oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def keep(self, results: RunResults) -> KeptRun:
        """Keep ``results`` as a new run and return its entry."""
        text = results.model_dump_json()
        kept_at = dt.datetime.now(dt.UTC)
        run_id = f"{kept_at:%Y%m%d-%H%M%S}-{_digest([text, kept_at.isoformat()])[:6]}"
        folder = self.directory / run_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _RESULTS).write_bytes(gzip.compress(text.encode(), compresslevel=6))
        summary = results.summary
        kept = KeptRun(
            id=run_id,
            started_at=results.run.started_at,
            kept_at=kept_at,
            identity=identify(results),
            raw_drafts=summary.raw_drafts,
            raw_compliant=summary.raw_compliant,
            final_compliant=summary.final_compliant,
            repairs=summary.repairs,
            fallbacks=summary.fallbacks,
        )
        (folder / "run.json").write_text(kept.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return kept

    def runs(self) -> list[KeptRun]:
        """Every kept run, oldest first; a folder without a readable ``run.json`` is skipped
        (a run being written, or something else)."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob("*/run.json"):
            try:
                found.append(KeptRun.model_validate_json(path.read_text(encoding="utf-8")))
            except (OSError, ValidationError):
                continue
        return sorted(found, key=lambda run: run.kept_at)

    def load(self, run_id: str) -> RunResults:
        """The results of the kept run ``run_id``.

        Raises:
            HistoryError: no such run.
            ResultsError: its results file is unreadable.
        """
        path = self.directory / run_id / _RESULTS
        if "/" in run_id or not path.is_file():
            raise HistoryError(f"no kept run '{run_id}' in {self.directory}")
        return load_results(path)

    def previous(self, run: KeptRun) -> KeptRun | None:
        """The latest run kept before ``run`` that is comparable with it, if any."""
        earlier = [
            other
            for other in self.runs()
            if other.identity.key == run.identity.key and other.kept_at < run.kept_at
        ]
        return earlier[-1] if earlier else None
