"""What the model must return, and how to read what it actually returned.

The prompt always asks for one JSON object (``DRAFT_SCHEMA``). Endpoints that support
``response_format={"type": "json_schema"}`` enforce it; for the others the JSON is parsed out
of plain text, and text that is not JSON at all is still used as the reply body (with an email
``Subject:`` line split off), with no claims. The guard checks the text either way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from drafter.schemas import Decision, DraftClaims
from drafter.text import linear

__all__ = [
    "DRAFT_SCHEMA",
    "BodyStreamDecoder",
    "ParsedReply",
    "parse_cut_off_reply",
    "parse_reply",
    "response_format",
]

DRAFT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "subject": {"type": ["string", "null"]},
        "body": {"type": "string"},
        "decision_stated": {"type": "string", "enum": [d.value for d in Decision]},
        "markers_used": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["subject", "body", "decision_stated", "markers_used"],
    "additionalProperties": False,
}


def response_format() -> dict[str, Any]:
    """The chat-completions ``response_format`` asking for ``DRAFT_SCHEMA``, strictly."""
    schema = {"name": "draft_reply", "strict": True, "schema": DRAFT_SCHEMA}
    return {"type": "json_schema", "json_schema": schema}


@dataclass(frozen=True, slots=True)
class ParsedReply:
    """A reply read from model output. ``structured`` is false when no JSON object was found."""

    subject: str | None
    body: str
    claims: DraftClaims
    structured: bool


_DECISIONS = frozenset(d.value for d in Decision)
_FENCE_OPEN = linear.compile(r"```[a-zA-Z]*\s*")
_SUBJECT_LINE = linear.compile(r"^\s*(subject|asunto|objet|betreff)\s*:\s*(.+)$", re.IGNORECASE)


def parse_reply(text: str, *, wants_subject: bool) -> ParsedReply:
    """Read the model's answer, JSON if possible, plain text otherwise.

    Args:
        text: the raw message content.
        wants_subject: the channel is email, so a plain-text ``Subject:`` line is split off.
    """
    data = _json_object(text)
    if data is not None and isinstance(data.get("body"), str):
        return _from_json(data, wants_subject=wants_subject)
    return _from_text(text.strip(), wants_subject=wants_subject)


def parse_cut_off_reply(text: str, *, wants_subject: bool) -> ParsedReply:
    """Read an answer the token limit cut off: the body so far, with no claims.

    A cut-off JSON answer is not valid JSON, so the body string is decoded up to where it
    stops (the same way streamed deltas are), and a complete ``subject`` string is kept.
    """
    decoder = BodyStreamDecoder()
    body = decoder.feed(text).strip()
    if not decoder.is_json:
        return _from_text(body, wants_subject=wants_subject)
    match = _SUBJECT_VALUE.search(text) if wants_subject else None
    return ParsedReply(_json_string(match.group(1)) if match else None, body, DraftClaims(), True)


def _json_string(escaped: str) -> str | None:
    try:
        return str(json.loads(f'"{escaped}"')).strip() or None
    except ValueError:
        return None


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in ``text``: the whole text, a fenced block, or the outermost braces."""
    candidates = [text.strip(), _unfenced(text.strip())]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _unfenced(text: str) -> str:
    r"""``text`` without a leading ```` ```json ```` line and a trailing ```` ``` ````. (The
    regex ``\s*```$`` tried every space of a long run of them, each to the run's end.)"""
    opening = _FENCE_OPEN.match(text)
    text = text[opening.end() :] if opening else text
    return text[:-3].rstrip() if text.endswith("```") else text


def _from_json(data: dict[str, Any], *, wants_subject: bool) -> ParsedReply:
    subject = data.get("subject")
    decision = data.get("decision_stated")
    claims = DraftClaims(
        decision=Decision(decision) if decision in _DECISIONS else None,
        markers=[m.strip().strip("[]") for m in _strings(data.get("markers_used"))],
    )
    clean_subject = subject.strip() if wants_subject and isinstance(subject, str) else None
    return ParsedReply(clean_subject or None, data["body"].strip(), claims, structured=True)


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _from_text(text: str, *, wants_subject: bool) -> ParsedReply:
    subject = None
    first, _, rest = text.partition("\n")
    match = _SUBJECT_LINE.match(first)
    if wants_subject and match:
        subject, text = match.group(2).strip(), rest.strip()
    return ParsedReply(subject, text, DraftClaims(), structured=False)


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_BODY_KEY = linear.compile(r'"body"\s*:\s*"')
_QUOTE_OR_ESCAPE = linear.compile(r'["\\]')
_SUBJECT_VALUE = linear.compile(r'"subject"\s*:\s*"((?:[^"\\]|\\.)*)"')


class BodyStreamDecoder:
    """Turns streamed model output into deltas of the reply body only.

    Fed the raw text deltas of a JSON answer, it yields the decoded characters of the ``body``
    string as they arrive. If the answer does not start like JSON, it passes text through.
    """

    def __init__(self) -> None:
        self._raw = ""
        self._mode: str | None = None  # "json", "text" or None while undecided
        self._pos: int | None = None  # index in _raw of the next undecoded body character
        self._done = False

    @property
    def is_json(self) -> bool:
        """The answer started like JSON (its body is decoded out of the body string)."""
        return self._mode == "json"

    def feed(self, delta: str) -> str:
        """Add a raw delta; return the new body text it completes (possibly empty)."""
        self._raw += delta
        if self._mode is None:
            head = self._raw.lstrip()
            if not head:
                return ""
            self._mode = "json" if head[0] in "{`" else "text"
            if self._mode == "text":
                return head
        if self._mode == "text":
            return delta
        return self._decode_body()

    def _decode_body(self) -> str:
        if self._done:
            return ""
        if self._pos is None:
            match = _BODY_KEY.search(self._raw)
            if match is None:
                return ""
            self._pos = match.end()
        out: list[str] = []
        raw = self._raw
        while self._pos < len(raw):
            special = _QUOTE_OR_ESCAPE.search(raw, self._pos)
            stop = len(raw) if special is None else special.start()
            out.append(raw[self._pos : stop])  # plain characters, in one slice
            self._pos = stop
            if special is None:
                break
            if raw[stop] == '"':
                self._done = True
                break
            decoded, width = self._escape(self._pos)
            if decoded is None:
                break  # an escape split across deltas: wait for the rest
            out.append(decoded)
            self._pos += width
        return "".join(out)

    def _escape(self, pos: int) -> tuple[str | None, int]:
        """Decode the escape at ``pos``; (None, 0) if it is not complete yet."""
        if pos + 1 >= len(self._raw):
            return None, 0
        kind = self._raw[pos + 1]
        if kind != "u":
            return _ESCAPES.get(kind, kind), 2
        code = self._hex4(pos + 2)
        if code is None:
            return None, 0
        if not 0xD800 <= code <= 0xDBFF:
            return chr(code), 6
        # A high surrogate: JSON spells astral characters (emoji) as a \uD8xx\uDCxx pair.
        if len(self._raw) < pos + 12:
            return None, 0
        low = self._hex4(pos + 8) if self._raw[pos + 6 : pos + 8] == "\\u" else None
        if low is None or not 0xDC00 <= low <= 0xDFFF:
            return "\ufffd", 6
        return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), 12

    def _hex4(self, start: int) -> int | None:
        digits = self._raw[start : start + 4]
        if len(digits) < 4:
            return None
        try:
            return int(digits, 16)
        except ValueError:
            return 0xFFFD
