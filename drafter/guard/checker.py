"""Running every family of checks over one composed draft (see the package docstring)."""

from __future__ import annotations

from drafter.errors import RequestError
from drafter.guard.commitments import check_free_text, check_markers
from drafter.guard.context import Allowlist, Context
from drafter.guard.form import check_form
from drafter.guard.injection import check_injection
from drafter.guard.leaks import check_leaks
from drafter.guard.text import Text
from drafter.phrase.phrasebook import Composed
from drafter.schemas import ComplianceReport, DraftClaims, Request, Verdict

__all__ = ["check"]

_EXPECTED: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("draft", Composed),
    ("subject", (str, type(None))),
    ("verdict", Verdict),
    ("request", Request),
    ("canary", (str, type(None))),
    ("allowlist", (Allowlist, type(None))),
    ("claims", (DraftClaims, type(None))),
)


def _require_types(*values: object) -> None:
    """Refuse a wrong argument type with an error naming the argument, not a traceback deep
    inside a check."""
    for (name, expected), value in zip(_EXPECTED, values, strict=True):
        if not isinstance(value, expected):
            got = type(value).__name__
            raise RequestError(f"expected {_names(expected)}, got {got}", field=name)


def _names(expected: type | tuple[type, ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join("None" if k is type(None) else k.__name__ for k in kinds)


def _blank_rendered(text: Text, draft: Composed) -> Text:
    """``text`` with the marker sentences blanked out: they are the verdict's own words, so
    the leak, injection and language checks read only what the model wrote."""
    scan = list(text.scan)
    shift = text.body_start
    for part in draft.parts:
        if part.rendered:
            scan[shift + part.start : shift + part.end] = " " * (part.end - part.start)
    return text.masked("".join(scan))


def check(
    *,
    draft: Composed,
    subject: str | None,
    verdict: Verdict,
    request: Request,
    canary: str | None = None,
    allowlist: Allowlist | None = None,
    claims: DraftClaims | None = None,
) -> ComplianceReport:
    """Check one composed draft against its verdict and request.

    Args:
        draft: the draft with its markers rendered (``Phrasebook.compose``).
        subject: the email subject, or None for chat and phone.
        verdict: the decision the draft must state, and nothing beyond it.
        request: the ticket; its channel and locale set the form checks, and its message is
            treated as untrusted input whose injections must not reappear.
        canary: a token planted in the system prompt; seeing it in a draft means the prompt
            leaked.
        allowlist: URLs, emails, phones and HTML tags the draft may contain.
        claims: what the model's structured output says it did, compared with the text.

    Returns:
        A report that passes only when no violation was found. Spans index the composed body
        (or the subject, when the message says so).

    Raises:
        RequestError: an argument has the wrong type (the error names it).
    """
    _require_types(draft, subject, verdict, request, canary, allowlist, claims)
    ctx = Context(
        verdict=verdict, request=request, canary=canary, allowlist=allowlist or Allowlist()
    )
    text = Text(draft.text, subject=subject)
    own = _blank_rendered(text, draft)
    violations = [
        *check_markers(ctx, text, draft, claims),
        *check_free_text(ctx, text, draft, subject),
        *check_leaks(ctx, own),
        *check_injection(ctx, own),
    ]
    body = Text(draft.text)
    violations += check_form(ctx, body, subject, unquoted=_blank_rendered(body, draft))
    violations.sort(key=lambda v: (v.start, v.end, v.code))
    return ComplianceReport(passed=not violations, violations=violations)
