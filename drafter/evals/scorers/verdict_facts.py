"""Verdict facts: an independent compliance check that re-derives what the reply must say
from the verdict alone, without the guard's code or lexicons.

Facts checked:

- the decision is stated in plain words;
- a reply that grants nothing contains no granting claim ("we'll refund", "full refund")
  outside a negated or conditional sentence;
- an approval or partial refund states the refund amount; a partial one also the fee or the
  gross amount it is taken from;
- every ``must_say`` disclosure is present: each of its figures, and its key words in the
  reply's language when the lexicon has them, or the disclosure word for word (a disclosure
  with no figure and no key words cannot be checked, and fails);
- no ``must_not_say`` claim is made;
- an escalation names who takes it over; a request for information asks for it;
- every amount and percentage written in the reply comes from the verdict or the request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from drafter.evals.lexicon import lexicon, phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target
from drafter.evals.scorers.decision import decision_phrases
from drafter.evals.text import amount_in, parse_number
from drafter.schemas import Decision, Disclosure

__all__ = ["VERDICT_FACTS", "check_facts"]

_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# A written amount: a currency sign or code next to a number, or a number with cents, or a
# percentage.
_MONEY = re.compile(
    r"(?:[$€£]\s?|\b(?:USD|EUR|GBP)\s?)(\d+(?:[.,  ]\d{3})*(?:[.,]\d{1,2})?)"
    r"|(\d+(?:[.,  ]\d{3})*(?:[.,]\d{1,2})?)\s?(?:[$€£%]|\b(?:USD|EUR|GBP|dollars?|euros?)\b)"
    r"|(?<![\d.,])(\d+[.,]\d{2})(?![\d.,]*\d)"
)


def _numbers(text: str) -> set[Decimal]:
    parsed = (parse_number(token) for token in _DIGITS.findall(text))
    return {number for number in parsed if number is not None}


def _written_amounts(text: str) -> list[tuple[str, Decimal]]:
    found = []
    for match in _MONEY.finditer(text):
        token = next(group for group in match.groups() if group)
        number = parse_number(token)
        if number is not None:
            found.append((match.group(0).strip(), number))
    return found


def _stated(target: Target) -> Iterator[str]:
    if not any(
        lexicon.any(target.reply.text)
        for lexicon in decision_phrases(target.decision, target.language)
    ):
        yield f"the decision ({target.decision.value}) is not stated"


def _granting(target: Target) -> Iterator[str]:
    if target.decision in (Decision.approve, Decision.partial):
        return
    claims = phrases("compliance", "grant_claim", target.language)
    negation = phrases("compliance", "negation", target.language)
    for sentence in target.reply.sentences:
        found = claims.find(sentence)
        if found and not negation.any(sentence):
            yield f"claims a grant the {target.decision.value} does not give: '{found[0]}'"


def _refund(target: Target) -> Iterator[str]:
    refund = target.verdict.refund
    if refund is None or target.decision not in (Decision.approve, Decision.partial):
        return
    numbers = target.reply.numbers
    if not amount_in(refund.amount.amount, numbers):
        yield f"the refund amount {refund.amount.amount} is not stated"
    for fee in refund.fees:
        if not amount_in(fee.amount.amount, numbers) and not amount_in(
            refund.gross.amount, numbers
        ):
            yield f"the {fee.id} fee ({fee.amount.amount}) is not disclosed"


def _disclosure_missing(disclosure: Disclosure, target: Target) -> str | None:
    figures = _numbers(disclosure.text)
    missing = [f for f in sorted(figures) if not amount_in(f, target.reply.numbers)]
    concept = f"disclosure_{disclosure.id}"
    has_words = concept in lexicon("compliance")
    if not figures and not has_words:
        return f"disclosure '{disclosure.id}' has no figure or key words to check it by"
    if missing:
        return f"disclosure '{disclosure.id}' lacks {', '.join(str(f) for f in missing)}"
    said = has_words and phrases("compliance", concept, target.language).any(target.reply.text)
    # Word for word in the policy's own wording (an untranslated policy text) also discloses
    # the fact; the language scorer flags the sentence in another language.
    if has_words and not said and _verbatim(disclosure.text) not in _verbatim(target.reply.text):
        return f"disclosure '{disclosure.id}' is missing"
    return None


def _verbatim(text: str) -> str:
    return " ".join(text.lower().split())


def _disclosures(target: Target) -> Iterator[str]:
    for disclosure in target.verdict.must_say:
        problem = _disclosure_missing(disclosure, target)
        if problem:
            yield problem


def _forbidden(target: Target) -> Iterator[str]:
    for claim in target.verdict.must_not_say:
        if claim.id not in lexicon("compliance"):
            yield f"forbidden claim '{claim.id}' has no lexicon to check it by"
            continue
        found = phrases("compliance", claim.id, target.language).find(target.reply.text)
        if found:
            yield f"makes the forbidden claim '{claim.id}': '{found[0]}'"


def _handoff(target: Target) -> Iterator[str]:
    escalation = target.verdict.escalation
    if target.decision == Decision.escalate and escalation is not None:
        concept = f"escalation_{escalation.target}"
        if not phrases("compliance", concept, target.language).any(target.reply.text):
            yield f"does not say the request goes to {escalation.target}"
    asks = phrases("decision", "needs_info", target.language).any(target.reply.text)
    if target.decision == Decision.needs_info and not asks:
        needed = ", ".join(need.fact for need in target.verdict.needs)
        yield f"does not ask for what is missing ({needed})"


def _figures(target: Target) -> Iterator[str]:
    allowed = target.facts.allowed_numbers
    for written, number in _written_amounts(target.reply.text):
        if number not in allowed:
            yield f"the figure '{written}' comes from neither the verdict nor the request"


def check_facts(target: Target) -> list[str]:
    """Every fact the verdict requires that the reply gets wrong, as messages."""
    checks = (_stated, _granting, _refund, _disclosures, _forbidden, _handoff, _figures)
    return [problem for check in checks for problem in check(target)]


def _score(target: Target) -> Outcome:
    problems = check_facts(target)
    if problems:
        return Outcome(value=0.0, passed=False, reason="; ".join(problems))
    return Outcome(value=1.0, passed=True, reason="every fact the verdict requires is there")


VERDICT_FACTS = Scorer(
    name="verdict_facts",
    family="compliance",
    hard=True,
    targets=(),
    description="Re-derives the decision, amounts, disclosures and forbidden claims from the "
    "verdict and checks the reply for each.",
    function=_score,
)
