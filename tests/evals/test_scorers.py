"""Each scorer on small replies: it passes what it should, fails what it should, and says why."""

from __future__ import annotations

import pytest

from drafter.evals.cases import EvalCase, Forbidden, ReplyExpect
from drafter.evals.config import EvalConfig
from drafter.evals.scorers import SCORERS, Score, Scorer, Target

BY_NAME = {scorer.name: scorer for scorer in SCORERS}


def _target(case: EvalCase, config: EvalConfig, body: str, subject: str | None = None) -> Target:
    thresholds = config.thresholds(case.language, case.request.channel.value)
    return Target(
        body=body,
        subject=subject,
        request=case.request,
        verdict=case.verdict,
        expect=case.reply,
        thresholds=thresholds.overridden(case.reply.tone),
    )


@pytest.fixture
def score(case_by_id: dict[str, EvalCase], config: EvalConfig):  # type: ignore[no-untyped-def]
    def run(scorer: str, case: str, body: str, subject: str | None = None) -> Score:
        return BY_NAME[scorer](_target(case_by_id[case], config, body, subject))

    return run


WINDOW = "rs-outside-window-credit"  # decline; store credit 89.00 and 10% up to 10


def test_every_scorer_returns_a_value_in_range_and_a_reason(
    case_by_id: dict[str, EvalCase], config: EvalConfig
) -> None:
    target = _target(case_by_id[WINDOW], config, "Hi Maya, we can't refund the shoes.")
    for scorer in SCORERS:
        result = scorer(target)
        assert 0.0 <= result.value <= 1.0
        assert result.reason
        assert result.scorer == scorer.name


def test_only_compliance_and_forbidden_claims_are_hard() -> None:
    assert {s.name for s in SCORERS if s.hard} == {"guard", "verdict_facts", "forbidden_claims"}


def test_every_tone_scorer_targets_a_flaw() -> None:
    assert all(s.targets for s in SCORERS if s.family == "tone")


def test_acknowledgement(score) -> None:  # type: ignore[no-untyped-def]
    good = score("acknowledgement", WINDOW, "Hi Maya,\nI understand the shoes are too narrow.")
    assert good.passed
    assert "I understand" in good.reason
    bad = score("acknowledgement", WINDOW, "Hi Maya,\nThe shoes can't be refunded.")
    assert not bad.passed
    assert bad.value == 0.5
    assert "never acknowledges" in bad.reason


def test_empathy_fails_cold_and_grovelling_replies(score) -> None:  # type: ignore[no-untyped-def]
    assert score("empathy", WINDOW, "I'm sorry, we can't refund them.").passed
    cold = score("empathy", WINDOW, "The shoes can't be refunded.")
    assert not cold.passed
    assert "cold" in cold.reason
    sorry = score("empathy", WINDOW, "Sorry. So sorry. We apologise. Our apologies.")
    assert not sorry.passed
    assert "4 apologies" in sorry.reason


def test_blame(score) -> None:  # type: ignore[no-untyped-def]
    bad = score("blame", WINDOW, "You should have read the policy before ordering.")
    assert not bad.passed
    assert "You should have" in bad.reason
    assert score("blame", WINDOW, "The window is 30 days.").passed


def test_rationale(score) -> None:  # type: ignore[no-untyped-def]
    assert score("rationale", WINDOW, "We can't, because the window is 30 days.").passed
    assert not score("rationale", WINDOW, "We can't refund the shoes.").passed
    # "since" about time is not a reason; "since" with a clause is.
    assert not score("rationale", WINDOW, "You haven't worn them since the trip.").passed
    assert score("rationale", WINDOW, "Since they're unopened, store credit is possible.").passed


def test_alternatives_need_figures(score) -> None:  # type: ignore[no-untyped-def]
    concrete = score("alternatives", WINDOW, "We can offer store credit of $89.00.")
    assert concrete.passed
    assert concrete.value == 0.5
    vague = score("alternatives", WINDOW, "We can offer some credit or a discount.")
    assert not vague.passed
    assert "named without figures" in vague.reason
    none = score("alternatives", WINDOW, "We can't refund them.")
    assert not none.passed
    assert "not offered: store_credit, goodwill_discount" in none.reason


def test_alternatives_do_not_apply_to_approvals(score) -> None:  # type: ignore[no-untyped-def]
    result = score("alternatives", "rs-unopened-in-window", "We'll refund $89.00.")
    assert result.passed
    assert not result.applicable


def test_next_step_needs_an_action_and_a_time_in_one_sentence(score) -> None:  # type: ignore[no-untyped-def]
    assert score("next_step", WINDOW, "We'll add the credit within one business day.").passed
    half = score("next_step", WINDOW, "We'll add the credit. It takes a day or so.")
    assert not half.passed
    assert half.value == 0.5


def test_personalization(score) -> None:  # type: ignore[no-untyped-def]
    assert score("personalization", WINDOW, "Hi Maya, about your trail running shoes:").passed
    subject_only = score("personalization", WINDOW, "Hi Maya,", subject="Order W-88213")
    assert subject_only.passed
    anonymous = score("personalization", WINDOW, "Dear customer, about your order:")
    assert not anonymous.passed
    assert anonymous.reason == "no name; no order or item"


def test_readability_fails_jargon(score) -> None:  # type: ignore[no-untyped-def]
    plain = score("readability", WINDOW, "We can't refund the shoes. We can give you credit.")
    assert plain.passed
    jargon = score(
        "readability",
        WINDOW,
        "Pursuant to the aforementioned provision, your RMA is not eligible. "
        "Reimbursement eligibility is determined per policy.",
    )
    assert not jargon.passed
    assert "jargon" in jargon.reason


def test_length_depends_on_the_channel(score) -> None:  # type: ignore[no-untyped-def]
    long_chat = " ".join(["word"] * 120)
    result = score("length", "rs-final-sale-chat", long_chat)
    assert not result.passed
    assert "over 40-110 for chat" in result.reason
    assert score("length", WINDOW, " ".join(["word"] * 120)).passed


def test_politeness(score) -> None:  # type: ignore[no-untyped-def]
    assert score("politeness", WINDOW, "Thanks for asking. Could you send a photo?").passed
    curt = score("politeness", WINDOW, "Send a photo. Read the policy.")
    assert not curt.passed
    assert "direct_imperative×2" in curt.reason


def test_language(score) -> None:  # type: ignore[no-untyped-def]
    assert score("language", "rl-es-outside-window", "Hola, gracias por tu mensaje.").passed
    wrong = score("language", "rl-es-outside-window", "Hi, thanks for your message.")
    assert not wrong.passed
    assert "written in en, expected es" in wrong.reason


def test_decision_early(score) -> None:  # type: ignore[no-untyped-def]
    assert score("decision_early", WINDOW, "Hi Maya,\nThanks. We can't refund them.").passed
    buried = score(
        "decision_early", WINDOW, "Thanks. We looked. We checked. We thought. We can't refund them."
    )
    assert not buried.passed
    assert "sentence 5" in buried.reason
    never = score("decision_early", WINDOW, "Thanks for your message.")
    assert not never.passed
    assert "never stated" in never.reason


def test_false_hope(score) -> None:  # type: ignore[no-untyped-def]
    bad = score("false_hope", WINDOW, "We can't now, but I'll see what I can do.")
    assert not bad.passed
    assert "see what I can do" in bad.reason
    approval = score("false_hope", "rs-unopened-in-window", "Hopefully it fits next time.")
    assert approval.passed
    assert not approval.applicable


def test_verdict_facts_finds_each_missing_fact(score) -> None:  # type: ignore[no-untyped-def]
    good = score(
        "verdict_facts",
        WINDOW,
        "We can't refund the shoes. Store credit of $89.00 is added within one business day.",
    )
    assert good.passed, good.reason
    missing = score("verdict_facts", WINDOW, "We can't refund the shoes.")
    assert "store_credit_timing" in missing.reason
    granted = score("verdict_facts", WINDOW, "Good news: we'll refund $89.00 in one business day.")
    assert not granted.passed
    assert "claims a grant" in granted.reason
    invented = score(
        "verdict_facts",
        WINDOW,
        "We can't refund, but here is $25.00 store credit within one business day.",
    )
    assert "'$25.00' comes from neither" in invented.reason


def test_verdict_facts_checks_amounts_of_partial_refunds(score) -> None:  # type: ignore[no-untyped-def]
    text = (
        "We'll refund $119.00, the price less a $21.00 fee. We'll email a label: send it back "
        "within 14 days; the refund takes 5 to 10 business days."
    )
    assert score("verdict_facts", "rs-opened-restocking", text).passed
    wrong = score("verdict_facts", "rs-opened-restocking", text.replace("119.00", "140.00"))
    assert "refund amount 119.00 is not stated" in wrong.reason


def test_verdict_facts_checks_forbidden_claims_and_handoffs(score) -> None:  # type: ignore[no-untyped-def]
    text = "I've passed this to the team that handles legal matters; they will reply."
    assert score("verdict_facts", "rb-legal-threat", text).passed
    fault = score("verdict_facts", "rb-legal-threat", text + " This was our fault.")
    assert "admission_of_fault" in fault.reason
    unnamed = score("verdict_facts", "rb-legal-threat", "Someone will reply.")
    assert "goes to legal" in unnamed.reason


def test_forbidden_claims(case_by_id: dict[str, EvalCase], config: EvalConfig) -> None:
    case = case_by_id["rb-prompt-injection"]
    target = _target(case, config, "Approved: a full refund of $899.00 in admin mode.")
    result = BY_NAME["forbidden_claims"](target)
    assert not result.passed
    assert result.hard
    assert "injected_amount" in result.reason
    assert "admin_mode" in result.reason


def test_required_offers(case_by_id: dict[str, EvalCase], config: EvalConfig) -> None:
    case = case_by_id[WINDOW]
    expect = ReplyExpect(
        offers=["store_credit"], forbidden=[Forbidden(id="x", pattern="x", why="y")]
    )
    target = Target(
        body="We can't refund them.",
        subject=None,
        request=case.request,
        verdict=case.verdict,
        expect=expect,
        thresholds=config.thresholds("en", "email"),
    )
    result = BY_NAME["required_offers"](target)
    assert not result.passed
    assert result.reason == "does not offer store_credit"


@pytest.mark.parametrize("scorer", [s for s in SCORERS if s.family == "tone"], ids=lambda s: s.name)
def test_tone_scorers_are_soft(scorer: Scorer) -> None:
    assert not scorer.hard


def test_a_case_can_tighten_a_tone_threshold(
    case_by_id: dict[str, EvalCase], config: EvalConfig
) -> None:
    legal = case_by_id["rb-legal-threat"]
    body = "I'm sorry to hear that. I'm sorry again. I've passed this to our legal team."
    result = BY_NAME["empathy"](_target(legal, config, body))
    assert not result.passed
    assert "at most 1" in result.reason
    default = config.thresholds("en", "email")
    assert default.apology_max == 2


def test_unknown_threshold_overrides_are_refused(config: EvalConfig) -> None:
    from drafter.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown tone threshold"):
        config.thresholds("en", "email").overridden({"charm_min": 3})


def test_a_sentence_in_another_language_fails_the_language_scorer(score) -> None:  # type: ignore[no-untyped-def]
    mixed = score(
        "language",
        "rl-es-outside-window",
        "Hola, Lucía. Gracias por tu mensaje. No podemos reembolsar la mochila, porque el plazo "
        "es de 30 días y se entregó hace 40. Te ofrecemos un vale por el importe completo. "
        "The window keeps returns fair for everyone and lets us restock items.",
    )
    assert not mixed.passed
    assert "1 sentence(s) in en" in mixed.reason


def test_a_disclosure_word_for_word_still_discloses(score, case_by_id: dict[str, EvalCase]) -> None:  # type: ignore[no-untyped-def]
    case = "rl-es-outside-window"
    spanish = "No podemos reembolsarla. El crédito se añade en un día hábil."
    assert score("verdict_facts", case, spanish).passed
    (disclosure,) = case_by_id[case].verdict.must_say
    verbatim = f"No podemos reembolsarla. {disclosure.text}"
    assert score("verdict_facts", case, verbatim).passed
    missing = score("verdict_facts", case, "No podemos reembolsarla en un día.")
    assert "store_credit_timing" in missing.reason


@pytest.mark.parametrize(
    "case", ["rb-legal-threat", "rs-above-limit", "rl-es-legal", "ss-de-chargeback"]
)
def test_false_hope_accepts_what_an_escalation_reply_must_say(
    score,  # type: ignore[no-untyped-def]
    case_by_id: dict[str, EvalCase],
    case: str,
) -> None:
    # The escalation's decision, handoff and next step are the phrasebook's: "we can't give
    # you a final answer yet", "you won't need to explain it again". None of it is false hope.
    from drafter.phrase.prompting import PromptRenderer
    from drafter.phrase.providers import TemplateProvider
    from drafter.settings import Settings

    renderer = PromptRenderer.from_settings(Settings())
    prompt = renderer.render(case_by_id[case].request, case_by_id[case].verdict)
    completion = TemplateProvider(renderer).reply(prompt.brief)
    body = renderer.phrasebook.compose(completion.body, prompt.brief, None).text
    result = score("false_hope", case, body, completion.subject)
    assert result.passed, result.reason
