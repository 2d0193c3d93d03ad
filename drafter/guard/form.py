"""Form: the draft is in the locale's language, its length fits the channel, it opens with a
greeting that names the customer correctly, and an email has a subject.

The greeting is the first line up to its first comma or sentence mark ("Hi Ana," "Dear Ms.
Shah,"). When a comma follows the greeting word alone, the name may come after it, as Spanish
and German orthography prescribe ("Hola, Ana:", "Hallo, Jonas,"); that counts only when those
words are the customer's name.

Language is told by an owned stopword detector (``lexicons/language.yaml``): the share of a
text's words that are frequent function words of each language. A draft, or any paragraph of
at least ``PARAGRAPH_WORDS`` words, is in the wrong language when another language scores at
least twice the locale's and has at least ``MIN_HITS`` hits.

Length bounds are in words, which read the same in all four languages. The upper bound counts
the draft's own words only: policy texts quoted verbatim (reasons, disclosures, offer terms,
questions) are required content whose length the policy sets, not the draft.

- email: 40 to 400 words: room for acknowledgement, decision, reason, alternatives, next steps
  and a sign-off, and no wall of text;
- chat: 8 to 150 words: one turn-sized message;
- phone: 30 to 300 words: a script an agent can speak in about two minutes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping

from drafter.guard.codes import Code
from drafter.guard.context import Context, violation
from drafter.guard.lexicon import LANGUAGES, by_language, load
from drafter.guard.text import Text
from drafter.schemas import Channel, Violation
from drafter.text import linear
from drafter.text.language import detect_language

__all__ = ["BOUNDS", "check_form", "detect_language"]

BOUNDS: Mapping[Channel, tuple[int, int]] = {
    Channel.email: (40, 400),
    Channel.chat: (8, 150),
    Channel.phone: (30, 300),
}
PARAGRAPH_WORDS = 15
MIN_HITS = 4
DOMINANCE = 2.0
_WORD = linear.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NAME_WORD = linear.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_FIRST_LINE = linear.compile(r"\s*([^\n]*)")
_PARAGRAPH = linear.compile(r"[^\n]+(?:\n[^\n]+)*")
_SEGMENT_END = linear.compile(r"[,;:.!?—–]")


def _wrong_language(lang: str, text: str | list[str]) -> str | None:
    best, hits = detect_language(text)
    if best is None or best == lang:
        return None
    if hits[best] >= MIN_HITS and hits[best] >= DOMINANCE * hits[lang]:
        return best
    return None


def _paragraphs(text: Text) -> Iterator[tuple[int, int, list[str]]]:
    """Paragraphs long enough to judge, with their words; none when there is only one.

    Paragraphs are the draft's own (blank lines in ``raw``); their words are read from
    ``scan``, where quoted verdict texts may be blanked out."""
    blocks = list(_PARAGRAPH.finditer(text.raw))
    if len(blocks) < 2:
        return
    for block in blocks:
        words = _WORD.findall(text.scan[block.start() : block.end()].casefold())
        if len(words) >= PARAGRAPH_WORDS:
            yield block.start(), block.end(), words


def _language(ctx: Context, text: Text) -> Iterator[Violation]:
    found = _wrong_language(ctx.lang, text.words)
    if found is not None:
        message = f"is written in '{found}', but the locale is '{ctx.request.locale}'"
        yield violation(Code.WRONG_LANGUAGE, message, text, 0, len(text.raw))
        return
    for start, end, words in _paragraphs(text):
        found = _wrong_language(ctx.lang, words)
        if found is not None:
            message = f"has a paragraph in '{found}', but the locale is '{ctx.request.locale}'"
            yield violation(Code.WRONG_LANGUAGE, message, text, start, end)


def _length(ctx: Context, text: Text, own: Text) -> Iterator[Violation]:
    """The draft's length against the channel's bounds.

    The upper bound counts only the draft's own words (``own``: the verdict's texts quoted
    verbatim are blanked out). Those texts are the policy's, every one of them must be in the
    reply, and a translation runs longer than the English (a Spanish or French sentence has
    some 15-20% more words): counting them would make a chat reply for a rule with several
    disclosures too long in some languages whatever the draft's own wording. The lower bound
    counts every word, so quoting alone still makes a reply long enough.
    """
    low, high = BOUNDS[ctx.request.channel]
    words, own_words = len(text.words), len(own.words)
    channel = ctx.request.channel.value
    if words < low:
        message = f"has {words} words; a {channel} reply needs at least {low}"
        yield violation(Code.TOO_SHORT, message, text, 0, len(text.raw))
    elif own_words > high:
        message = (
            f"has {own_words} words of its own (besides the policy texts it quotes); "
            f"a {channel} reply allows at most {high}"
        )
        yield violation(Code.TOO_LONG, message, text, 0, len(text.raw))


@functools.cache
def _greeting(lang: str) -> re.Pattern[str]:
    greetings = by_language("form", "greetings")[lang]
    # Used with Pattern.match where the first line's text starts (after any whitespace), which
    # anchors it there. (It began with "\s*[¡¿]?\s*", which tried every split of a run of
    # spaces between its two \s*.)
    words = "|".join(f"(?:{greeting})" for greeting in greetings)
    return linear.compile(rf"(?:[¡¿]\s*)?(?:{words})(?!\w)", re.IGNORECASE)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def _not_names() -> frozenset[str]:
    data = load("form")
    return frozenset(_fold(str(w)) for w in [*data["honorifics"], *data["fillers"]])


def _cut(raw: str, begin: int, line_end: int) -> int:
    """Where the segment of a line starting at ``begin`` ends: its first comma or sentence mark
    ("Ms." or "Sra." does not end it), or the line's end."""
    for cut in _SEGMENT_END.finditer(raw, begin, line_end):
        if cut[0] == "." and _fold(_word_before(raw, begin, cut.start())) in _not_names():
            continue
        return cut.start()
    return line_end


def _word_before(raw: str, begin: int, end: int) -> str:
    """The letters just before ``end`` (what ``[^\\W\\d_]+$`` finds in ``raw[begin:end]``),
    read back from ``end``: a search over the whole slice at every full stop of "Mr.Mr.…" was
    quadratic in the line."""
    start = end
    while start > begin and raw[start - 1].isalnum() and not raw[start - 1].isdecimal():
        start -= 1
    return raw[start:end]


def _opening(text: Text) -> tuple[int, int, int]:
    """The greeting's span (the first line, up to its first comma or sentence mark) and the
    line's end."""
    match = _FIRST_LINE.match(text.raw)
    start, line_end = (match.start(1), match.end(1)) if match else (0, 0)
    return start, _cut(text.raw, start, line_end), line_end


def _name_words(raw: str, begin: int, end: int) -> list[re.Match[str]]:
    words = _NAME_WORD.finditer(raw, begin, end)
    return [m for m in words if _fold(m[0]) not in _not_names()]


def _vocative(text: Text, greeting_end: int, end: int, line_end: int) -> list[re.Match[str]]:
    """The words after a comma that follows the greeting word alone ("Hola, Ana:", "Hallo,
    Jonas,"), the form Spanish and German orthography prescribe; none otherwise."""
    raw = text.raw
    if end >= line_end or raw[end] != "," or raw[greeting_end:end].strip():
        return []
    return _name_words(raw, end + 1, _cut(raw, end + 1, line_end))


def _greeting_and_name(ctx: Context, text: Text) -> Iterator[Violation]:
    start, end, line_end = _opening(text)
    greeting = _greeting(ctx.lang).match(text.raw, start, end)
    if greeting is None:
        message = f"does not open with a greeting in '{ctx.lang}'"
        yield violation(Code.MISSING_GREETING, message, text, start, end)
        return
    customer = {_fold(part) for part in _NAME_WORD.findall(ctx.request.customer.name)}
    words = _name_words(text.raw, greeting.end(), end)
    if not words:
        # A vocative after the comma counts only when it is the customer's name: "Hola,
        # gracias por escribir" still greets no one.
        after = _vocative(text, greeting.end(), end, line_end)
        words = after if after and all(_fold(m[0]) in customer for m in after) else []
    wrong = [m for m in words if _fold(m[0]) not in customer]
    if wrong:
        message = f"greets '{wrong[0][0]}', but the customer is {ctx.request.customer.name}"
        yield violation(Code.WRONG_NAME, message, text, wrong[0].start(), wrong[-1].end())
    elif not words:
        message = f"does not greet the customer by name ({ctx.request.customer.name})"
        yield violation(Code.MISSING_NAME, message, text, start, end)


# What the prompt rules out of a reply's own words: markdown headings and emphasis, emoji, and
# (in a phone script, which is read aloud) bullets. Linear: no nested quantifiers.
_MARKDOWN = linear.compile(r"^[ \t]*#{1,6}[ \t]|\*\*|__|^[ \t]*[*•][ \t]", re.MULTILINE)
_EMOJI = linear.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")
_PHONE_BULLET = linear.compile(r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]", re.MULTILINE)
# The familiar "you" where the house voice is formal (es usted, fr vous, de Sie).
_FAMILIAR = {
    "es": linear.compile(r"\b(?:tú|tu|tus|te|ti|contigo)\b", re.IGNORECASE),
    "fr": linear.compile(r"\b(?:tu|toi|ton|tes|t'as|t'es)\b", re.IGNORECASE),
    "de": linear.compile(r"\b(?:du|dich|dir|dein|deine|deinen|deinem|deiner)\b", re.IGNORECASE),
}


def _markup(ctx: Context, own: Text) -> Iterator[Violation]:
    """Markdown, emoji and (on the phone) bullets in the model's own words."""
    found = [*_MARKDOWN.finditer(own.scan), *_EMOJI.finditer(own.scan)]
    if ctx.request.channel == Channel.phone:
        found += _PHONE_BULLET.finditer(own.scan)
    for match in found:
        message = "has markdown, an emoji or (in a phone script) a bullet"
        yield violation(Code.MARKUP, message, own, *match.span())


def _register(ctx: Context, own: Text) -> Iterator[Violation]:
    """The familiar "you" in a language whose house voice is formal."""
    pattern = _FAMILIAR.get(ctx.lang)
    if pattern is None:
        return
    for match in pattern.finditer(own.scan):
        message = "addresses the customer informally (the house voice is formal)"
        yield violation(Code.REGISTER, message, own, *match.span())


def check_form(
    ctx: Context, body: Text, subject: str | None, *, unquoted: Text | None = None
) -> Iterator[Violation]:
    """Form violations of the body (and a missing subject for email).

    ``unquoted`` is the body with the verdict's own texts blanked out, for the language check
    (a policy text quoted word for word is in the policy's language, not the model's choice)
    and the upper length bound (see ``_length``). The lower bound and greeting read the whole
    body.
    """
    yield from _length(ctx, body, unquoted or body)
    yield from _markup(ctx, unquoted or body)
    yield from _register(ctx, unquoted or body)
    # A language without a phrasebook (the commitments are in English, the model's words in
    # the customer's language) has no detector or greeting list: only its length is checked.
    if ctx.lang in LANGUAGES:
        yield from _language(ctx, unquoted or body)
        yield from _greeting_and_name(ctx, body)
    if ctx.request.channel == Channel.email and not (subject or "").strip():
        yield violation(Code.MISSING_SUBJECT, "an email reply needs a subject line", body, 0, 0)
