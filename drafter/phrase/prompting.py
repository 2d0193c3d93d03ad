"""Render the chat prompt for one draft from typed objects, with sandboxed Jinja over prompts/.

The system message is static (house voice, rules, output format) except for a per-call canary
token on its last line; the user message puts the few-variant blocks (channel, language,
decision) before the per-request facts and the fenced customer message. That order keeps the
longest possible prefix identical across requests, which is what providers' prompt caching keys
on.

``Prompt.sha256`` identifies the rendered prompt *without* its canary, so the same request,
verdict and templates always give the same hash (the replay provider and eval staleness checks
key on it) while each live call still gets an unguessable canary.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from drafter.errors import ConfigError
from drafter.phrase.brief import Brief, build_brief
from drafter.phrase.phrasebook import Phrasebook
from drafter.schemas import Request, Tone, Verdict
from drafter.settings import Settings
from drafter.text import linear

__all__ = [
    "Message",
    "Prompt",
    "PromptRenderer",
    "estimate_tokens",
    "make_environment",
]

Role = Literal["system", "user", "assistant"]
_CANARY_MASK = "[canary]"
_PIECES = linear.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """A rendered chat prompt and what identifies it.

    Attributes:
        messages: system first, then user (and, for a repair, assistant and user again).
        template_version: the ``prompts/VERSION`` the messages were rendered from.
        sha256: hash of the messages with the canary masked, plus the template version.
        canary: the secret token on the system prompt's last line; a draft containing it leaked
            the prompt.
        brief: the localized facts the prompt was rendered from.
        tone: the register the agent asked for (None: the house voice).
    """

    messages: tuple[Message, ...]
    template_version: str
    sha256: str
    canary: str
    brief: Brief
    tone: Tone | None = None

    @property
    def token_estimate(self) -> int:
        """An approximate prompt size in tokens (see :func:`estimate_tokens`), worked out on
        demand: counting every word of every prompt costs more than rendering it."""
        return sum(estimate_tokens(m.content) + 4 for m in self.messages)

    @property
    def system(self) -> str:
        return self.messages[0].content

    @property
    def user(self) -> str:
        """The last user message: the request itself, or the repair instructions."""
        return next(m.content for m in reversed(self.messages) if m.role == "user")

    def as_openai_messages(self) -> list[dict[str, str]]:
        """The messages in the chat-completions wire form."""
        return [{"role": m.role, "content": m.content} for m in self.messages]


def estimate_tokens(text: str) -> int:
    """Approximate BPE token count: one token per six characters of a word (at least one),
    one per punctuation mark. On the representative prompts it reads 1-4 % above the counts of
    SmolLM2's 49k-vocabulary tokenizer as reported by llama.cpp's server (larger vocabularies
    give fewer tokens); use the endpoint's reported usage when it matters."""
    return sum(math.ceil(len(piece) / 6) for piece in _PIECES.findall(text))


def _quote(value: object) -> str:
    """Jinja filter ``q``: a JSON string literal, so facts can never break the block's shape."""
    return json.dumps(str(value), ensure_ascii=False)


def _is_marker(kind: str) -> Callable[[object], bool]:
    return lambda key: isinstance(key, str) and key.startswith(f"{kind}:")


def make_environment(prompts_dir: Path) -> SandboxedEnvironment:
    """A sandboxed Jinja environment over ``prompts_dir`` that fails on any undefined name.

    Raises:
        ConfigError: the directory does not exist.
    """
    if not prompts_dir.is_dir():
        raise ConfigError(f"prompts_dir: {prompts_dir} is not a directory")
    env = SandboxedEnvironment(
        loader=FileSystemLoader(prompts_dir),
        # Read once, as policies are (restart to pick up an edit): otherwise every render
        # checks each template's file on disk, a dozen stat calls a draft.
        auto_reload=False,
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["q"] = _quote
    # Which kind of marker a key is, for ``select`` in the templated reply.
    for kind in ("reason", "offer", "disclosure"):
        env.tests[f"{kind}_marker"] = _is_marker(kind)
    return env


def _read_version(prompts_dir: Path) -> str:
    path = prompts_dir / "VERSION"
    try:
        version = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"prompts_dir: cannot read {path}: {error}") from error
    if not version:
        raise ConfigError(f"prompts_dir: {path} is empty")
    return version


class PromptRenderer:
    """Renders prompts (and, for the template provider, fallback replies) from prompts/."""

    def __init__(self, prompts_dir: Path) -> None:
        self.prompts_dir = prompts_dir
        self.environment = make_environment(prompts_dir)
        self.version = _read_version(prompts_dir)
        self.phrasebook = Phrasebook(self.environment)

    @classmethod
    def from_settings(cls, settings: Settings) -> PromptRenderer:
        return cls(settings.prompts_dir)

    def render_template(self, name: str, **context: object) -> str:
        """Render one template; a template bug becomes a ConfigError naming the template.

        Raises:
            ConfigError: the template is missing, uses an undefined name or breaks the sandbox.
        """
        try:
            text = self.environment.get_template(name).render(**context)
        except TemplateError as error:
            raise ConfigError(f"prompts/{name}: {error}") from error
        return _tidy(text)

    def render(
        self,
        request: Request,
        verdict: Verdict,
        *,
        canary: str | None = None,
        tone: Tone | None = None,
    ) -> Prompt:
        """The prompt for a first draft of the reply to ``request`` under ``verdict``.

        ``tone`` adds the register an agent asked for; without it the house voice alone
        applies (and the prompt is byte-identical to one rendered before tones existed).

        Raises:
            RequestError: the request's locale is unsupported (field ``locale``).
            ConfigError: a template is missing or broken.
        """
        brief = build_brief(request, verdict)
        canary = canary or f"cnry-{secrets.token_hex(8)}"
        user = self.render_template(
            "user.j2",
            brief=brief,
            tone=tone and tone.value,
            sentences=self.phrasebook.sentences(brief, tone),
            ask_noun=self.phrasebook.line(brief, "ask_noun"),
        )
        messages = (
            Message("system", self.render_template("system.j2", canary=canary)),
            Message("user", user),
        )
        return self._prompt(messages, canary, brief, tone)

    def render_repair(self, prompt: Prompt, previous: str, violations: Sequence[str]) -> Prompt:
        """Follow ``prompt`` with the rejected draft and the violations to fix.

        Args:
            prompt: the prompt that produced the rejected draft.
            previous: the model's rejected answer, as it returned it.
            violations: one customer-agnostic message per violation, as the guard worded it.
        """
        feedback = self.render_template("repair.j2", violations=list(violations))
        messages = (*prompt.messages, Message("assistant", previous), Message("user", feedback))
        return self._prompt(messages, prompt.canary, prompt.brief, prompt.tone)

    def _prompt(
        self, messages: tuple[Message, ...], canary: str, brief: Brief, tone: Tone | None
    ) -> Prompt:
        masked = [[m.role, m.content.replace(canary, _CANARY_MASK)] for m in messages]
        identity = json.dumps({"version": self.version, "messages": masked}, ensure_ascii=False)
        return Prompt(
            messages=messages,
            template_version=self.version,
            sha256=hashlib.sha256(identity.encode()).hexdigest(),
            canary=canary,
            brief=brief,
            tone=tone,
        )


def _tidy(text: str) -> str:
    """Strip trailing spaces and collapse runs of blank lines left by template logic."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
