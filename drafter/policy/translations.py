"""A pack's translations: one file per language (``translations/es.yaml``), which a native
speaker can review on its own.

A pack's policies and domain are written in English. A translation file gives, by id, the
customer-facing texts in its language::

    questions: {nights: ¿Para cuántas noches es la reserva?}   # the domain's facts
    hotel-standard:                                             # one policy's texts
      rules: {free_cancellation: ...}                           # rationales, by rule id
      disclosures: {refund_timing: ...}
      offers: {travel_credit: ...}                              # the offer's terms
      needs_info: ...

A text that is not translated falls back to English. A key that matches nothing stops the load:
a misspelt id would otherwise leave a translation silently unused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drafter.errors import PolicyError
from drafter.policy import document as doc

__all__ = ["Translation", "load_translations"]


@dataclass
class Translation:
    language: str
    path: Path
    raw: doc.YamlMap
    used: set[tuple[str, ...]] = field(default_factory=set)

    def text(self, *key: str) -> str | None:
        """The translated text at ``key`` (``hotel-standard``, ``rules``, ``free_cancellation``),
        marking it used."""
        node: Any = self.raw
        for step in key:
            if not isinstance(node, dict) or step not in node:
                return None
            node = node[step]
        if not isinstance(node, str) or not node.strip():
            raise PolicyError(
                f"'{'.'.join(key)}' must be a text", file=str(self.path), line=self.line(key)
            )
        self.used.add(key)
        return " ".join(node.split()) if "\n" in node else node.strip()

    def line(self, key: tuple[str, ...]) -> int | None:
        return doc.line_of(self.raw, key)

    def leaves(self, *prefix: str) -> Iterator[tuple[str, ...]]:
        """Every text key under ``prefix``."""
        node: Any = self.raw
        for step in prefix:
            node = node.get(step) if isinstance(node, dict) else None
        yield from _leaves(node, prefix)

    def check_all_used(self, *prefix: str) -> None:
        """Refuse a text under ``prefix`` that nothing in the pack asked for."""
        for key in self.leaves(*prefix):
            if key not in self.used:
                raise PolicyError(
                    f"'{'.'.join(key)}' matches nothing to translate",
                    file=str(self.path),
                    line=self.line(key),
                )


def _leaves(node: Any, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _leaves(child, (*prefix, str(key)))
    elif node is not None:
        yield prefix


def load_translations(pack: Path) -> list[Translation]:
    """Each ``translations/<language>.yaml`` of the pack, in language order."""
    found: list[Translation] = []
    for path in sorted((pack / "translations").glob("*.yaml")):
        language = path.stem
        if len(language) != 2 or not language.isalpha() or not language.islower():
            raise PolicyError(
                "a translation file is named by its two-letter language, as in es.yaml",
                file=str(path),
            )
        try:
            raw = doc.yaml_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise PolicyError(f"cannot read: {error}", file=str(path)) from None
        if not isinstance(raw, doc.YamlMap):
            raise PolicyError("must be a YAML mapping at the top level", file=str(path), line=1)
        found.append(Translation(language, path, raw))
    return found
