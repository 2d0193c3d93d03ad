"""Leaks: contact points the caller has not allowlisted (URLs, emails, phone numbers), the
system prompt's canary token, internal ids (rule, offer and fact ids, snake_case names, the
policy id and hash), prompt or system text, HTML outside the allowlist, and invisible
zero-width or bidirectional control characters that can hide or reorder text."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.hidden import comments
from drafter.guard.lexicon import gated
from drafter.guard.text import Text
from drafter.schemas import Violation
from drafter.text import linear

__all__ = ["check_leaks", "clear_contact_cache", "contact_spans"]

# The draft is the model's, which an injection may steer: every pattern here runs in linear
# time (drafter.text.linear). Those that would scan far from each start are on RE2: an email's
# local part, a dotted host (``a.a.a.…`` was rescanned from every label), a comment.
_EMAIL = linear.compile_re2(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# RE2's \b is ASCII: a link glued to an accented letter ("éexample.com") is reported too.
_URL = linear.compile_re2(
    r"\b(?:https?://|ftp://|www\.)[^\s<>\"')\]]+"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|co|info|biz|shop|store"
    r"|app|dev|me|ly|es|fr|de|uk|eu|us|mx|ar|ca|ch|at|be|it|nl|ru|cn|xyz|online|site|link"
    r"|click|top|gg|tk)\b(?:/[^\s<>\"')\]]*)?",
    ignorecase=True,
    ascii_boundary=True,
)
_PHONE = linear.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{5,18}\d(?!\w)")
_MIN_PHONE_DIGITS = 7
_SNAKE = linear.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# A tag ends at the first ">" after it; comments are paired apart (drafter.guard.hidden), since
# "<!--.*?-->" scanned to the end of the text from every "<!--" that had no "-->".
_TAG = linear.compile(r"</?([a-zA-Z][\w-]*)(?:\s[^<>]*)?/?>")
# "<\s*/?\s*" would try every split of a run of spaces between its two \s*.
_ALWAYS_UNSAFE = linear.compile(
    r"\bon\w+\s*=|javascript:|<\s*(?:/\s*)?(?:script|style|iframe)", re.IGNORECASE
)
_JS_URL = linear.compile(r"\bjavascript:", re.IGNORECASE)
_CONTROL = linear.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_SCHEME = linear.compile(r"^[a-z]+://", re.IGNORECASE)
_HOST_END = linear.compile(r"[/:?#]")
_NOT_DIGIT = linear.compile(r"\D")
_HASH_PREFIX = 8


def _host_allowed(host: str, domains: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def _url_host(url: str) -> str:
    without_scheme = _SCHEME.sub("", url, count=1)
    return _HOST_END.split(without_scheme, maxsplit=1)[0]


_DOT_LETTER = linear.compile(r"\.[a-zA-Z]")


def _emails(scan: str) -> list[linear.Match]:
    return list(_EMAIL.finditer(scan)) if "@" in scan else []


def _urls(scan: str) -> list[linear.Match]:
    # A link needs a dot followed by a letter; prose rarely has one, so the costly URL
    # pattern runs only when it might match.
    return list(_URL.finditer(scan)) if _DOT_LETTER.search(scan) else []


def contact_spans(scan: str) -> list[tuple[int, int]]:
    """Spans of emails and URLs, which other checks (ids, phones) must not read into."""
    return list(_contact_spans(scan))


def clear_contact_cache() -> None:
    """Forget the drafts' contact spans (for a benchmark of first drafts)."""
    _contact_spans.cache_clear()


@functools.lru_cache(maxsize=16)
def _contact_spans(scan: str) -> tuple[tuple[int, int], ...]:
    # Read by several checks of the same draft; computed once per text.
    spans = [m.span() for m in _emails(scan)]
    spans += [m.span() for m in _urls(scan) if not _inside(m.span(), spans)]
    return tuple(spans)


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in spans)


def _emails_and_urls(ctx: Context, text: Text) -> Iterator[Violation]:
    allow = ctx.allowlist
    emails: list[tuple[int, int]] = []
    for match in _emails(text.scan):
        emails.append(match.span())
        address = match[0].lower()
        domain = address.rsplit("@", 1)[1]
        if address not in {e.lower() for e in allow.emails} and not _host_allowed(
            domain, allow.domains
        ):
            yield violation(
                Code.EMAIL, "contains an email address that is not allowlisted", text, *match.span()
            )
    for match in _urls(text.scan):
        url = match[0].rstrip(".,;:!?")
        span = (match.start(), match.start() + len(url))
        if not _inside(span, emails) and not _host_allowed(_url_host(url), allow.domains):
            yield violation(Code.URL, "contains a link that is not allowlisted", text, *span)


def _digit_count(raw: str) -> int:
    return sum(char.isdigit() for char in raw)


def _request_digits(ctx: Context) -> set[str]:
    request = ctx.request
    ids = [request.ticket_id, request.customer.id]
    nouns = ctx.verdict.nouns
    if nouns is not None:  # the case's own ids: its reference, an order's items
        ids += [nouns.reference, *nouns.ids]
    return {re.sub(r"\D", "", i) for i in ids if i} - {""}


def phone_spans(scan: str) -> list[tuple[int, int]]:
    """Spans of what reads as a phone number (enough digits in a phone's shape)."""
    return [m.span() for m in _phone_candidates(scan)]


def _phone_candidates(scan: str) -> list[re.Match[str]]:
    return [m for m in _PHONE.finditer(scan) if _digit_count(m[0]) >= _MIN_PHONE_DIGITS]


def _phones(ctx: Context, text: Text) -> Iterator[Violation]:
    candidates = _phone_candidates(text.scan)
    if not candidates:
        return
    # Figures are the free-text check's to report (the model's own words hold none).
    taken = contact_spans(text.scan)
    allowed = {re.sub(r"\D", "", p) for p in ctx.allowlist.phones} | _request_digits(ctx)
    for match in candidates:
        digits = _NOT_DIGIT.sub("", match[0])
        if _inside(match.span(), taken):
            continue
        if digits not in allowed:
            yield violation(
                Code.PHONE, "contains a phone number that is not allowlisted", text, *match.span()
            )


def _canary(ctx: Context, text: Text) -> Iterator[Violation]:
    canary = ctx.canary
    if not canary:
        return
    visible = _CONTROL.sub("", text.scan)
    start = text.scan.find(canary)
    if start >= 0:
        yield violation(
            Code.CANARY,
            "repeats the system prompt's canary token",
            text,
            start,
            start + len(canary),
        )
    elif canary in visible:
        yield violation(
            Code.CANARY,
            "repeats the canary token, split by hidden characters",
            text,
            text.body_start,
            len(text.raw),
        )


def _internal_ids(ctx: Context) -> set[str]:
    verdict = ctx.verdict
    ids = {verdict.rule, verdict.policy.id}
    ids |= {step.rule for step in verdict.trace} | {r.rule for r in verdict.rationale}
    ids |= {fact for step in verdict.trace for fact in step.facts}
    ids |= {d.id for d in [*verdict.must_say, *verdict.must_not_say]}
    ids |= {o.id for o in verdict.offers} | {n.fact for n in verdict.needs}
    if verdict.refund is not None:
        ids |= {fee.id for fee in verdict.refund.fees}
    if verdict.escalation is not None:
        ids |= set(verdict.escalation.summary.rules_fired)
    # A plain word ("default") also reads as prose; only ids that cannot be prose are sought.
    return {i for i in ids if re.search(r"[_\-\d]", i) and len(i) >= 4}


def _ids(ctx: Context, text: Text) -> Iterator[Violation]:
    names = sorted(_internal_ids(ctx), key=len, reverse=True)
    hash_prefix = ctx.verdict.policy.sha256[:_HASH_PREFIX]
    names += [hash_prefix] if len(hash_prefix) == _HASH_PREFIX else []
    # Only ids that occur at all are sought, and snake_case only where there is an underscore:
    # most drafts then need no pattern scan here.
    present = [re.escape(name) for name in names if name in text.scan]
    parts = [rf"(?<![\w-])(?:{'|'.join(present)})(?![\w-])"] if present else []
    parts += [_SNAKE.pattern] if "_" in text.scan else []
    if not parts:
        return
    contacts = contact_spans(text.scan)
    for match in re.finditer("|".join(parts), text.scan):
        if not _inside(match.span(), contacts):
            yield violation(
                Code.INTERNAL_ID, "names an internal rule, fact or policy id", text, *match.span()
            )


def _prompt_text(text: Text) -> Iterator[Violation]:
    for _, match in gated("leaks", "prompt_text").finditer(text.scan, text.lower):
        yield violation(
            Code.PROMPT_TEXT,
            "talks about the prompt or the machinery behind it",
            text,
            *match.span(),
        )


def _html(ctx: Context, text: Text) -> Iterator[Violation]:
    allowed = {tag.lower() for tag in ctx.allowlist.html_tags}
    for start, end, tag in _tags(text.scan):
        if tag in allowed and not _ALWAYS_UNSAFE.search(text.scan[start:end]):
            continue
        yield violation(
            Code.HTML, "contains HTML or script outside the allowlist", text, start, end
        )
    for link in _JS_URL.finditer(text.scan):
        yield violation(Code.HTML, "contains a javascript: link", text, *link.span())


def _tags(scan: str) -> list[tuple[int, int, str]]:
    """Comments (tag name "") and tags, leftmost first, none inside another: what
    ``<!--.*?-->|`` followed by ``_TAG`` finds. A tag holds no "<" past its first character
    and ends at the first ">", so it never straddles a comment's end."""
    found = [(start, end, "") for start, end, _ in comments(scan)]
    found += [(m.start(), m.end(), m[1].lower()) for m in _TAG.finditer(scan)]
    kept: list[tuple[int, int, str]] = []
    for item in sorted(found):
        if not kept or item[0] >= kept[-1][1]:
            kept.append(item)
    return kept


def _control(text: Text) -> Iterator[Violation]:
    for match in _CONTROL.finditer(text.raw):
        name = f"U+{ord(match[0]):04X}"
        yield violation(
            Code.CONTROL_CHAR,
            f"contains an invisible control character ({name})",
            text,
            *match.span(),
        )


def check_leaks(ctx: Context, text: Text) -> Iterator[Violation]:
    """Violations for every leak in ``text``."""
    yield from _emails_and_urls(ctx, text)
    yield from _phones(ctx, text)
    yield from _canary(ctx, text)
    yield from _ids(ctx, text)
    yield from _prompt_text(text)
    yield from _html(ctx, text)
    yield from _control(text)
