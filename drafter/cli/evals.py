"""``drafter eval run|runs|compare|view|stale|reference``: offline evals of drafts over recorded
outputs, and the history of runs."""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drafter.cli.options import AsJson, registry
from drafter.errors import UserError
from drafter.evals.cases import EvalCase, load_cases
from drafter.evals.compare import compare_runs
from drafter.evals.config import EvalConfig, load_config
from drafter.evals.gate import Regression, regressions
from drafter.evals.history import KeptRun, RunHistory, changes
from drafter.evals.judge import (
    JudgeSession,
    RubricAgreement,
    StaleJudgement,
    find_stale_judge,
    judge_reference,
    judge_run,
    open_session,
)
from drafter.evals.judge.scripted import SCRIPTED_JUDGE_MODEL, SCRIPTED_JUDGE_SERVER, always_yes
from drafter.evals.parallel import run_eval_parallel
from drafter.evals.recordings import load_recordings
from drafter.evals.reference import ScorerAccuracy, accuracy, load_reference, score_reference
from drafter.evals.reports import (
    comparison_json,
    print_comparison,
    print_summary,
    write_html,
    write_junit,
)
from drafter.evals.results import CaseResult, RunResults, load_results
from drafter.evals.runner import Mode, RecordSpec, run_eval
from drafter.evals.scripted import SCRIPTED_SERVER, load_answers, scripted_responder
from drafter.evals.stale import StaleCase, find_all_stale
from drafter.evals.viewer import build_site
from drafter.evals.viewer import serve as serve_viewer
from drafter.phrase.prompting import PromptRenderer
from drafter.settings import Settings
from drafter.testing.llm_server import ScriptedLLM, run_llm_server

__all__ = ["app"]

app = typer.Typer(
    help="Score drafts over the eval cases, offline, and compare runs.", no_args_is_help=True
)
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="The eval config (default: evals/config.yaml).")
]


RecordingSet = Annotated[
    str | None,
    typer.Option("--recordings", "-r", help="The recording set (default: the config's)."),
]


def _config(path: Path | None) -> EvalConfig:
    return load_config(path)


def _cases(config: EvalConfig, pattern: str | None) -> list[EvalCase]:
    cases = load_cases(config.cases_dir, registry())
    if pattern is None:
        return cases
    chosen = [case for case in cases if fnmatch.fnmatch(case.id, pattern)]
    if not chosen:
        raise UserError(f"--case: no case id matches '{pattern}'")
    return chosen


RecordFlag = Annotated[
    bool,
    typer.Option(
        "--record",
        help="Call the endpoint in DRAFTER_LLM_BASE_URL / DRAFTER_LLM_MODEL and rewrite the "
        "recordings.",
    ),
]
TemplateFlag = Annotated[
    bool, typer.Option("--template", help="No model: score the templated replies.")
]
ScriptedFlag = Annotated[
    bool,
    typer.Option(
        "--scripted",
        help="Record from the local scripted test server answering with the exemplary answers "
        "of evals/reference/scripted.yaml (labelled scripted, never a model's output).",
    ),
]
CaseGlob = Annotated[str | None, typer.Option("--case", help="Only case ids matching this glob.")]
OutDir = Annotated[
    Path, typer.Option("--out", help="Where results.json, junit.xml and report.html go.")
]
SourceOption = Annotated[
    Literal["model", "scripted"],
    typer.Option(help="With --record: the text is a real model's, or scripted by a person."),
]
ServerOption = Annotated[
    str | None,
    typer.Option(help="With --record: what serves the endpoint, with version and flags."),
]
NoteOption = Annotated[str | None, typer.Option(help="With --record: a note kept in each file.")]
StaleOnlyFlag = Annotated[
    bool, typer.Option("--stale-only", help="With --record: only cases whose recording is stale.")
]
RunsOption = Annotated[
    Path | None,
    typer.Option("--runs", help="Where runs are kept (default: the config's runs directory)."),
]
KeepFlag = Annotated[
    bool,
    typer.Option(
        "--keep/--no-keep", help="Keep the run in the history and compare it with the previous."
    ),
]
FailOnRegression = Annotated[
    bool,
    typer.Option(
        help="Exit 1 on a regression in raw drafts or final replies, repairs, fallbacks, "
        "tokens or latency (rules: the config's regression section)."
    ),
]
JudgeOption = Annotated[
    str | None,
    typer.Option(
        "--judge",
        help="Also ask the LLM judge each rubric of evals/rubrics/, replaying the answers of "
        "this judge set (a name under evals/judgements/, or a path).",
    ),
]
JudgeRecordFlag = Annotated[
    bool,
    typer.Option(
        "--judge-record",
        help="With --judge: call the judge at DRAFTER_JUDGE_BASE_URL / DRAFTER_JUDGE_MODEL "
        "and rewrite the set's answers (--server, --source and --note label them).",
    ),
]
JudgeScriptedFlag = Annotated[
    bool,
    typer.Option(
        "--judge-scripted",
        help="With --judge: record from the local scripted server answering yes to every "
        "question (a stand-in for the plumbing, labelled scripted, never a model).",
    ),
]
JobsOption = Annotated[
    int,
    typer.Option(min=0, help="Worker processes for replay and template runs (0: one per CPU)."),
]


@app.command(name="run")
def run(
    config: ConfigOption = None,
    recordings: RecordingSet = None,
    record: RecordFlag = False,
    template: TemplateFlag = False,
    scripted: ScriptedFlag = False,
    case: CaseGlob = None,
    out: OutDir = Path("artifacts/eval"),
    source: SourceOption = "model",
    server: ServerOption = None,
    note: NoteOption = None,
    stale_only: StaleOnlyFlag = False,
    jobs: JobsOption = 0,
    runs: RunsOption = None,
    keep: KeepFlag = True,
    fail_on_regression: FailOnRegression = False,
    judge: JudgeOption = None,
    judge_record: JudgeRecordFlag = False,
    judge_scripted: JudgeScriptedFlag = False,
) -> None:
    """Run the cases through the pipeline (replay by default) and score raw and final replies;
    keep the run and compare it with the previous comparable one (same mode, recording set and
    case ids), saying what changed.

    Exits 1 unless every final reply is compliant, or, with --fail-on-regression, on a
    regression since the previous comparable run.
    """
    eval_config = _config(config)
    if sum((record, template, scripted)) > 1:
        raise UserError("--record, --scripted and --template: choose one")
    judging = _judging(judge, judge_record, judge_scripted, server, source, note)
    if record and (judge_record or judge_scripted):
        raise UserError("--judge-record: record the drafts first, then judge them in replay")
    if record and not server:
        raise UserError("--server: say what serves the endpoint, for the provenance")
    chosen = _cases(eval_config, case)
    if stale_only:
        chosen = _stale_cases(chosen, eval_config, recordings)
        if not chosen:
            Console().print("nothing to record: no case is stale", highlight=False)
            return
    if scripted:
        results = _record_scripted(chosen, eval_config, recordings or "scripted-reference")
    else:
        mode: Mode = "record" if record else ("template" if template else "replay")
        spec = RecordSpec(source=source, server=server or "", note=note) if record else None
        workers = (os.cpu_count() or 1) if jobs == 0 else jobs
        results = _run_with_progress(
            chosen, eval_config, Settings(), mode, recordings, spec, jobs=workers
        )
    if judging is not None:
        results = _judge_run(results, eval_config, judging)
    _report(results, out)
    found = _keep_and_compare(results, eval_config, runs) if keep else []
    if results.summary.final_compliant < results.summary.cases:
        raise typer.Exit(1)
    if fail_on_regression and found:
        raise typer.Exit(1)


@dataclass(frozen=True)
class _Judging:
    """What ``--judge`` asks for: the set, and how to label what recording writes (None:
    replay); ``scripted``: record from the local always-yes stand-in."""

    name: str
    record: RecordSpec | None
    scripted: bool


def _judging(
    name: str | None,
    record: bool,
    scripted: bool,
    server: str | None,
    source: Literal["model", "scripted"],
    note: str | None,
) -> _Judging | None:
    if name is None:
        if record or scripted:
            raise UserError("--judge-record and --judge-scripted need --judge SET")
        return None
    if scripted:
        spec = RecordSpec(source="scripted", server=SCRIPTED_JUDGE_SERVER, note=note)
        return _Judging(name, spec, scripted=True)
    if record and not server:
        raise UserError("--server: say what serves the judge's endpoint, for the provenance")
    chosen = RecordSpec(source=source, server=server or "", note=note) if record else None
    return _Judging(name, chosen, scripted=False)


@contextmanager
def _judge_session(config: EvalConfig, judging: _Judging) -> Iterator[JudgeSession]:
    """The judge session ``judging`` asks for, with the scripted server running if it is the
    judge."""
    if not judging.scripted:
        yield open_session(config, judging.name, settings=Settings(), record=judging.record)
        return
    with run_llm_server(ScriptedLLM(responder=always_yes)) as server:
        settings = Settings(judge_base_url=server.base_url, judge_model=SCRIPTED_JUDGE_MODEL)
        yield open_session(config, judging.name, settings=settings, record=judging.record)


def _judge_run(results: RunResults, config: EvalConfig, judging: _Judging) -> RunResults:
    with _judge_session(config, judging) as session:
        judged = asyncio.run(judge_run(session, results, judging.name))
    verb = "recorded" if judging.record else "replayed"
    Console().print(
        f"judge: {verb} set '{judging.name}' ({len(session.rubrics.rubrics)} rubrics) in "
        f"{session.directory}",
        highlight=False,
    )
    return judged


def _history(config: EvalConfig, runs: Path | None) -> RunHistory:
    return RunHistory(runs or config.runs_dir)


def _keep_and_compare(
    results: RunResults, config: EvalConfig, runs: Path | None
) -> list[Regression]:
    """Keep ``results`` and compare it with the previous comparable run; the regressions."""
    history = _history(config, runs)
    kept = history.keep(results)
    console = Console()
    console.print(f"kept as run {kept.id} in {history.directory}", highlight=False)
    previous = history.previous(kept)
    if previous is None:
        console.print("no earlier comparable run (same mode, recording set and case ids)")
        return []
    before = history.load(previous.id)
    console.print(
        f"compared with run {previous.id} (same mode, recording set and "
        f"{kept.identity.cases} cases); what changed:",
        highlight=False,
    )
    for line in changes(before, results) or ["nothing in templates, prompts, policies or model"]:
        console.print(f"  {line}", highlight=False, markup=False)
    comparison = compare_runs(before, results)
    found = regressions(comparison, config.regression)
    print_comparison(console, comparison, found, changed_only=True)
    return found


def _report(results: RunResults, out: Path) -> None:
    results.write(out / "results.json")
    write_junit(results, out / "junit.xml")
    write_html(results, out / "report.html")
    console = Console()
    print_summary(console, results)
    console.print(
        f"wrote {out}/results.json, junit.xml, report.html", highlight=False, soft_wrap=True
    )


def _stale_cases(cases: list[EvalCase], config: EvalConfig, name: str | None) -> list[EvalCase]:
    directory = config.recordings_dir / (name or config.default_recording)
    recordings = load_recordings(directory) if directory.is_dir() else {}
    renderer = PromptRenderer.from_settings(Settings())
    stale = asyncio.run(find_all_stale(cases, recordings, renderer, config))
    ids = {entry.case for entry in stale}
    return [case for case in cases if case.id in ids]


def _record_scripted(cases: list[EvalCase], config: EvalConfig, name: str) -> RunResults:
    """Record the cases that have exemplary answers from the local scripted server."""
    answers = load_answers(config.reference_dir)
    chosen = [case for case in cases if case.id in answers]
    if not chosen:
        raise UserError("--scripted: none of the chosen cases has an exemplary answer")
    renderer = PromptRenderer.from_settings(Settings())
    script = ScriptedLLM(responder=scripted_responder(chosen, answers, renderer))
    spec = RecordSpec(source="scripted", server=SCRIPTED_SERVER)
    with run_llm_server(script) as server:
        settings = Settings(llm_base_url=server.base_url, llm_model="scripted-model")
        return _run_with_progress(chosen, config, settings, "record", name, spec)


def _run_with_progress(
    cases: list[EvalCase],
    config: EvalConfig,
    settings: Settings,
    mode: Mode,
    recordings: str | None,
    spec: RecordSpec | None,
    *,
    jobs: int = 1,
) -> RunResults:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(f"{mode} {len(cases)} cases", total=len(cases))

        def advance(_result: CaseResult) -> None:
            progress.advance(task)

        # Worker processes pay off only for enough cases; recording is one call at a time.
        if jobs > 1 and mode != "record" and len(cases) >= 50:
            return run_eval_parallel(
                cases,
                config=config,
                settings=settings,
                mode=mode,
                jobs=jobs,
                recording_set=recordings,
                on_case=advance,
            )
        return asyncio.run(
            run_eval(
                cases,
                config=config,
                settings=settings,
                mode=mode,
                recording_set=recordings,
                record=spec,
                on_case=advance,
            )
        )


@app.command(name="stale")
def stale(
    config: ConfigOption = None,
    recordings: RecordingSet = None,
    as_json: AsJson = False,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="Also list this judge set's stale answers (for the recording set's replies "
            "and the reference set): a changed rubric or reply, or another judge model than "
            "DRAFTER_JUDGE_MODEL.",
        ),
    ] = None,
) -> None:
    """List the cases whose rendered prompt changed since they were recorded (and with
    --judge, the judge answers that are stale); exit 1 if any."""
    eval_config = _config(config)
    name = recordings or eval_config.default_recording
    cases = load_cases(eval_config.cases_dir, registry())
    recorded = load_recordings(eval_config.recordings_dir / name)
    renderer = PromptRenderer.from_settings(Settings())
    found = asyncio.run(find_all_stale(cases, recorded, renderer, eval_config))
    judged = None
    if judge is not None:
        replies = load_reference(eval_config.reference_dir)
        judged = asyncio.run(
            find_stale_judge(
                eval_config,
                judge,
                cases=cases,
                drafts=(name, recorded),
                reference=replies,
                model=Settings().judge_model,
            )
        )
    if as_json:
        listed = [_stale_json(entry) for entry in found]
        shown: object = (
            listed
            if judged is None
            else {
                "recordings": listed,
                "judge": [dataclasses.asdict(entry) for entry in judged],
            }
        )
        typer.echo(json.dumps(shown, indent=2))
    else:
        _print_stale(Console(), found, name)
        if judged is not None:
            _print_stale_judge(Console(), judged, judge or "")
    if found or judged:
        raise typer.Exit(1)


def _print_stale_judge(console: Console, found: list[StaleJudgement], name: str) -> None:
    if not found:
        console.print(f"judge set '{name}': every answer is up to date", highlight=False)
        return
    console.print(f"judge set '{name}': {len(found)} stale answer(s)", highlight=False)
    for entry in found:
        what = "" if entry.rubric == "*" else f" {entry.rubric} on the {entry.reply} reply:"
        console.print(
            f"  {entry.group}/{entry.subject}:{what} {entry.reason}", highlight=False, markup=False
        )
    console.print(
        "record them with: drafter eval run --judge SET --judge-record (cases) or drafter eval "
        "reference --judge SET --judge-record (reference replies)",
        highlight=False,
    )


def _stale_json(entry: StaleCase) -> dict[str, object]:
    return {
        "case": entry.case,
        "reason": entry.reason,
        "recorded": entry.recorded,
        "current": entry.current,
    }


def _print_stale(console: Console, found: list[StaleCase], name: str) -> None:
    if not found:
        console.print(f"recording set '{name}': every case is up to date", highlight=False)
        return
    console.print(f"recording set '{name}': {len(found)} stale case(s)", highlight=False)
    for entry in found:
        console.print(f"  {entry.case}: {entry.reason}", highlight=False, markup=False)
    console.print("re-record them with: drafter eval run --record --case <id>", highlight=False)


def _run_results(reference: str, history: RunHistory) -> RunResults:
    """A results file's path, or the id of a kept run."""
    path = Path(reference)
    if path.exists() or path.suffix in (".json", ".gz") or "/" in reference:
        return load_results(path)
    return history.load(reference)


@app.command(name="compare")
def compare(
    a: Annotated[str, typer.Argument(help="The baseline: a results.json, or a kept run's id.")],
    b: Annotated[str, typer.Argument(help="The candidate: a results.json, or a kept run's id.")],
    config: ConfigOption = None,
    runs: RunsOption = None,
    as_json: AsJson = False,
    fail_on_regression: FailOnRegression = False,
) -> None:
    """Pair two runs case by case, raw drafts and final replies: rates with McNemar's exact p,
    repairs, fallbacks, tokens and latency, and the regressions by the config's rules."""
    eval_config = _config(config)
    history = _history(eval_config, runs)
    comparison = compare_runs(_run_results(a, history), _run_results(b, history))
    found = regressions(comparison, eval_config.regression)
    if as_json:
        typer.echo(json.dumps(comparison_json(comparison, found), indent=2))
    else:
        print_comparison(Console(), comparison, found)
    if fail_on_regression and found:
        raise typer.Exit(1)


@app.command(name="runs")
def runs_command(
    config: ConfigOption = None, runs: RunsOption = None, as_json: AsJson = False
) -> None:
    """List the kept runs, oldest first, with what each ran on and its compliance."""
    history = _history(_config(config), runs)
    kept = history.runs()
    if as_json:
        typer.echo(json.dumps([run.model_dump(mode="json") for run in kept], indent=2))
        return
    console = Console()
    console.print(f"{len(kept)} kept run(s) in {history.directory}, oldest first", highlight=False)
    for run in kept:
        console.print(_run_line(run), highlight=False, markup=False)


def _run_line(run: KeptRun) -> str:
    """What a run ran on (prompts: the template version and the digest of every rendered
    prompt) and how compliant it was. ``--json`` adds the policies and the provenance."""
    ident = run.identity
    return (
        f"{run.id}  {ident.mode} {ident.recording_set or '-'}, {ident.cases} cases: "
        f"raw drafts {run.raw_compliant}/{run.raw_drafts} compliant, "
        f"final {run.final_compliant}/{ident.cases}, fell back {run.fallbacks}; "
        f"prompts {ident.template_version}/{ident.prompts_sha256[:8]}, "
        f"model {Path(ident.provenance.get('model', '-')).name}"
    )


@app.command(name="view")
def view(
    config: ConfigOption = None,
    runs: RunsOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the viewer as a static site here instead of serving."),
    ] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1.")] = 8765,
) -> None:
    """Browse the kept runs: a run list, a case x run matrix with filters, and each case's
    message, verdict, prompt, drafts and scores. Serves on 127.0.0.1 until interrupted, or
    writes a static site with --out; no network either way."""
    history = _history(_config(config), runs)
    console = Console()
    if out is not None:
        index = build_site(history, out)
        console.print(
            f"wrote {index} ({len(history.runs())} runs)", highlight=False, soft_wrap=True
        )
        return
    try:
        with serve_viewer(history, port=port) as address:
            console.print(f"serving {len(history.runs())} runs at {address} (Ctrl-C stops)")
            threading.Event().wait()
    except KeyboardInterrupt:
        return
    except OSError as error:  # the port is taken: the only OSError serving can raise here
        raise UserError(f"--port {port}: {error.strerror or error}") from None


@app.command(name="reference")
def reference(
    config: ConfigOption = None,
    holdout: Annotated[
        bool, typer.Option(help="Score the held-out replies instead of the main set.")
    ] = False,
    as_json: AsJson = False,
    judge: JudgeOption = None,
    judge_record: JudgeRecordFlag = False,
    judge_scripted: JudgeScriptedFlag = False,
    source: SourceOption = "model",
    server: ServerOption = None,
    note: NoteOption = None,
) -> None:
    """Per-scorer accuracy on the labelled reference replies; exit 1 unless each tone scorer
    separates the good replies from the bad ones with the flaw it targets. With --judge, the
    judge's agreement with the labels too, rubric by rubric (accuracy and Cohen's kappa)."""
    settings = _config(config)
    judging = _judging(judge, judge_record, judge_scripted, server, source, note)
    cases = load_cases(settings.cases_dir, registry())
    directory = settings.reference_dir / "holdout" if holdout else settings.reference_dir
    replies = load_reference(directory)
    rows = accuracy(score_reference(replies, cases, settings))
    agreed = None
    if judging is not None:
        group = "reference-holdout" if holdout else "reference"
        with _judge_session(settings, judging) as session:
            agreed = asyncio.run(judge_reference(session, replies, cases, group))
    if as_json:
        scorers = [_accuracy_json(row) for row in rows]
        shown: object = (
            scorers
            if agreed is None
            else {
                "scorers": scorers,
                "judge": [_agreement_json(row) for row in agreed],
            }
        )
        typer.echo(json.dumps(shown, indent=2))
    else:
        _print_accuracy(Console(), rows, str(directory))
        if agreed is not None:
            _print_agreement(Console(), agreed, judge or "")
    if not holdout and not all(row.separated for row in rows):
        raise typer.Exit(1)


def _agreement_json(row: RubricAgreement) -> dict[str, object]:
    return {
        "rubric": row.rubric,
        "targets": list(row.targets),
        "judged": row.judged,
        "accuracy": None if row.accuracy is None else round(row.accuracy, 4),
        "kappa": None if row.kappa is None else round(row.kappa, 4),
        "good_yes": row.good_yes,
        "good_judged": row.good_judged,
        "bad_no": row.bad_no,
        "bad_judged": row.bad_judged,
        "unparsed": row.unparsed,
        "not_judged": row.not_judged,
        "disagreed": list(row.disagreed),
    }


def _print_agreement(console: Console, rows: list[RubricAgreement], name: str) -> None:
    if not any(row.judged or row.unparsed for row in rows):
        console.print(
            f"judge set '{name}': no recorded answers for these reference replies; record them "
            "with --judge-record",
            highlight=False,
        )
        return
    table = Table(title=f"Judge '{name}' against the reference labels")
    headers = ("rubric", "targets", "good: yes", "bad: no", "accuracy", "kappa", "unparsed")
    for header in (*headers, "not judged"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            row.rubric,
            ", ".join(row.targets),
            f"{row.good_yes}/{row.good_judged}",
            f"{row.bad_no}/{row.bad_judged}",
            "n/a" if row.accuracy is None else f"{row.accuracy:.3f}",
            "n/a" if row.kappa is None else f"{row.kappa:.3f}",
            str(row.unparsed),
            str(row.not_judged),
        )
    console.print(table)


def _accuracy_json(row: ScorerAccuracy) -> dict[str, object]:
    return {
        "scorer": row.scorer,
        "targets": list(row.targets),
        "accuracy": round(row.accuracy, 4),
        "good_passed": row.good_passed,
        "good_total": row.good_total,
        "bad_failed": row.bad_failed,
        "bad_total": row.bad_total,
        "misjudged": list(row.misjudged),
    }


def _print_accuracy(console: Console, rows: list[ScorerAccuracy], where: str) -> None:
    table = Table(title=f"Reference set: {where}")
    for header in ("scorer", "targets", "good passed", "bad caught", "accuracy", "misjudged"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            row.scorer,
            ", ".join(row.targets),
            f"{row.good_passed}/{row.good_total}",
            f"{row.bad_failed}/{row.bad_total}",
            f"{row.accuracy:.3f}",
            ", ".join(row.misjudged) or "-",
        )
    console.print(table)
