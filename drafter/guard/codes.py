"""The stable violation codes the guard reports.

Codes are ``family.name`` strings. They are part of the public contract: the pipeline feeds
them back to the model on repair, evals count them and dashboards group by them, so a code is
never renamed, only added.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Code"]


class Code(StrEnum):
    """One kind of way a draft can break its verdict."""

    # Decision contradictions.
    APPROVAL_LANGUAGE = "decision.approval_language"
    DECLINE_LANGUAGE = "decision.decline_language"
    FULL_REFUND_ON_PARTIAL = "decision.full_refund_on_partial"
    # Figures and offers.
    UNSUPPORTED_AMOUNT = "figure.amount"
    UNSUPPORTED_PERCENT = "figure.percent"
    UNSUPPORTED_DATE = "figure.date"
    UNSUPPORTED_TIMEFRAME = "figure.timeframe"
    OFFER_NOT_ALLOWED = "offer.not_allowed"
    # Disclosures.
    MISSING_DISCLOSURE = "disclosure.missing"
    FORBIDDEN_CLAIM = "disclosure.forbidden"
    # Leaks and injected content.
    URL = "leak.url"
    EMAIL = "leak.email"
    PHONE = "leak.phone"
    CANARY = "leak.canary"
    INTERNAL_ID = "leak.internal_id"
    PROMPT_TEXT = "leak.prompt_text"
    HTML = "leak.html"
    CONTROL_CHAR = "leak.control_char"
    INJECTION_ECHO = "injection.echo"
    # Form.
    WRONG_LANGUAGE = "form.language"
    UNSUPPORTED_LOCALE = "form.unsupported_locale"
    TOO_SHORT = "form.too_short"
    TOO_LONG = "form.too_long"
    MISSING_GREETING = "form.greeting"
    MISSING_NAME = "form.name_missing"
    WRONG_NAME = "form.name_wrong"
    MISSING_SUBJECT = "form.subject_missing"
