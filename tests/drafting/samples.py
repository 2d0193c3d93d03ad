"""Hand-built requests and verdicts for the drafting tests, one per decision.

They do not depend on the policy engine: each verdict is what a retail policy would plausibly
return for its request, written out in full.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from drafter.schemas import (
    Decision,
    Disclosure,
    Escalation,
    Fee,
    Handoff,
    Mention,
    Money,
    Need,
    Nouns,
    Offer,
    PolicyRef,
    Rationale,
    Refund,
    Request,
    TraceStep,
    Verdict,
)

AS_OF = dt.date(2026, 11, 20)
POLICY = PolicyRef(id="retail-standard", version="2026.11.1", sha256="ab" * 32)

REFUND_TIMING = Disclosure(
    id="refund_timing",
    text="Refunds reach the original payment method within 5 to 10 business days.",
)
NO_FAULT = Disclosure(
    id="admission_of_fault", text="Any admission of fault, liability or negligence."
)


# What the retail pack tells the reply about the order (its words are left to the phrasebook).
NOUNS = Nouns(
    reference="W-2378156",
    mentions=[
        Mention(label="order_reference", value="W-2378156"),
        Mention(label="items_concerned", value=["Trail running shoes"]),
    ],
    ids=["W-2378156", "i1"],
)


# How the retail pack calls the order in each language (the German is dative, after "zu").
CASE_WORDS = {
    "en": "your order",
    "es": "su pedido",
    "fr": "votre commande",
    "de": "Ihrer Bestellung",
}


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def request(
    *, locale: str = "en", channel: str = "email", message: str = "", **ask: Any
) -> Request:
    """A one-item order for Ana Ruiz; ``ask`` overrides the ask's fields."""
    return Request.model_validate(
        {
            "ticket_id": "T-1042",
            "channel": channel,
            "locale": locale,
            "as_of": "2026-11-20",
            "customer": {"id": "c1", "name": "Ana Ruiz", "tier": "standard"},
            "case": {
                "order": {
                    "id": "W-2378156",
                    "status": "delivered",
                    "currency": "USD" if locale == "en" else "EUR",
                    "placed_on": "2026-09-28",
                    "delivered_on": "2026-10-02",
                    "items": [
                        {
                            "id": "i1",
                            "name": "Trail running shoes",
                            "price": "59.00",
                            "condition": "opened",
                            "final_sale": False,
                            "custom": False,
                        }
                    ],
                    "shipping_fee": "0.00",
                    "payments": [{"method_id": "card-1", "amount": "59.00", "kind": "payment"}],
                },
                "change": {"item_ids": ["i1"]},
            },
            "ask": {"kind": "refund", "reason": "changed_mind", **ask},
            "message": message,
        },
        strict=False,
    )


def _trace(rule: str, stage: str = "outcome") -> list[TraceStep]:
    return [TraceStep(rule=rule, stage=stage, result="fired", facts={"days": "49"})]  # type: ignore[arg-type]


def approve(money=usd) -> Verdict:  # type: ignore[no-untyped-def]
    return Verdict(
        nouns=NOUNS,
        decision=Decision.approve,
        rule="within_window",
        currency=money("0").currency,
        refund=Refund(amount=money("59.00"), destination="original_payment", gross=money("59.00")),
        must_say=[REFUND_TIMING],
        rationale=[
            Rationale(
                rule="within_window", text="Items can be returned within 30 days of delivery."
            )
        ],
        trace=_trace("within_window"),
        policy=POLICY,
        as_of=AS_OF,
    )


def partial(money=usd) -> Verdict:  # type: ignore[no-untyped-def]
    return Verdict(
        nouns=NOUNS,
        decision=Decision.partial,
        rule="opened_item",
        currency=money("0").currency,
        refund=Refund(
            amount=money("50.15"),
            destination="original_payment",
            gross=money("59.00"),
            fees=[Fee(id="restocking", amount=money("8.85"))],
        ),
        offers=[
            Offer(
                id="store_credit",
                kind="store_credit",
                amount=money("59.00"),
                terms="Store credit for the full item price, valid for 12 months.",
            )
        ],
        must_say=[REFUND_TIMING],
        rationale=[
            Rationale(
                rule="opened_item",
                text="Opened items can be returned for a refund minus a 15% restocking fee.",
            )
        ],
        trace=_trace("opened_item"),
        policy=POLICY,
        as_of=AS_OF,
    )


def decline(money=usd) -> Verdict:  # type: ignore[no-untyped-def]
    return Verdict(
        nouns=NOUNS,
        decision=Decision.decline,
        rule="outside_window",
        currency=money("0").currency,
        offers=[
            Offer(
                id="store_credit",
                kind="store_credit",
                amount=money("59.00"),
                terms="Store credit for the full item price, valid for 12 months.",
            ),
            Offer(
                id="goodwill_discount",
                kind="discount",
                percent=Decimal("10"),
                cap=money("20.00"),
                terms="10% off your next order.",
            ),
        ],
        rationale=[
            Rationale(
                rule="outside_window",
                text="Returns are accepted within 30 days of delivery, so that returned stock can "
                "still be resold as new.",
            )
        ],
        trace=_trace("outside_window", "gate"),
        policy=POLICY,
        as_of=AS_OF,
    )


def escalate_legal(money=usd) -> Verdict:  # type: ignore[no-untyped-def]
    return Verdict(
        nouns=NOUNS,
        decision=Decision.escalate,
        rule="legal_threat",
        currency=money("0").currency,
        escalation=Escalation(
            target="legal",
            reason="The customer threatened legal action.",
            summary=Handoff(
                facts={"legal_threat": "true"},
                rules_fired=["legal_threat"],
                options_considered=["decline"],
                recommended="decline",
            ),
        ),
        must_not_say=[NO_FAULT],
        rationale=[
            Rationale(
                rule="legal_threat",
                text="Requests that mention legal action are reviewed by a specialist team.",
            )
        ],
        trace=_trace("legal_threat", "escalation"),
        policy=POLICY,
        as_of=AS_OF,
    )


def needs_info(money=usd) -> Verdict:  # type: ignore[no-untyped-def]
    return Verdict(
        nouns=NOUNS,
        decision=Decision.needs_info,
        rule="needs_info",
        currency=money("0").currency,
        needs=[Need(fact="item_condition", question="Has the item been opened or used?")],
        rationale=[],
        trace=[],
        policy=POLICY,
        as_of=AS_OF,
    )


VERDICTS = {
    "approve": approve,
    "partial": partial,
    "decline": decline,
    "escalate": escalate_legal,
    "needs_info": needs_info,
}


def case(
    decision: str, locale: str = "en", channel: str = "email", message: str = ""
) -> tuple[Request, Verdict]:
    """The request and verdict for one decision, in a locale (EUR outside English) and channel."""
    money = usd if locale == "en" else eur
    verdict = VERDICTS[decision](money)
    nouns = NOUNS.model_copy(update={"case": CASE_WORDS[locale[:2]]})
    return request(locale=locale, channel=channel, message=message), verdict.model_copy(
        update={"nouns": nouns}
    )
