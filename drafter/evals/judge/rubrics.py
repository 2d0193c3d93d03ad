"""Rubrics: one question each that an LLM judge answers about a reply, kept in ``evals/rubrics/``.

``<name>.yaml`` holds the question, guidance on what "yes" and "no" mean, and the reference-set
flaws the rubric should catch (``targets``, as the tone scorers declare theirs). ``system.j2`` and
``user.j2`` render every rubric's prompt from a typed :class:`JudgedReply` in a sandboxed Jinja
environment with ``StrictUndefined``: a misspelt variable fails, never renders empty.

A :class:`JudgePrompt` is identified by the hash of its messages, which hold the rubric's text
and the reply judged: a recording of the judge is served by that hash, so a changed rubric or a
changed reply finds no recording and is stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import ConfigError
from drafter.evals.results import VerdictView

__all__ = ["JudgePrompt", "JudgedReply", "Rubric", "RubricSet", "load_rubrics", "sha256"]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: str = Field(min_length=1)
    guidance: str = Field(min_length=1)
    targets: tuple[str, ...] = Field(min_length=1)
    sha256: str = Field(description="Of the rubric file and the shared templates together.")

    @property
    def scorer(self) -> str:
        """The rubric's name as a scorer in results: ``judge:<name>``."""
        return f"judge:{self.name}"


@dataclass(frozen=True)
class JudgedReply:
    """A reply as the judge sees it, with the facts it is judged against. ``kind`` says which
    reply it is: a case's raw draft or final reply, or a reference reply."""

    kind: Literal["raw", "final", "reference"]
    language: str
    channel: str
    decision: str
    message: str
    verdict: VerdictView | None
    subject: str | None
    body: str

    @property
    def sha256(self) -> str:
        return sha256(json.dumps([self.subject, self.body], ensure_ascii=False))


@dataclass(frozen=True)
class JudgePrompt:
    rubric: Rubric
    reply: JudgedReply
    system: str
    user: str

    @property
    def sha256(self) -> str:
        return sha256(json.dumps([self.system, self.user], ensure_ascii=False))

    def as_openai_messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


class RubricSet:
    """The rubrics of one directory and the templates that render them."""

    def __init__(self, directory: Path, rubrics: tuple[Rubric, ...]) -> None:
        self.directory = directory
        self.rubrics = rubrics
        self._environment = SandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self._system = self._template("system.j2")
        self._user = self._template("user.j2")

    def _template(self, name: str) -> str:
        try:
            return (self.directory / name).read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"{self.directory / name}: {error.strerror}") from None

    def render(self, rubric: Rubric, reply: JudgedReply) -> JudgePrompt:
        """The judge's prompt for ``rubric`` about ``reply``.

        Raises:
            ConfigError: a template does not render (an unknown variable, a syntax error).
        """
        try:
            system = self._environment.from_string(self._system).render().strip()
            user = self._environment.from_string(self._user).render(rubric=rubric, reply=reply)
        except TemplateError as error:
            raise ConfigError(f"{self.directory}: the judge's prompt: {error}") from error
        return JudgePrompt(rubric=rubric, reply=reply, system=system, user=user.strip())


class _RubricFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    guidance: str
    targets: tuple[str, ...]


def load_rubrics(directory: Path, flaws: tuple[str, ...]) -> RubricSet:
    """Every ``*.yaml`` rubric of ``directory``, by file name, with its templates.

    Raises:
        ConfigError: the directory, a template or a rubric is missing or malformed, or a rubric
            targets a flaw the reference set does not know (``flaws``).
    """
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ConfigError(f"{directory}: no rubric (*.yaml) there")
    shared = "".join(_read(directory / name) for name in ("system.j2", "user.j2"))
    rubrics = tuple(_rubric(path, shared, flaws) for path in files)
    return RubricSet(directory, rubrics)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror}") from None


def _rubric(path: Path, shared: str, flaws: tuple[str, ...]) -> Rubric:
    text = _read(path)
    try:
        spec = _RubricFile.model_validate(yaml.safe_load(text))
        rubric = Rubric(name=path.stem, sha256=sha256(shared + text), **spec.model_dump())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    unknown = sorted(set(rubric.targets) - set(flaws))
    if unknown:
        raise ConfigError(f"{path}: targets: unknown flaw(s) {unknown}; known: {list(flaws)}")
    return rubric
