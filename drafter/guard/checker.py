"""Running every family of checks over one draft (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from drafter.errors import RequestError
from drafter.guard.context import Allowlist, Context
from drafter.guard.decision import check_decision
from drafter.guard.disclosures import check_forbidden, check_must_say
from drafter.guard.figures import check_figures
from drafter.guard.form import check_form
from drafter.guard.injection import check_injection
from drafter.guard.leaks import check_leaks
from drafter.guard.offers import check_offers
from drafter.guard.text import Text
from drafter.guard.verbatim import mask, quoted_spans, verdict_texts
from drafter.schemas import ComplianceReport, Request, Verdict, Violation

__all__ = ["check"]

Family = Callable[[Context, Text], Iterable[Violation]]

# What the draft says in its own words: the verdict's texts it quotes verbatim are allowed
# content, so these read the draft with those quotations blanked out (drafter.guard.verbatim).
_OWN_WORDS_CHECKS: tuple[Family, ...] = (check_decision, check_offers)
# What must hold everywhere, quotations included: a figure, a leak, injected text or a
# forbidden claim is no safer for sitting inside a quoted sentence.
_WHOLE_DRAFT_CHECKS: tuple[Family, ...] = (
    check_figures,
    check_forbidden,
    check_leaks,
    check_injection,
)


def _content(ctx: Context, text: Text, unquoted: Text) -> Iterator[Violation]:
    for family in _OWN_WORDS_CHECKS:
        yield from family(ctx, unquoted)
    for family in _WHOLE_DRAFT_CHECKS:
        yield from family(ctx, text)


def _unquoted(text: Text, spans: tuple[tuple[int, int], ...], shift: int = 0) -> Text:
    """``text`` with the quoted spans (offsets ``shift`` ahead of it) blanked out."""
    if not spans:
        return text
    return text.masked(mask(text.scan, ((s - shift, e - shift) for s, e in spans)))


_EXPECTED: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("body", str),
    ("subject", (str, type(None))),
    ("verdict", Verdict),
    ("request", Request),
    ("canary", (str, type(None))),
    ("allowlist", (Allowlist, type(None))),
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


def check(
    *,
    body: str,
    subject: str | None,
    verdict: Verdict,
    request: Request,
    canary: str | None = None,
    allowlist: Allowlist | None = None,
) -> ComplianceReport:
    """Check one draft against its verdict and request.

    Args:
        body: the reply text as the agent would see it.
        subject: the email subject, or None for chat and phone.
        verdict: the decision the draft must state, and nothing beyond it.
        request: the ticket; its channel and locale set the form checks, and its message is
            treated as untrusted input whose injections must not reappear.
        canary: a token planted in the system prompt; seeing it in a draft means the prompt
            leaked.
        allowlist: URLs, emails, phones and HTML tags the draft may contain.

    Returns:
        A report that passes only when no violation was found. An empty body fails.

    Raises:
        RequestError: an argument has the wrong type (the error names it).
    """
    _require_types(body, subject, verdict, request, canary, allowlist)
    ctx = Context(
        verdict=verdict, request=request, canary=canary, allowlist=allowlist or Allowlist()
    )
    # Subject and body are read together by the content checks (one pass, not two); the form
    # checks read the body alone.
    text = Text(body, subject=subject)
    quotes = quoted_spans(verdict_texts(verdict), text.scan)
    violations = [*_content(ctx, text, _unquoted(text, quotes)), *check_must_say(ctx, text)]
    body_text, shift = Text(body), text.body_start
    body_quotes = tuple(span for span in quotes if span[0] >= shift)
    unquoted_body = _unquoted(body_text, body_quotes, shift)
    violations += check_form(ctx, body_text, subject, unquoted=unquoted_body)
    violations.sort(key=lambda v: (v.start, v.end, v.code))
    return ComplianceReport(passed=not violations, violations=violations)
