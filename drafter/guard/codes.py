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

    # Markers: the commitments the verdict calls for, each exactly once, and no other.
    MARKER_MISSING = "marker.missing"
    MARKER_NOT_ALLOWED = "marker.not_allowed"
    MARKER_REPEATED = "marker.repeated"
    MARKER_BROKEN = "marker.broken"
    CLAIMS_CONTRADICTED = "marker.claims"
    # The model's own words commit to nothing.
    FREE_DECISION = "free.decision"
    FREE_MONEY = "free.money"
    FREE_PROMISE = "free.promise"
    FREE_FAULT = "free.fault"
    FREE_COMPLETENESS = "free.completeness"
    FREE_TIMING = "free.timing"
    FREE_FIGURE = "free.figure"

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
    TOO_SHORT = "form.too_short"
    TOO_LONG = "form.too_long"
    MISSING_GREETING = "form.greeting"
    MISSING_NAME = "form.name_missing"
    WRONG_NAME = "form.name_wrong"
    MISSING_SUBJECT = "form.subject_missing"
    MARKUP = "form.markup"
    REGISTER = "form.register"
