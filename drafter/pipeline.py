"""The whole job, stage by stage: request → verdict → prompt → LLM → compose → guard → reply.

The verdict is decided before any model is called, so nothing a customer writes can change it.
The model writes the human parts and places markers; drafter composes the reply by rendering
each marker from the verdict (``drafter.phrase.phrasebook``), and the guard checks the result.
A draft that breaks the verdict gets one repair attempt, told which rules it broke and where
(never a span to reword around), and passes only the same full check; if that fails too, or
the model is unreachable, the reply is the templated one, flagged ``fallback`` with the reason.
LLM faults never reach the caller as exceptions, and no reply is ever empty.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from drafter import guard
from drafter.errors import LLMError
from drafter.phrase.phrasebook import Composed
from drafter.phrase.prompting import Prompt, PromptRenderer
from drafter.phrase.providers import Completion, Provider, TemplateProvider, make_provider
from drafter.phrase.streaming import MarkerStream
from drafter.policy import PolicyRegistry, evaluate
from drafter.schemas import Channel, ComplianceReport, Draft, Request, Tone, Verdict, Violation
from drafter.settings import Settings
from drafter.text import linear

_SENTENCE_END = linear.compile(r"[.!?](?=\s)")

__all__ = ["Delta", "Final", "Pipeline", "Reply"]


class Reply(BaseModel):
    """What an agent (or the API, or an eval) gets back for one request."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    verdict: Verdict
    draft: Draft
    report: ComplianceReport
    raw_draft: Draft | None = None
    raw_report: ComplianceReport | None = None
    fallback: bool = False
    fallback_reason: str | None = None
    repaired: bool = False
    repaired_codes: list[str] = Field(default_factory=list)
    llm_calls: int = 0
    notices: list[str] = Field(default_factory=list)
    prompt_sha256: str
    template_version: str


@dataclass(frozen=True, slots=True)
class Delta:
    """A piece of the draft as it streams: the model's words as they arrive, and each marker's
    sentence once the marker closes (the checked reply may still replace it all)."""

    text: str


@dataclass(frozen=True, slots=True)
class Final:
    reply: Reply


class Pipeline:
    """Decide, phrase, check. One instance serves many requests concurrently."""

    def __init__(
        self,
        settings: Settings,
        *,
        registry: PolicyRegistry | None = None,
        provider: Provider | None = None,
        renderer: PromptRenderer | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry or PolicyRegistry(settings.policies_dir)
        self.renderer = renderer or PromptRenderer.from_settings(settings)
        self.provider = provider or make_provider(settings, renderer=self.renderer)
        self.template = TemplateProvider(self.renderer)

    async def aclose(self) -> None:
        await self.provider.aclose()

    def decide(
        self, request: Request, policy_id: str, *, channel: Channel | None = None
    ) -> Verdict:
        """Stage 1 alone (``channel`` overrides the request's, as in ``reply``). Raises
        UserError subclasses for requests that do not fit."""
        return evaluate(self.registry.get(policy_id), _on(request, channel))

    async def reply(
        self,
        request: Request,
        policy_id: str,
        *,
        channel: Channel | None = None,
        tone: Tone | None = None,
        verdict: Verdict | None = None,
    ) -> Reply:
        """The checked reply. Raises only for the caller's mistakes (UserError).

        ``channel`` overrides the request's; ``tone`` sets the register of the model's words,
        the phrasebook's sentences and the templated reply alike. ``verdict``, when the caller
        already has it from ``decide`` with the same arguments, is not worked out again.
        """
        job = self._start(request, policy_id, channel, tone, verdict)
        if self.provider.name == "template":
            return await asyncio.to_thread(job.templated, self.template)
        try:
            completion = await self.provider.complete(job.prompt)
        except LLMError as error:
            reason = f"the language model failed: {error}"
            return await asyncio.to_thread(job.fall_back, self.template, reason)
        return await self._checked(job, completion)

    async def stream(
        self,
        request: Request,
        policy_id: str,
        *,
        channel: Channel | None = None,
        tone: Tone | None = None,
        verdict: Verdict | None = None,
    ) -> AsyncIterator[Delta | Final]:
        """The model's draft as it is written, then the checked reply (which may differ);
        the arguments are ``reply``'s."""
        job = self._start(request, policy_id, channel, tone, verdict)
        if self.provider.name == "template":
            reply = await asyncio.to_thread(job.templated, self.template)
            for line in reply.draft.body.splitlines(keepends=True):
                yield Delta(line)
            yield Final(reply)
            return
        stream = self.provider.stream(job.prompt)
        markers = MarkerStream(self.renderer.phrasebook, job.prompt.brief, job.prompt.tone)
        try:
            async for text in stream:
                if shown := markers.feed(text):
                    yield Delta(shown)
            if rest := markers.close():
                yield Delta(rest)
        except LLMError as error:
            reason = f"the language model failed: {error}"
            yield Final(await asyncio.to_thread(job.fall_back, self.template, reason))
            return
        assert stream.completion is not None  # set once iteration ends without error
        yield Final(await self._checked(job, stream.completion))

    def _start(
        self,
        request: Request,
        policy_id: str,
        channel: Channel | None,
        tone: Tone | None,
        verdict: Verdict | None,
    ) -> _Job:
        request = _on(request, channel)
        if verdict is None:
            verdict = evaluate(self.registry.get(policy_id), request)
        prompt = self.renderer.render(request, verdict, tone=tone)
        return _Job(request, verdict, prompt, self.renderer)

    async def _checked(self, job: _Job, completion: Completion) -> Reply:
        # Checking reads the customer's message and the model's draft, up to tens of kB of
        # hostile text: it runs in a worker thread, so the event loop (and /healthz) never
        # waits on it. The checks themselves are linear (drafter.text.linear).
        composed, report = await asyncio.to_thread(job.check, completion)
        job.first, job.first_composed, job.first_report = completion, composed, report
        if report.passed:
            return job.reply(completion, composed, report, llm_calls=completion.llm_calls)
        feedback = await asyncio.to_thread(_feedback, report, composed.text, completion.subject)
        repair = self.renderer.render_repair(job.prompt, completion.raw, feedback)
        try:
            repaired = await self.provider.complete(repair)
        except LLMError as error:
            reason = f"the repair attempt failed: {error}"
            return await asyncio.to_thread(job.fall_back, self.template, reason)
        repaired_composed, repaired_report = await asyncio.to_thread(
            job.check, repaired, canary=repair.canary
        )
        if repaired_report.passed:
            calls = completion.llm_calls + repaired.llm_calls
            return job.reply(
                repaired, repaired_composed, repaired_report, llm_calls=calls, repaired=True
            )
        codes = ", ".join(sorted({v.code for v in repaired_report.violations}))
        return await asyncio.to_thread(
            job.fall_back,
            self.template,
            f"the draft broke the verdict twice ({codes})",
            llm_calls=completion.llm_calls + repaired.llm_calls,
        )


def _cut_off(composed: Composed) -> Violation:
    """A draft the token limit cut off is unfinished, whatever the guard found in it."""
    end = len(composed.text)
    return Violation(
        code="truncated",
        message="the reply was cut off at the token limit; write a complete, shorter reply",
        start=max(0, end - 60),
        end=end,
        excerpt=composed.text[-60:],
    )


def _feedback(report: ComplianceReport, body: str, subject: str | None) -> list[str]:
    """One line per broken rule, saying where it was broken but not quoting the words: a
    model shown a span tends to reword that span and keep the promise (a violation laundered)."""
    places = _Places(body)
    lines = [f"{v.code}: {v.message} ({places.where(v)})" for v in report.violations]
    return list(dict.fromkeys(lines))


class _Places:
    """Paragraph and sentence numbers in a body, read once: a draft may carry thousands of
    violations, and splitting the text before each one again was quadratic."""

    def __init__(self, body: str) -> None:
        self.body = body
        # Paragraph breaks as str.split("\n\n") finds them, and how many paragraphs before
        # each break hold more than whitespace.
        self.breaks: list[int] = []  # where each break ends
        self.full: list[int] = [0]
        start, at = 0, body.find("\n\n")
        while at >= 0:
            self.breaks.append(at + 2)
            self.full.append(self.full[-1] + bool(body[start:at].strip()))
            start, at = at + 2, body.find("\n\n", at + 2)
        # A sentence ends at . ! or ? before whitespace (or before the place asked about).
        self.ends = [m.start() for m in _SENTENCE_END.finditer(body)]

    def where(self, violation: Violation) -> str:
        """``in the subject``, ``in paragraph 2, sentence 3``, or ``in the reply as a whole``."""
        if violation.message.startswith("in the subject"):
            return "in the subject"
        if violation.start == violation.end == 0:
            return "in the reply as a whole"
        at = min(violation.start, len(self.body))
        index = bisect.bisect_right(self.breaks, at)
        paragraph_start = self.breaks[index - 1] if index else 0
        ends = bisect.bisect_left(self.ends, at - 1)
        ends -= bisect.bisect_left(self.ends, paragraph_start)
        ends += at > paragraph_start and self.body[at - 1] in ".!?"
        return f"in paragraph {self.full[index] + 1}, sentence {ends + 1}"


def _on(request: Request, channel: Channel | None) -> Request:
    """The request as asked on ``channel`` (the channel is a fact policies may read)."""
    if channel is None or channel == request.channel:
        return request
    return request.model_copy(update={"channel": channel})


@dataclass
class _Job:
    """One request on its way through stage 2."""

    request: Request
    verdict: Verdict
    prompt: Prompt
    renderer: PromptRenderer
    first: Completion | None = None
    first_composed: Composed | None = None
    first_report: ComplianceReport | None = None

    @property
    def verdict_sha256(self) -> str:
        return hashlib.sha256(self.verdict.model_dump_json().encode()).hexdigest()

    def compose(self, completion: Completion) -> Composed:
        brief, tone = self.prompt.brief, self.prompt.tone
        return self.renderer.phrasebook.compose(completion.body, brief, tone)

    def check(
        self, completion: Completion, *, canary: str | None = None
    ) -> tuple[Composed, ComplianceReport]:
        composed = self.compose(completion)
        report = guard.check(
            draft=composed,
            subject=completion.subject,
            verdict=self.verdict,
            request=self.request,
            canary=canary or self.prompt.canary,
            claims=completion.claims if completion.structured else None,
        )
        if not completion.truncated:
            return composed, report
        violations = [_cut_off(composed), *report.violations]
        return composed, ComplianceReport(passed=False, violations=violations)

    def draft(self, completion: Completion, composed: Composed, llm_calls: int) -> Draft:
        draft = completion.to_draft(
            template_version=self.prompt.template_version,
            verdict_sha256=self.verdict_sha256,
            llm_calls=llm_calls,
        )
        return draft.model_copy(update={"body": composed.text})

    def reply(
        self,
        completion: Completion,
        composed: Composed,
        report: ComplianceReport,
        *,
        llm_calls: int,
        repaired: bool = False,
    ) -> Reply:
        raw = None
        if self.first is not None and self.first_composed is not None:
            raw = self.draft(self.first, self.first_composed, self.first.llm_calls)
        first_codes = self.first_report.violations if self.first_report and repaired else []
        return Reply(
            verdict=self.verdict,
            draft=self.draft(completion, composed, llm_calls),
            report=report,
            raw_draft=raw,
            raw_report=self.first_report,
            repaired=repaired,
            repaired_codes=sorted({v.code for v in first_codes}),
            llm_calls=llm_calls,
            notices=self.notices(completion),
            prompt_sha256=self.prompt.sha256,
            template_version=self.prompt.template_version,
        )

    def notices(self, completion: Completion) -> list[str]:
        """What the agent must know before sending, shown beside the reply, never in it."""
        brief = self.prompt.brief
        if brief.customer_language == brief.language:
            return []
        name = brief.customer_language_name
        if completion.templated:
            return [
                f"The customer writes in {name}, which has no phrasebook: this templated reply "
                "is in English. Translate it before sending."
            ]
        return [
            f"The customer writes in {name}, which has no phrasebook: the model's own words are "
            f"in {name}, but the commitments (decision, reasons, refund, offers, next steps) "
            "are in English. Translate them before sending; drafter reads that language's "
            "own words only with the lexicons of en, es, fr and de."
        ]

    def templated(self, template: TemplateProvider) -> Reply:
        """The template provider's reply when it is the configured provider."""
        completion = template.reply(self.prompt.brief, self.prompt.tone)
        composed, report = self.check(completion)
        return self.reply(completion, composed, report, llm_calls=0)

    def fall_back(self, template: TemplateProvider, reason: str, *, llm_calls: int = 0) -> Reply:
        reply = self.templated(template)
        return reply.model_copy(
            update={"fallback": True, "fallback_reason": reason, "llm_calls": llm_calls}
        )
