"""Write the kept runs as a static site::

    index.html               the viewer: inline script and styles, nothing fetched
    data/index.js            every run and, per case, its outcome in each run (the matrix)
    data/runs/<run id>.js    one run's cases in full, loaded when a case is opened

The data are JavaScript files, not JSON, because a page opened from a file:// URL may load a
script beside it but not fetch a file. Every text a case carries (the customer's message, the
drafts) is untrusted: the page only ever sets it as text, never as markup.
"""

from __future__ import annotations

import json
from pathlib import Path

from drafter.evals.history import KeptRun, RunHistory
from drafter.evals.results import CaseResult, ReplyResult, RunResults

__all__ = ["build_site", "index_script", "page", "run_script"]

_PAGE = Path(__file__).parent / "viewer.html"


def _script(variable: str, key: str | None, value: object) -> str:
    # ensure_ascii keeps U+2028 and anything else exotic out of the script text, and "</"
    # never closes anything in a .js file; the page reads the values as data.
    data = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    if key is None:
        return f"window.{variable} = {data};\n"
    target = f"window.{variable}"
    return f"{target} = {target} || {{}};\n{target}[{json.dumps(key)}] = {data};\n"


def _run_row(run: KeptRun) -> dict[str, object]:
    ident = run.identity
    return {
        "id": run.id,
        "started": run.started_at.isoformat(),
        "mode": ident.mode,
        "set": ident.recording_set,
        "cases": ident.cases,
        "raw_drafts": run.raw_drafts,
        "raw_compliant": run.raw_compliant,
        "final_compliant": run.final_compliant,
        "fallbacks": run.fallbacks,
        "repairs": run.repairs,
        "templates": ident.template_version,
        "prompts": ident.prompts_sha256[:8],
        "policies": ident.policies,
        "model": ident.provenance.get("model", ""),
    }


def _failing(reply: ReplyResult | None) -> list[str]:
    return [] if reply is None else reply.failing


def _outcome(case: CaseResult) -> dict[str, object]:
    """One matrix cell: compliance of the raw draft (None: no draft) and the final reply, what
    the pipeline did, and the scorers that failed."""
    return {
        "raw": None if case.raw is None else case.raw.compliant,
        "final": case.final.compliant,
        "fallback": case.fallback,
        "repaired": case.repaired,
        "raw_failing": _failing(case.raw),
        "final_failing": _failing(case.final),
    }


def _facts(case: CaseResult) -> dict[str, object]:
    return {
        "id": case.id,
        "title": case.title,
        "policy": case.policy,
        "language": case.language,
        "channel": case.channel,
        "decision": case.decision,
    }


def _index(runs: list[tuple[KeptRun, RunResults]]) -> dict[str, object]:
    """The runs, the scorers, and per case its facts and its outcome in each run it was in."""
    facts: dict[str, dict[str, object]] = {}
    cells: dict[str, dict[str, object]] = {}
    scorers: dict[str, None] = {}
    for kept, results in runs:
        scorers.update(dict.fromkeys(s.scorer for s in results.summary.scorers))
        for case in results.cases:
            facts.setdefault(case.id, _facts(case))
            cells.setdefault(case.id, {})[kept.id] = _outcome(case)
    return {
        "runs": [_run_row(kept) for kept, _ in runs],
        "scorers": list(scorers),
        "cases": [{**facts[case_id], "runs": cells[case_id]} for case_id in sorted(facts)],
    }


def _cases(results: RunResults) -> dict[str, object]:
    return {case.id: case.model_dump(mode="json") for case in results.cases}


def index_script(runs: list[tuple[KeptRun, RunResults]]) -> str:
    """``data/index.js`` for ``runs``: the run list and the case x run matrix."""
    return _script("DRAFTER_INDEX", None, _index(runs))


def run_script(kept: KeptRun, results: RunResults) -> str:
    """``data/runs/<run id>.js``: one run's cases in full."""
    return _script("DRAFTER_RUN_DATA", kept.id, _cases(results))


def page() -> str:
    """``index.html``: the viewer itself."""
    return _PAGE.read_text(encoding="utf-8")


def build_site(history: RunHistory, out: Path) -> Path:
    """Write the viewer of every run in ``history`` to ``out``; return its index.html.

    Raises:
        ResultsError: a kept run's results file is unreadable.
    """
    runs = [(kept, history.load(kept.id)) for kept in history.runs()]
    folder = out / "data" / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    for kept, results in runs:
        (folder / f"{kept.id}.js").write_text(run_script(kept, results), encoding="utf-8")
    (out / "data" / "index.js").write_text(index_script(runs), encoding="utf-8")
    index = out / "index.html"
    index.write_text(page(), encoding="utf-8")
    return index
