"""The brief: what a reply may say, taken from a Request and its Verdict, localized.

Both the LLM prompts and the templated fallback render from a :class:`Brief`, so they show the
same figures in the same form. Every money amount, percentage and date is already formatted
for the customer's locale (``drafter.phrase.formatting``): the model copies figures, it never
computes them.

The brief deliberately leaves out what a customer must never see: rule ids, the trace, the
escalation's internal reason and the handoff summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from babel import Locale

from drafter.phrase.formatting import LocaleFormatter, language_of
from drafter.phrase.markers import expected_markers
from drafter.schemas import Decision, Fee, Mention, Nouns, Offer, Refund, Request, Verdict
from drafter.text import linear

__all__ = [
    "Brief",
    "CustomerMessage",
    "FeeView",
    "OfferView",
    "RefundView",
    "Said",
    "build_brief",
]

# Zero-width, bidi and other invisible format characters a message can hide instructions in.
_INVISIBLE = linear.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


_DECIDED = (Decision.approve, Decision.partial, Decision.decline)


@dataclass(frozen=True, slots=True)
class FeeView:
    id: str
    label: str
    amount: str
    text: str | None = None  # the pack's words for the fee ("the first night")


@dataclass(frozen=True, slots=True)
class RefundView:
    amount: str
    gross: str
    destination: str
    fees: tuple[FeeView, ...]
    destination_text: str | None = None  # the pack's words for the destination


@dataclass(frozen=True, slots=True)
class Said:
    """One of the verdict's own texts (a reason or a disclosure), with the id its marker uses."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class OfferView:
    id: str
    kind: str
    amount: str | None
    percent: str | None
    cap: str | None
    terms: str
    label: str | None = None  # the pack's words for the offer's kind


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    """The customer's text, untrusted. ``fence`` is a tag derived from the text itself, so a
    message cannot contain its own closing marker; ``removed`` counts invisible characters
    stripped out."""

    text: str
    fence: str
    removed: int


@dataclass(frozen=True, slots=True)
class Brief:
    """Everything the templates may use, already localized. Build it with :func:`build_brief`."""

    language: str
    language_name: str
    customer_language: str
    customer_language_name: str
    channel: str
    decision: str
    customer_name: str
    ticket_id: str | None
    # The pack's words (None when it does not translate them): the case as "your booking",
    # its reference, the ask; what the model is told about the case, and the items it lists.
    case_phrase: str | None
    reference: str | None
    ask_noun: str | None
    mentions: tuple[Mention, ...]
    items: tuple[str, ...]
    ask_kind: str
    ask_reason: str | None
    refund: RefundView | None
    offers: tuple[OfferView, ...]
    escalation_target: str | None
    needs: tuple[str, ...]
    must_say: tuple[str, ...]
    must_not_say: tuple[str, ...]
    reasons: tuple[str, ...]
    rationale: tuple[Said, ...]
    disclosures: tuple[Said, ...]
    markers: tuple[str, ...]
    message: CustomerMessage
    # The conversation before the message, oldest first: (author, fenced text).
    thread: tuple[tuple[str, CustomerMessage], ...]


def build_brief(request: Request, verdict: Verdict) -> Brief:
    """Localize what ``verdict`` allows for ``request``'s customer, channel and locale.

    A customer language without a phrasebook gets English commitments (``language`` "en";
    ``customer_language`` keeps theirs, in which the model writes its own words).

    Raises:
        RequestError: the request's locale is unknown (field ``locale``).
    """
    fmt = LocaleFormatter.for_locale(request.locale)
    refund: RefundView | None = None
    offers: tuple[OfferView, ...] = ()
    # Escalate and needs_info have no outcome yet: a refund or offer the verdict carries there is
    # only the reviewer's recommended option, which the reply must not anticipate.
    nouns = verdict.nouns or Nouns()
    if verdict.decision in _DECIDED:
        refund = _refund_view(verdict.refund, fmt, nouns)
        offers = tuple(_offer_view(offer, fmt, nouns) for offer in verdict.offers)
    message, thread = _conversation(request)
    return Brief(
        language=fmt.language,
        language_name=fmt.language_name,
        customer_language=language_of(request.locale),
        customer_language_name=_english_name(request.locale),
        channel=request.channel.value,
        decision=verdict.decision.value,
        customer_name=request.customer.name,
        ticket_id=request.ticket_id,
        case_phrase=nouns.case,
        reference=nouns.reference,
        ask_noun=nouns.ask,
        mentions=tuple(nouns.mentions),
        items=tuple(nouns.details),
        ask_kind=request.ask.kind,
        ask_reason=request.ask.reason,
        refund=refund,
        offers=offers,
        escalation_target=verdict.escalation.target if verdict.escalation else None,
        # The customer is asked only what is needed whatever their other answers are.
        needs=tuple(need.question for need in verdict.needs if not need.depends_on),
        must_say=tuple(item.text for item in verdict.must_say),
        must_not_say=tuple(item.text for item in verdict.must_not_say),
        reasons=_unique(rationale.text for rationale in verdict.rationale),
        rationale=tuple(Said(r.rule, r.text) for r in verdict.rationale),
        disclosures=tuple(Said(d.id, d.text) for d in verdict.must_say),
        markers=expected_markers(verdict),
        message=message,
        thread=thread,
    )


def _english_name(locale: str) -> str:
    """``Italian`` for ``it-IT``: the customer's language, named for instructions in English."""
    return str(Locale.parse(language_of(locale)).english_name)


def _conversation(
    request: Request,
) -> tuple[CustomerMessage, tuple[tuple[str, CustomerMessage], ...]]:
    """The message and the turns before it, without invisible characters, all fenced with one
    tag derived from every text of the conversation, so none of them can contain it."""
    texts = [*(turn.text for turn in request.thread), request.message]
    cleaned = [_INVISIBLE.subn("", text) for text in texts]
    fence = hashlib.sha256("\x00".join(text for text, _ in cleaned).encode()).hexdigest()[:10]
    fenced = [CustomerMessage(text.strip(), fence, removed) for text, removed in cleaned]
    authors = [turn.author for turn in request.thread]
    return fenced[-1], tuple(zip(authors, fenced[:-1], strict=True))


def _refund_view(refund: Refund | None, fmt: LocaleFormatter, nouns: Nouns) -> RefundView | None:
    if refund is None:
        return None
    return RefundView(
        amount=fmt.money(refund.amount),
        gross=fmt.money(refund.gross),
        destination=refund.destination,
        fees=tuple(_fee_view(fee, fmt, nouns) for fee in refund.fees),
        destination_text=nouns.destinations.get(refund.destination),
    )


def _fee_view(fee: Fee, fmt: LocaleFormatter, nouns: Nouns) -> FeeView:
    return FeeView(
        id=fee.id,
        label=fee.id.replace("_", " "),
        amount=fmt.money(fee.amount),
        text=nouns.fees.get(fee.id),
    )


def _offer_view(offer: Offer, fmt: LocaleFormatter, nouns: Nouns) -> OfferView:
    return OfferView(
        id=offer.id,
        kind=offer.kind,
        amount=fmt.money(offer.amount) if offer.amount else None,
        percent=fmt.percent(offer.percent) if offer.percent is not None else None,
        cap=fmt.money(offer.cap) if offer.cap else None,
        terms=offer.terms,
        label=nouns.offers.get(offer.kind),
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Keep the first occurrence of each string, in order."""
    return tuple(dict.fromkeys(values))
