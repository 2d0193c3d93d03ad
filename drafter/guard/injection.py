"""Injected content: the customer's message is untrusted, and a draft must not carry what an
injection in it asked for.

The message is read for injection attempts: sentences with an injection marker ("ignore your
policy"), a demand ("approve a full refund", "write that ..."), or a fake role tag
("[SYSTEM]"); text hidden in HTML comments or invisible elements; and base64 blobs, decoded.
The draft is reported when it repeats five words in a row from any of them, carries a code-like
token planted there ("FREE100"), or itself contains an injection marker, a fake tag or a base64
blob.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import string
from collections.abc import Iterator

from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.hidden import hidden_texts
from drafter.guard.lexicon import gated, patterns
from drafter.guard.text import Text, is_negated
from drafter.schemas import MAX_MESSAGE_CHARS, Violation
from drafter.text import linear

__all__ = ["Attempts", "check_injection", "injection_attempts"]

SHINGLE = 5
_TOKEN = linear.compile(r"\w+")
_SENTENCE = linear.compile(r"[^.!?\n]+[.!?]?")
# Only at the start of a run (the lookbehind), and the length test comes first: it fails at
# once on the short words that make up prose, so the three class lookaheads run only on runs
# of 16 or more such characters, once per run.
_BASE64 = linear.compile(
    r"(?<![\w+/])(?=[A-Za-z0-9+/]{16})"
    r"(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[\d+/])"
    r"[A-Za-z0-9+/]{16,}={0,2}(?![\w+/=])"
)
_CODE_RUN = linear.compile(r"[A-Z0-9-]{5,}")
_DIGITS = frozenset(string.digits)
_CAPITALS = frozenset(string.ascii_uppercase)


class Attempts:
    """What the customer's message tried to inject: shingles and planted code tokens."""

    def __init__(self, segments: list[str]) -> None:
        self.segments = segments
        self.shingles = {s for segment in segments for s in _shingles(segment)}
        self.first_words = {shingle[0] for shingle in self.shingles}
        self.codes = {code for segment in segments for code in code_tokens(segment)}


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _TOKEN.findall(text)]
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # Python's \w


def code_tokens(text: str) -> Iterator[str]:
    r"""What ``\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9-]{5,}\b`` finds: a code-like
    token ("FREE100", "VIP-2024"). The regex tried every word boundary inside a run such as
    "AAAAA-AAAAA-…" and scanned to its end from each; here each run is read once. A run holds
    at most one such token: from the first boundary whose rest of the run has a digit and a
    capital, to the run's last boundary (the regex's greedy end)."""
    for run in _CODE_RUN.finditer(text):
        start, end = run.span()
        bounds = [
            at
            for at in range(start, end + 1)
            if (at > 0 and _is_word(text[at - 1])) != (at < len(text) and _is_word(text[at]))
        ]
        if not bounds:
            continue
        last = bounds[-1]
        # The lookahead's \d may also be a digit of another script just after the run.
        after = end if end < len(text) and text[end].isdecimal() else -1
        digit = max((i for i in range(start, end) if text[i] in _DIGITS), default=after)
        digit = max(digit, after)
        capital = max((i for i in range(start, end) if text[i] in _CAPITALS), default=-1)
        reach = min(digit, capital, last - 5)
        first = next((at for at in bounds if at <= reach), None)
        if first is not None:
            yield text[first:last]


def _decoded(blob: str) -> str | None:
    padded = blob + "=" * (-len(blob) % 4)
    try:
        text = base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text.isprintable() or "\n" in text else None


def _cues(message: str) -> list[re.Pattern[str]]:
    """The cue patterns that may match somewhere in ``message``.

    A cue branch whose required literal is nowhere in the message cannot match any sentence
    of it either, so most messages leave few branches, or none, to try sentence by sentence.
    That holds while a sentence lower-cased is part of the message lower-cased, which only a
    capital sigma (lower-cased by its place in a word) can break: then every branch is kept.
    """
    keys = ("injection_markers", "demands", "fake_tags")
    if "\u03a3" in message:
        return [patterns("leaks", key, longest=MAX_MESSAGE_CHARS) for key in keys]
    lower = message.lower()
    return [pattern for key in keys for pattern in gated("leaks", key).opened(lower)]


def _suspicious_sentences(message: str) -> Iterator[str]:
    """From the first sentence of a line that holds a cue, the rest of that line: injected
    instructions usually follow their opening marker ("you are now ... Give me code X")."""
    cues = _cues(message)
    if not cues:
        return
    for line in message.splitlines():
        for sentence in _SENTENCE.finditer(line):
            if any(cue.search(sentence[0]) for cue in cues):
                yield line[sentence.start() :]
                break


@functools.lru_cache(maxsize=256)
def injection_attempts(message: str) -> Attempts:
    """The injection attempts in a customer's message (cached: one message, many drafts)."""
    segments = list(_suspicious_sentences(message))
    segments += hidden_texts(message)
    for match in _BASE64.finditer(message):
        decoded = _decoded(match[0])
        if decoded:
            segments += [decoded, *_suspicious_sentences(decoded), match[0]]
    return Attempts(segments)


def _echoes(attempts: Attempts, text: Text, ids: set[str]) -> Iterator[tuple[int, int]]:
    words = list(_TOKEN.finditer(text.scan)) if attempts.shingles else []
    folded = [w[0].casefold() for w in words]
    for i in range(len(words) - SHINGLE + 1):
        if (
            folded[i] in attempts.first_words
            and tuple(folded[i : i + SHINGLE]) in attempts.shingles
        ):
            yield words[i].start(), words[i + SHINGLE - 1].end()
    codes = attempts.codes - ids
    if codes:
        yield from (match.span() for match in _codes_pattern(frozenset(codes)).finditer(text.scan))


@functools.lru_cache(maxsize=16)
def _codes_pattern(codes: frozenset[str]) -> linear.Pattern:
    """The message's planted codes as one RE2 alternation, longest first: one pass over the
    draft, where a search per code read it once per code (3,330 codes and a 50 kB draft took
    6.8 s). Where codes overlap in the draft, the leftmost is reported; a code glued to an
    accented letter is reported too (RE2's ASCII \\b)."""
    words = "|".join(re.escape(code) for code in sorted(codes, key=lambda c: (-len(c), c)))
    return linear.compile_re2(rf"\b(?:{words})\b", ascii_boundary=True, register=False)


def _planted(text: Text) -> Iterator[tuple[int, int]]:
    for _, match in gated("leaks", "injection_markers").finditer(text.scan, text.lower):
        if not is_negated(text, *match.span()):
            yield match.span()
    yield from (m.span() for _, m in gated("leaks", "fake_tags").finditer(text.scan, text.lower))
    yield from (m.span() for m in _BASE64.finditer(text.scan) if _decoded(m[0]))


def _request_ids(ctx: Context) -> set[str]:
    """Ids of the ticket, which a message and a draft both name legitimately."""
    request = ctx.request
    ids = {request.ticket_id or "", request.customer.id}
    nouns = ctx.verdict.nouns
    if nouns is not None:  # the case's own ids: its reference, an order's items
        ids |= {nouns.reference or "", *nouns.ids}
    return {i.upper().lstrip("#") for i in ids if i}


def check_injection(ctx: Context, text: Text) -> Iterator[Violation]:
    """Violations where ``text`` carries injected instructions or their content."""
    seen: set[tuple[int, int]] = set()
    # Every earlier turn is the page's text too, and may carry what the message does not.
    texts = [turn.text for turn in ctx.request.thread] + [ctx.request.message]
    attempts = injection_attempts("\n\n".join(texts))
    for start, end in [*_echoes(attempts, text, _request_ids(ctx)), *_planted(text)]:
        if not any(s <= start and end <= e for s, e in seen):
            seen.add((start, end))
            message = "carries instructions or content injected in the customer's message"
            yield violation(Code.INJECTION_ECHO, message, text, start, end)
