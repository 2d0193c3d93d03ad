"""The objects that cross stage boundaries: Request in, Verdict out of the checker, Draft and
ComplianceReport out of the phrasing stage.

All are strict pydantic models that refuse unknown fields. Money is ``Decimal``: amounts in a
request are in its case's currency; amounts in a verdict carry it.
JSON floats are refused for money, so no amount ever passes through binary floating point, and
a string amount is written with the ASCII digits alone (``Decimal`` by itself would also read
"١٢٣", "1_000", " 12 " and "1e3").
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

__all__ = [
    "Amount",
    "Ask",
    "Channel",
    "ComplianceReport",
    "Customer",
    "Decision",
    "Disclosure",
    "Draft",
    "DraftClaims",
    "Escalation",
    "Fee",
    "GrantedException",
    "Handoff",
    "Mention",
    "Money",
    "Need",
    "Nouns",
    "Offer",
    "PolicyRef",
    "Provenance",
    "Rationale",
    "Refund",
    "Request",
    "Signals",
    "Stage",
    "StepResult",
    "Tone",
    "TraceStep",
    "Turn",
    "Verdict",
    "Violation",
    "exact_number",
]

MAX_AMOUNT = Decimal("10000000")
MAX_MESSAGE_CHARS = 20_000
MAX_TURNS = 50


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def _cents(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if value.is_signed():  # "-0" too
        raise ValueError("must not be negative")
    if value > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT}")
    if _decimals(value) > 2:  # "12.500" too: the document says two
        raise ValueError("must have at most two decimal places")
    return value


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# What a number written as a string may look like: ASCII digits, a minus sign, a point.
NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
# What an amount may look like, once ``_cents`` has checked it too.
MONEY_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"
_NUMBER = re.compile(NUMBER_PATTERN)


def exact_number(value: object) -> object:
    """Let through a JSON integer, or a string of ASCII digits with an optional minus sign and
    point: never a float, which cannot hold cents exactly, and never what ``Decimal`` alone
    would also read ("١٢٣", "1_000", " 12 ", "1e3")."""
    if isinstance(value, float):
        raise ValueError('must be a string such as "12.50" or an integer, never a float')
    if isinstance(value, bool) or (isinstance(value, str) and not _NUMBER.fullmatch(value)):
        raise ValueError('must be written with the digits 0-9 and a point, such as "12.50"')
    return value


# JSON strings ("49.99") or integers, as the document says.
Amount = Annotated[
    Decimal,
    Field(strict=False),
    BeforeValidator(exact_number),
    AfterValidator(_cents),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": MONEY_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": int(MAX_AMOUNT)},
            ],
            "description": f"At most {MAX_AMOUNT}, with at most two decimals; never a float.",
        }
    ),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Id = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=2_000)]
Count = Annotated[int, Field(ge=0, le=100_000)]


def _moment(value: object) -> dt.date:
    """A date, or a datetime with a time zone: never a naive time, which could be any zone."""
    problem = "must be a date (2026-12-02) or a datetime (2026-12-02T10:00:00Z)"
    if isinstance(value, dt.date):
        moment = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            moment = (dt.datetime if len(value) > 10 else dt.date).fromisoformat(value)
        except ValueError:
            raise ValueError(problem) from None
    else:
        raise ValueError(problem)
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        raise ValueError("a datetime needs a time zone, as in 2026-12-02T10:00:00Z")
    return moment


# Validated in the function before the union, so an error names ``as_of`` itself.
Moment = Annotated[AwareDatetime | dt.date, BeforeValidator(_moment)]
# A word from a closed list that a policy's domain declares (ask kinds, reasons, destinations).
Token = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]


class Channel(StrEnum):
    email = "email"
    chat = "chat"
    phone = "phone"


class Tone(StrEnum):
    """The register an agent may ask the drafter for; absent, the house voice alone applies."""

    warm = "warm"
    neutral = "neutral"
    brief = "brief"


class Decision(StrEnum):
    approve = "approve"
    partial = "partial"
    decline = "decline"
    escalate = "escalate"
    needs_info = "needs_info"


# --- Request -----------------------------------------------------------------------------


class Customer(Strict):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    tier: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    tenure_days: Count | None = None
    refunds_last_12_months: Count | None = None


class Ask(Strict):
    kind: Token = Field(description="What the customer asks for: one of the policy's ask kinds.")
    reason: Token | None = Field(None, description="One of the policy's reasons.")
    amount: Amount | None = Field(None, description="The amount the customer asks for.")


class Signals(Strict):
    """Facts about the conversation, set by the agent or a deterministic detector."""

    legal_threat: bool = False
    chargeback_threat: bool = False
    abusive_language: bool = False


class GrantedException(Strict):
    id: Id
    role: Literal["agent", "supervisor"]
    granted_by: Annotated[str, Field(min_length=1, max_length=200)]
    amount: Amount | None = None
    note: Text | None = None


class Turn(Strict):
    """One earlier message of the conversation: untrusted text, like ``message``."""

    author: Literal["customer", "agent"]
    text: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]


# A case field's path (``order.status``), and where its value came from: a pack's lookup
# (``lookup:shopify-order``, read by POST /v1/lookups) or the agent.
CasePath = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", max_length=200)
]
Source = Annotated[str, StringConstraints(pattern=r"^(agent|lookup:[a-z][a-z0-9-]{0,79})$")]


class Request(Strict):
    """Everything the checker may know about one ticket. ``message`` is untrusted text."""

    ticket_id: Id | None = None
    channel: Channel = Channel.email
    locale: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    as_of: Moment = Field(
        description="When the request is decided: a datetime with a time zone "
        "(2026-12-02T10:00:00Z), or a date (2026-12-02). A policy that counts hours needs the "
        "datetime."
    )
    customer: Customer
    case: dict[str, Any] | None = Field(
        None,
        description="The domain's data (an order, a booking, a contract), checked against the "
        "schema of the policy's pack (GET /v1/policies/{id}).",
    )
    ask: Ask
    signals: Signals = Field(default_factory=Signals)
    exception: GrantedException | None = None
    message: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] = ""
    thread: Annotated[tuple[Turn, ...], Field(max_length=MAX_TURNS)] = Field(
        (),
        description="The conversation before `message`, oldest first, each turn the "
        "customer's or an agent's. The draft reads it for context; `message` is what it answers.",
    )
    provenance: Annotated[dict[CasePath, Source], Field(max_length=500)] = Field(
        default_factory=dict,
        description="Where case values came from, by field (order.status: "
        "lookup:shopify-order, or agent for a value the agent typed or corrected). Checked "
        "against the pack's case and lookups, and kept with the request in the audit log; it "
        "never changes the verdict.",
    )

    @property
    def today(self) -> dt.date:
        """The day of ``as_of``, in its own time zone."""
        return self.as_of.date() if isinstance(self.as_of, dt.datetime) else self.as_of


# --- Verdict -----------------------------------------------------------------------------


class Money(Strict):
    amount: Decimal
    currency: Currency


class Fee(Strict):
    id: str
    amount: Money


class Refund(Strict):
    amount: Money
    destination: Token
    gross: Money
    fees: list[Fee] = Field(default_factory=list)


class Offer(Strict):
    id: str
    kind: str
    amount: Money | None = None
    percent: Decimal | None = None
    cap: Money | None = None
    terms: str


class Disclosure(Strict):
    id: str
    text: str


class Rationale(Strict):
    rule: str
    text: str


class Need(Strict):
    """A fact the decision waits for, and the question that asks for it."""

    fact: str
    question: str
    rule: str | None = Field(None, description="The first rule that reads the fact.")
    depends_on: list[str] = Field(
        default_factory=list,
        description="Facts asked for before it whose answers decide whether it matters: empty "
        "when it is needed whatever they are. A reply asks the customer only the facts with none.",
    )


Stage = Literal["gate", "outcome", "escalation", "flag", "exception", "cap"]
StepResult = Literal["fired", "passed", "unknown", "waived", "granted", "capped"]


class TraceStep(Strict):
    rule: str
    stage: Stage
    result: StepResult
    facts: dict[str, str | None]


class Handoff(Strict):
    facts: dict[str, str | None]
    rules_fired: list[str]
    options_considered: list[str]
    recommended: str


class Escalation(Strict):
    target: Token
    reason: str
    summary: Handoff


class Mention(Strict):
    """One thing the model is told about the case (``order_reference``: ``o-5001``). A
    ``token`` comes from a closed list and is shown as it is; other text is quoted."""

    label: str
    value: str | list[str]
    token: bool = False


class Nouns(Strict):
    """A pack's words for the reply, in the customer's language when the pack translates
    them (None otherwise, and the phrasebook's own neutral words stand in): what the customer
    calls their case (as the phrase ``your booking``), its reference, the ask, and how each
    refund destination, offer kind and fee reads. ``mentions`` are what the model is told about
    the case, and ``ids`` the case's own ids, which a reply may name."""

    case: str | None = None
    reference: str | None = None
    mentions: list[Mention] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list)

    @property
    def details(self) -> list[str]:
        """The listed things the model is told of (an order's items), which a reply names."""
        return [v for m in self.mentions if isinstance(m.value, list) for v in m.value]

    ask: str | None = None
    destinations: dict[str, str] = Field(default_factory=dict)
    offers: dict[str, str] = Field(default_factory=dict)
    fees: dict[str, str] = Field(default_factory=dict)


class PolicyRef(Strict):
    id: str
    version: str
    sha256: str


class Verdict(Strict):
    decision: Decision
    rule: str = Field(description="The gate or outcome rule that decided.")
    currency: str
    refund: Refund | None = None
    offers: list[Offer] = Field(default_factory=list)
    escalation: Escalation | None = None
    needs: list[Need] = Field(default_factory=list)
    must_say: list[Disclosure] = Field(default_factory=list)
    must_not_say: list[Disclosure] = Field(default_factory=list)
    rationale: list[Rationale] = Field(default_factory=list)
    trace: list[TraceStep] = Field(default_factory=list)
    policy: PolicyRef
    as_of: Moment
    nouns: Nouns | None = Field(None, description="A pack's words for the reply.")


# --- Draft and compliance ----------------------------------------------------------------


class DraftClaims(Strict):
    """What a draft says it does: the decision it states and the markers it placed (``offer:ID``,
    without brackets). The guard compares them with the text, never trusts them instead of it."""

    decision: Decision | None = None
    markers: list[str] = Field(default_factory=list)


class Provenance(Strict):
    provider: str
    model: str
    template_version: str
    verdict_sha256: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    llm_calls: int = 0


class Draft(Strict):
    subject: str | None = None
    body: str
    claims: DraftClaims = Field(default_factory=DraftClaims)
    provenance: Provenance
    templated: bool = False


class Violation(Strict):
    code: str
    message: str
    start: int
    end: int
    excerpt: str


class ComplianceReport(Strict):
    passed: bool
    violations: list[Violation] = Field(default_factory=list)
