"""Offline evals of drafts: cases, recorded model outputs, scorers, reports and comparisons.

In the order a run flows::

    config = load_config()                                   # evals/config.yaml
    cases = load_cases(config.cases_dir, registry)           # each verdict checked on load
    results = await run_eval(cases, config=config, settings=Settings(), mode="replay")
    results.write(path)                                      # results.json
    history = RunHistory(config.runs_dir)                    # evals/runs/
    kept = history.keep(results)                             # every run kept
    before = history.load(history.previous(kept).id)         # the previous comparable run
    comparison = compare_runs(before, results)               # raw and final, McNemar p
    found = regressions(comparison, config.regression)       # by evals/config.yaml's rules
    build_site(history, out)                                 # the viewer, a static site

Scorers are small named functions, each returning a value and a reason (``SCORERS``); the
reference set (``load_reference``, ``accuracy``) shows how well each tone scorer tells good
replies from bad ones.
"""

from drafter.evals.cases import EvalCase, load_cases
from drafter.evals.compare import Comparison, compare_runs, mcnemar_exact
from drafter.evals.config import EvalConfig, Thresholds, load_config
from drafter.evals.gate import Regression, regressions
from drafter.evals.history import RunHistory
from drafter.evals.parallel import run_eval_parallel
from drafter.evals.politeness import strategies
from drafter.evals.readability import reading_ease, syllables
from drafter.evals.recordings import Recording, load_recordings
from drafter.evals.reference import accuracy, load_reference, score_reference
from drafter.evals.results import CaseResult, RunResults, load_results
from drafter.evals.runner import EvalRun, RecordSpec, run_eval
from drafter.evals.scorers import SCORERS, Score, Scorer, Target
from drafter.evals.stale import find_stale
from drafter.evals.viewer import build_site

__all__ = [
    "SCORERS",
    "CaseResult",
    "Comparison",
    "EvalCase",
    "EvalConfig",
    "EvalRun",
    "RecordSpec",
    "Recording",
    "Regression",
    "RunHistory",
    "RunResults",
    "Score",
    "Scorer",
    "Target",
    "Thresholds",
    "accuracy",
    "build_site",
    "compare_runs",
    "find_stale",
    "load_cases",
    "load_config",
    "load_recordings",
    "load_reference",
    "load_results",
    "mcnemar_exact",
    "reading_ease",
    "regressions",
    "run_eval",
    "run_eval_parallel",
    "score_reference",
    "strategies",
    "syllables",
]
