"""The drafts and phrases of the guard's earlier sets (``data/adversarial.yaml``,
``data/heldout.yaml``), written for the design before markers, when a draft stated its
commitments in free prose. Each adversarial one commits to something in its own words, so the
free-text check must find a committing word in every phrase that was labelled a decision,
figure, offer or forbidden-claim violation."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
# The old codes whose violations were commitments in free prose.
COMMITMENT_CODES = ("decision.", "figure.", "offer.", "disclosure.forbidden")


@dataclass(frozen=True)
class Phrase:
    id: str
    lang: str
    text: str


def _load(name: str) -> list[dict[str, object]]:
    data = yaml.safe_load((DATA / name).read_text("utf-8"))
    assert isinstance(data, list)
    return data


def _edit_text(entry: dict[str, object]) -> str | None:
    edit = entry.get("edit")
    if not isinstance(edit, dict):
        body = entry.get("body")
        return body if isinstance(body, str) else None
    if "replace" in edit:
        return str(edit["replace"][1])
    return str(edit.get("append") or edit.get("prepend"))


@functools.cache
def committing_phrases() -> tuple[Phrase, ...]:
    """The new text of every old adversarial draft labelled with a commitment code."""
    found = []
    for entry in _load("adversarial.yaml"):
        text = _edit_text(entry)
        if str(entry.get("expect", "")).startswith(COMMITMENT_CODES) and text:
            found.append(Phrase(str(entry["id"]), str(entry["id"]).split("/")[2], text))
    for entry in _load("heldout.yaml"):
        if str(entry["expect"]).startswith(COMMITMENT_CODES):
            # Every held-out reply opens with the same compliant thanks; the rest commits.
            text = str(entry["body"]).split("patience.", 1)[-1]
            found.append(Phrase(str(entry["id"]), str(entry["locale"]), text))
    return tuple(found)


@functools.cache
def legacy_texts() -> list[str]:
    """Every text of the old sets, as sample input for the fast-path equivalence tests."""
    texts = [p.text for p in committing_phrases()]
    texts += [str(e["body"]) for e in _load("heldout.yaml")]
    texts += [t for e in _load("adversarial.yaml") if (t := _edit_text(e))]
    return texts
