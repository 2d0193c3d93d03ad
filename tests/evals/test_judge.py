"""The LLM judge's plumbing, against the scripted OpenAI-compatible server over real HTTP with
the real openai SDK: record, replay (no network), staleness, unparsed answers, agreement with
the reference labels, and pairing in ``compare``. No capable judge runs here: the scripted
server answers as each test says."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from drafter.evals.cases import EvalCase
from drafter.evals.compare import compare_runs
from drafter.evals.config import EvalConfig
from drafter.evals.judge import (
    Answer,
    Unparsed,
    cohen_kappa,
    find_stale_judge,
    judge_reference,
    judge_run,
    open_session,
    parse_answer,
)
from drafter.evals.judge.judging import judge_score
from drafter.evals.judge.recordings import load_judgements
from drafter.evals.recordings import load_recordings
from drafter.evals.reference import load_reference
from drafter.evals.results import RunResults
from drafter.evals.runner import RecordSpec, run_eval
from drafter.settings import Settings
from drafter.testing.llm_server import LLMServer, RecordedRequest, Reply, Step
from tests.evals.test_cli import drafter

CHOSEN = ("rs-outside-window-credit", "ss-monthly-cancel")
SPEC = RecordSpec(source="scripted", server="test server", note="judge test")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"answer": "yes", "reason": "It says so."}', Answer("yes", "It says so.")),
        ('  {"reason": "No next step.", "answer": "no"}\n', Answer("no", "No next step.")),
        ('```json\n{"answer": "yes", "reason": "x"}\n```', Unparsed("not a JSON object")),
        ("Yes, it is clear.", Unparsed("not a JSON object")),
        ('["yes", "x"]', Unparsed("not a JSON object")),
        ('{"answer": "Yes", "reason": "x"}', Unparsed('answer "Yes", not "yes" or "no"')),
        ('{"answer": true, "reason": "x"}', Unparsed('answer true, not "yes" or "no"')),
        ('{"answer": "yes", "reason": "  "}', Unparsed("no reason given")),
        ('{"answer": "yes"}', Unparsed("keys ['answer'], not exactly ['answer', 'reason']")),
        (
            '{"answer": "yes", "reason": "x", "score": 5}',
            Unparsed("keys ['answer', 'reason', 'score'], not exactly ['answer', 'reason']"),
        ),
    ],
)
def test_only_the_strict_answer_format_parses(text: str, expected: Answer | Unparsed) -> None:
    assert parse_answer(text) == expected


def test_cohen_kappa_by_hand() -> None:
    assert cohen_kappa([(True, True), (False, False)]) == 1.0
    assert cohen_kappa([(True, True), (True, True), (False, True)]) == 0.0  # always yes
    assert cohen_kappa([(True, True)] * 3) is None  # one answer throughout: undefined
    # 10 pairs: 4 yes/yes, 1 yes/no, 2 no/yes, 3 no/no. Observed 0.7; chance
    # 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa (0.7 - 0.5) / 0.5 = 0.4.
    pairs = [(True, True)] * 4 + [(True, False)] + [(False, True)] * 2 + [(False, False)] * 3
    kappa = cohen_kappa(pairs)
    assert kappa is not None
    assert abs(kappa - 0.4) < 1e-12


def _rubric_of(request: RecordedRequest) -> str:
    user = str(request.messages[1]["content"])
    return user.split("\n", 1)[0]  # "Question: ..."


def _judge_responder(request: RecordedRequest) -> Step:
    """Answers "no" to the decision question, garbles the next-step one, "yes" otherwise."""
    question = _rubric_of(request)
    if "state the decision" in question:
        return Reply({"answer": "no", "reason": "The decision comes late."}, model="judge-x")
    if "what happens next" in question:
        return Reply("Sure! The reply is fine.", model="judge-x")
    return Reply({"answer": "yes", "reason": "Courteous and clear."}, model="judge-x")


@pytest.fixture
def drafts(case_by_id: dict[str, EvalCase], config: EvalConfig) -> RunResults:
    chosen = [case_by_id[case_id] for case_id in CHOSEN]
    return asyncio.run(run_eval(chosen, config=config, settings=Settings(), mode="replay"))


def _settings(server: LLMServer, model: str = "judge-x") -> Settings:
    return Settings(judge_base_url=server.base_url, judge_model=model)


def test_record_then_replay_gives_the_same_scores_without_the_network(
    drafts: RunResults, config: EvalConfig, llm_server: LLMServer, tmp_path: Path
) -> None:
    llm_server.script.responder = _judge_responder
    live = open_session(config, str(tmp_path / "set"), settings=_settings(llm_server), record=SPEC)
    recorded = asyncio.run(judge_run(live, drafts, "set"))
    # 2 cases x 4 rubrics; each raw draft is its final reply here, so each is asked once.
    assert len(llm_server.script.requests) == 8
    asked = llm_server.script.requests[0].body
    assert asked["temperature"] == 0
    assert asked["response_format"]["json_schema"]["name"] == "judgement"
    assert "<<<reply" in asked["messages"][1]["content"]
    files = sorted(p.relative_to(tmp_path) for p in (tmp_path / "set").rglob("*.json"))
    assert files == [Path(f"set/scripted-reference/{case_id}.json") for case_id in sorted(CHOSEN)]

    case = recorded.cases[0]
    assert case.raw is not None
    for reply in (case.raw, case.final):
        decision = reply.score("judge:decision_clear")
        assert decision is not None
        assert (decision.passed, decision.applicable, decision.family) == (False, True, "judge")
        assert decision.reason == "no: The decision comes late. (judge-x)"
        garbled = reply.score("judge:next_step")
        assert garbled is not None
        assert (garbled.unparsed, garbled.applicable, garbled.passed) == (True, False, False)
        assert garbled.reason == "unparsed answer (not a JSON object): 'Sure! The reply is fine.'"
    summary = {row.scorer: row for row in recorded.summary.scorers}
    assert summary["judge:next_step"].unparsed == 4  # 2 cases, raw and final
    assert summary["judge:next_step"].final_applicable == 0  # never counted as a pass
    assert summary["judge:respectful"].final_passed == 2
    assert recorded.summary.final_compliant == drafts.summary.final_compliant  # soft scorers
    assert recorded.run.provenance["judge"] == "set (judge-x)"

    before = len(llm_server.script.requests)
    replay = open_session(config, str(tmp_path / "set"), settings=Settings())
    replayed = asyncio.run(judge_run(replay, drafts, "set"))
    assert len(llm_server.script.requests) == before  # replay never calls the endpoint
    assert replayed.cases == recorded.cases
    assert replayed.run.provenance["judge"] == "set (judge-x)"


def test_a_failed_judge_call_is_recorded_and_not_judged(
    drafts: RunResults, config: EvalConfig, llm_server: LLMServer, tmp_path: Path
) -> None:
    from drafter.testing.llm_server import Fail

    llm_server.script.responder = lambda request: Fail(400, message="no such model")
    session = open_session(config, str(tmp_path), settings=_settings(llm_server), record=SPEC)
    judged = asyncio.run(judge_run(session, drafts, "set"))
    score = judged.cases[0].final.score("judge:respectful")
    assert score is not None
    assert not score.applicable
    assert not score.unparsed
    assert score.reason.startswith("not judged: the judge call failed:")
    assert "400" in score.reason


def test_recording_stops_when_the_judge_cannot_be_reached(
    drafts: RunResults, config: EvalConfig, tmp_path: Path
) -> None:
    from drafter.errors import LLMUnreachable

    settings = Settings(
        judge_base_url="http://127.0.0.1:9/v1", judge_model="judge-x", llm_deadline_s=2
    )
    session = open_session(config, str(tmp_path / "set"), settings=settings, record=SPEC)
    with pytest.raises(LLMUnreachable):
        asyncio.run(judge_run(session, drafts, "set"))
    assert not (tmp_path / "set").exists()  # nothing saved


def _local(config: EvalConfig, tmp_path: Path) -> EvalConfig:
    """The config with a copy of the rubrics to edit."""
    shutil.copytree(config.rubrics_dir, tmp_path / "rubrics")
    return dataclasses.replace(config, rubrics_dir=tmp_path / "rubrics")


def test_stale_when_the_rubric_the_reply_or_the_judge_model_changed(
    drafts: RunResults,
    config: EvalConfig,
    case_by_id: dict[str, EvalCase],
    llm_server: LLMServer,
    tmp_path: Path,
) -> None:
    llm_server.script.responder = _judge_responder
    local = _local(config, tmp_path)
    name = str(tmp_path / "set")
    session = open_session(local, name, settings=_settings(llm_server), record=SPEC)
    asyncio.run(judge_run(session, drafts, "set"))
    chosen = [case_by_id[case_id] for case_id in CHOSEN]
    recordings = load_recordings(local.recordings_dir / "scripted-reference")
    drafted = ("scripted-reference", {c: recordings[c] for c in CHOSEN})

    def stale(model: str | None = "judge-x") -> list[tuple[str, str, str, str]]:
        found = asyncio.run(
            find_stale_judge(local, name, cases=chosen, drafts=drafted, reference=[], model=model)
        )
        return [(e.subject, e.rubric, e.reply, e.reason) for e in found]

    assert stale() == []
    assert stale(model=None) == []
    by_model = "judged by judge-x, the judge is now judge-y"
    assert stale("judge-y") == [(c, "*", "*", by_model) for c in CHOSEN]

    # A changed reply: the recorded first draft of one case says something else now.
    recording = drafted[1][CHOSEN[0]]
    first = recording.calls[0]
    assert first.raw is not None
    changed = first.raw.replace("Dear Maya", "Hello Maya")
    assert changed != first.raw
    calls = [first.model_copy(update={"raw": changed}), *recording.calls[1:]]
    drafted[1][CHOSEN[0]] = recording.model_copy(update={"calls": calls})
    moved = stale()
    # The draft passed the guard, so it is the final reply too: both changed.
    assert {(s, r) for s, _, r, _ in moved} == {(CHOSEN[0], "raw"), (CHOSEN[0], "final")}
    assert {reason for *_, reason in moved} == {
        "the raw reply changed since it was judged",
        "the final reply changed since it was judged",
    }
    assert len(moved) == 8  # every rubric asked about each
    drafted[1][CHOSEN[0]] = recording

    # A changed rubric: only its questions are stale, with that reason.
    path = local.rubrics_dir / "next_step.yaml"
    path.write_text(path.read_text().replace("what happens next", "what comes next"))
    found = stale()
    assert {(s, r, why) for s, r, _, why in found} == {
        (c, "next_step", "the rubric changed since it was recorded") for c in CHOSEN
    }


def test_agreement_with_the_reference_labels(
    config: EvalConfig, cases: list[EvalCase], llm_server: LLMServer, tmp_path: Path
) -> None:
    """A judge that says yes to the good replies and no to the bad ones, except that it
    misses one bad reply and garbles its answer on one good reply: the figures are those
    worked out by hand."""
    replies = load_reference(config.reference_dir)
    bad = [r for r in replies if r.flaw == "no_next_step"]
    good = [r for r in replies if r.label == "good"][:4]
    chosen = good + bad
    assert len(bad) == 3
    missed, garbled = bad[0].body, good[0].body

    def respond(request: RecordedRequest) -> Step:
        user = str(request.messages[1]["content"])
        if garbled in user:
            return Reply("yes")
        is_bad = any(reply.body in user for reply in bad) and missed not in user
        answer = "no" if is_bad else "yes"
        return Reply({"answer": answer, "reason": "By the scripted label."})

    llm_server.script.responder = respond
    name = str(tmp_path / "set")
    session = open_session(config, name, settings=_settings(llm_server), record=SPEC)
    rows = {row.rubric: row for row in asyncio.run(judge_reference(session, chosen, cases))}
    next_step = rows["next_step"]
    assert (next_step.good_yes, next_step.good_judged) == (3, 3)
    assert (next_step.bad_no, next_step.bad_judged) == (2, 3)
    assert next_step.unparsed == 1
    assert next_step.disagreed == (bad[0].id,)
    assert next_step.accuracy == 5 / 6
    # Labels yes,yes,yes,no,no,no; judge yes,yes,yes,yes,no,no: observed 5/6, chance
    # 0.5 * 4/6 + 0.5 * 2/6 = 0.5, kappa (5/6 - 1/2) / (1/2) = 2/3.
    assert next_step.kappa is not None
    assert abs(next_step.kappa - 2 / 3) < 1e-12
    # A rubric that targets none of these flaws is asked about the good replies only.
    assert rows["respectful"].bad_judged == 0
    files = {p.stem for p in (tmp_path / "set" / "reference").glob("*.json")}
    assert files == {reply.id for reply in chosen}

    replayed = open_session(config, name, settings=Settings())
    again = asyncio.run(judge_reference(replayed, chosen, cases))
    assert [row for row in again if row.rubric == "next_step"] == [next_step]


def test_compare_pairs_judge_scores_and_leaves_unparsed_ones_out(
    drafts: RunResults, config: EvalConfig, llm_server: LLMServer, tmp_path: Path
) -> None:
    llm_server.script.responder = _judge_responder
    a = asyncio.run(
        judge_run(
            open_session(config, str(tmp_path / "a"), settings=_settings(llm_server), record=SPEC),
            drafts,
            "a",
        )
    )

    def worse(request: RecordedRequest) -> Step:
        if "respectful" in _rubric_of(request) or "blaming" in _rubric_of(request):
            return Reply({"answer": "no", "reason": "It lectures the customer."})
        if "what happens next" in _rubric_of(request):
            return Reply({"answer": "yes", "reason": "It says what happens next."})
        return _judge_responder(request)

    llm_server.script.responder = worse
    b = asyncio.run(
        judge_run(
            open_session(config, str(tmp_path / "b"), settings=_settings(llm_server), record=SPEC),
            drafts,
            "b",
        )
    )
    comparison = compare_runs(a, b)
    respectful = comparison.rate("judge:respectful", "raw")
    assert respectful is not None
    assert respectful.regressed == tuple(sorted(CHOSEN))
    assert (respectful.rate_a, respectful.rate_b) == (1.0, 0.0)
    unchanged = comparison.rate("judge:decision_clear", "final")
    assert unchanged is not None
    assert (unchanged.paired, unchanged.regressed, unchanged.improved) == (2, (), ())
    garbled_in_a = comparison.rate("judge:next_step", "final")
    assert garbled_in_a is not None
    assert garbled_in_a.paired == 0  # unparsed in A: no pair, neither worse nor better


def test_a_judge_score_is_never_a_silent_pass() -> None:
    from drafter.evals.judge import RubricSet  # noqa: F401 - the front door exports it
    from drafter.evals.judge.rubrics import Rubric

    rubric = Rubric(name="r", question="q", guidance="g", targets=("curt",), sha256="0" * 64)
    assert not judge_score(rubric, None).passed
    assert not judge_score(rubric, None).applicable


def test_eval_run_judges_only_when_asked_and_the_cli_reports_agreement(tmp_path: Path) -> None:
    plain = drafter("run", "--case", "rs-out*", "--out", str(tmp_path / "plain"), "--no-keep")
    assert plain.returncode == 0, plain.stderr
    results = json.loads((tmp_path / "plain" / "results.json").read_text())
    assert not [s for s in results["summary"]["scorers"] if s["scorer"].startswith("judge:")]
    assert "judge" not in results["run"]["provenance"]

    judges = str(tmp_path / "judge")
    args = ("--case", "rs-out*", "--out", str(tmp_path / "judged"), "--no-keep")
    recorded = drafter("run", *args, "--judge", judges, "--judge-scripted")
    assert recorded.returncode == 0, recorded.stderr
    replayed = drafter("run", *args, "--judge", judges)
    assert replayed.returncode == 0, replayed.stderr
    results = json.loads((tmp_path / "judged" / "results.json").read_text())
    judged = [s for s in results["summary"]["scorers"] if s["scorer"].startswith("judge:")]
    assert len(judged) == 4
    assert results["run"]["provenance"]["judge"] == f"{judges} (scripted-always-yes)"

    stale = drafter("stale", "--judge", judges, "--json")
    assert stale.returncode == 1  # the reference set was never judged, the other cases neither
    listed = json.loads(stale.stdout)
    assert listed["recordings"] == []
    assert {
        "group": "reference",
        "subject": "bad-blaming-annual",
        "rubric": "*",
        "reply": "*",
        "reason": "never judged",
    } in listed["judge"]

    agreed = drafter("reference", "--judge", judges, "--judge-scripted", "--json")
    assert agreed.returncode == 0, agreed.stderr
    rows = {row["rubric"]: row for row in json.loads(agreed.stdout)["judge"]}
    # The always-yes stand-in: right on every good reply, wrong on every bad one, kappa 0.
    assert rows["next_step"]["good_yes"] == rows["next_step"]["good_judged"] == 44
    assert (rows["next_step"]["bad_no"], rows["next_step"]["bad_judged"]) == (0, 3)
    assert rows["next_step"]["kappa"] == 0.0
    assert load_judgements(Path(judges))  # recorded where it said
