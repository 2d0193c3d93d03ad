"""The shape of a policy file as written: strict pydantic models over the parsed YAML.

``yaml_load`` keeps the line of every mapping and key, so any error found later, by pydantic or
by the compiler, can name the line it comes from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Document",
    "EscalationRule",
    "ExceptionRule",
    "FlagRule",
    "InputSpec",
    "OfferSpec",
    "ParamSpec",
    "RefundSpec",
    "Rule",
    "YamlList",
    "YamlMap",
    "line_of",
    "yaml_load",
]

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
Expression = str | bool | int | Decimal
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


def _has_english(value: object) -> object:
    if isinstance(value, dict) and "en" not in value:
        raise ValueError("translations must include 'en'")
    return value


# Customer-facing text: one English string, or {en: ..., es: ..., fr: ..., de: ...}.
Localized = Annotated[Prose | dict[Language, Prose], AfterValidator(_has_english)]


class YamlMap(dict[Any, Any]):
    """A mapping that remembers the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class YamlList(list[Any]):
    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> YamlMap:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        mapping = YamlMap(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            self.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value
        }
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> YamlList:
        items = YamlList(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)
_LineLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(str(loader.construct_scalar(node))),  # type: ignore[arg-type]
)


def yaml_load(text: str) -> Any:
    """Parse YAML keeping lines; floats become ``Decimal``. Raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_LineLoader)


def line_of(root: Any, path: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node along ``path`` that the YAML recorded."""
    node, line = root, getattr(root, "line", None)
    for step in path:
        if isinstance(node, YamlMap) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, YamlList) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
        line = getattr(node, "line", line) if isinstance(node, YamlMap) else line
    return line


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSpec(Spec):
    values: list[str] | None = None
    description: str | None = None


class ParamSpec(Spec):
    """A constant (``value``), or a table keyed by one enum (``by: tier``) or several (``by:
    [membership, cabin]``, with ``values`` nested in that order). A number may be
    ``unlimited``; a duration is written like ``24 hours``."""

    type: Literal["bool", "int", "decimal", "money", "str", "duration"]
    value: Any = None
    by: str | list[str] | None = None
    values: dict[str, Any] | None = None
    description: str | None = None


class OfferSpec(Spec):
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$")]
    amount: Expression | None = None
    percent: Expression | None = None
    cap: Expression | None = None
    terms: Localized


class RefundSpec(Spec):
    amount: Expression
    fees: dict[RuleId, Expression] = Field(default_factory=dict)
    destination: RuleId  # one of the domain's destinations


class Rule(Spec):
    """A gate or an outcome. ``transfer`` hands a request the policy does not cover to a
    person (``target``, with the ``reason`` the agent sees)."""

    id: RuleId
    when: Expression
    decision: Literal["approve", "partial", "decline", "needs_info", "transfer"]
    target: RuleId | None = None
    reason: Prose | None = None
    refund: RefundSpec | None = None
    offers: list[RuleId] = Field(default_factory=list)
    must_say: list[RuleId] = Field(default_factory=list)
    must_not_say: list[RuleId] = Field(default_factory=list)
    rationale: Localized


class EscalationRule(Spec):
    id: RuleId
    when: Expression
    target: RuleId  # one of the domain's escalation targets
    reason: Prose
    must_say: list[RuleId] = Field(default_factory=list)
    must_not_say: list[RuleId] = Field(default_factory=list)
    rationale: Localized


class FlagRule(Spec):
    id: RuleId
    when: Expression
    must_say: list[RuleId] = Field(default_factory=list)
    must_not_say: list[RuleId] = Field(default_factory=list)
    rationale: Localized


class ExceptionRule(Spec):
    id: RuleId
    description: Prose
    waives: list[RuleId] = Field(default_factory=list)
    grantable_by: dict[Literal["agent", "supervisor"], Expression] = Field(min_length=1)
    rationale: Localized


class NeedsInfo(Spec):
    rationale: Localized


class Document(Spec):
    id: RuleId | Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    effective: dt.date
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    owner: Prose
    title: Prose
    summary: Prose | None = None
    inputs: dict[str, InputSpec | None]
    params: dict[RuleId, ParamSpec] = Field(default_factory=dict)
    # Named amounts (numbers or money), then named conditions, each usable by name in any
    # later one, in rules and in texts.
    amounts: dict[RuleId, Expression] = Field(default_factory=dict)
    conditions: dict[RuleId, Expression] = Field(default_factory=dict)
    disclosures: dict[RuleId, Localized] = Field(default_factory=dict)
    forbidden: dict[RuleId, Prose] = Field(default_factory=dict)
    offers: dict[RuleId, OfferSpec] = Field(default_factory=dict)
    gates: list[Rule] = Field(default_factory=list)
    outcomes: list[Rule] = Field(min_length=1)
    escalations: list[EscalationRule] = Field(default_factory=list)
    flags: list[FlagRule] = Field(default_factory=list)
    exceptions: list[ExceptionRule] = Field(default_factory=list)
    needs_info: NeedsInfo = NeedsInfo(
        rationale="We need a few more details before we can give you a final answer."
    )
