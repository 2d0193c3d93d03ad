"""The whole job, stage by stage: request → verdict → prompt → LLM → guard → reply.

The verdict is decided before any model is called, so nothing a customer writes can change it.
Every draft is checked against the verdict. A draft that breaks it gets one repair attempt with
the violations fed back; if that fails too, or the model is unreachable, the reply is the
templated one, flagged ``fallback`` with the violations that caused it. LLM faults never reach
the caller as exceptions, and no reply is ever empty.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from drafter import guard
from drafter.errors import LLMError
from drafter.phrase.prompting import Prompt, PromptRenderer
from drafter.phrase.providers import Provider, TemplateProvider, make_provider
from drafter.phrase.providers.base import Completion
from drafter.policy import PolicyRegistry, evaluate
from drafter.schemas import Channel, ComplianceReport, Draft, Request, Tone, Verdict, Violation
from drafter.settings import Settings

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
    llm_calls: int = 0
    prompt_sha256: str
    template_version: str


@dataclass(frozen=True, slots=True)
class Delta:
    """A piece of the model's draft as it streams (it may still be replaced by the guard)."""

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

    def decide(self, request: Request, policy_id: str) -> Verdict:
        """Stage 1 alone. Raises UserError subclasses for requests that do not fit."""
        return evaluate(self.registry.get(policy_id), request)

    async def reply(
        self,
        request: Request,
        policy_id: str,
        *,
        channel: Channel | None = None,
        tone: Tone | None = None,
    ) -> Reply:
        """The checked reply. Raises only for the caller's mistakes (UserError).

        ``channel`` overrides the request's; ``tone`` asks the model for a register (the
        templated fallback has one register, whatever the tone).
        """
        job = self._start(request, policy_id, channel, tone)
        if self.provider.name == "template":
            return job.templated(self.template)
        try:
            completion = await self.provider.complete(job.prompt)
        except LLMError as error:
            return job.fall_back(self.template, f"the language model failed: {error}")
        return await self._checked(job, completion)

    async def stream(
        self,
        request: Request,
        policy_id: str,
        *,
        channel: Channel | None = None,
        tone: Tone | None = None,
    ) -> AsyncIterator[Delta | Final]:
        """The model's draft as it is written, then the checked reply (which may differ)."""
        job = self._start(request, policy_id, channel, tone)
        if self.provider.name == "template":
            reply = job.templated(self.template)
            for line in reply.draft.body.splitlines(keepends=True):
                yield Delta(line)
            yield Final(reply)
            return
        stream = self.provider.stream(job.prompt)
        try:
            async for text in stream:
                yield Delta(text)
        except LLMError as error:
            yield Final(job.fall_back(self.template, f"the language model failed: {error}"))
            return
        assert stream.completion is not None  # set once iteration ends without error
        yield Final(await self._checked(job, stream.completion))

    def _start(
        self, request: Request, policy_id: str, channel: Channel | None, tone: Tone | None
    ) -> _Job:
        if channel is not None and channel != request.channel:
            request = request.model_copy(update={"channel": channel})
        verdict = self.decide(request, policy_id)
        return _Job(request, verdict, self.renderer.render(request, verdict, tone=tone))

    async def _checked(self, job: _Job, completion: Completion) -> Reply:
        report = job.check(completion)
        job.first, job.first_report = completion, report
        if report.passed:
            return job.reply(completion, report, llm_calls=completion.llm_calls)
        repair = self.renderer.render_repair(job.prompt, completion.raw, _feedback(report))
        try:
            repaired = await self.provider.complete(repair)
        except LLMError as error:
            return job.fall_back(self.template, f"the repair attempt failed: {error}")
        repaired_report = job.check(repaired, canary=repair.canary)
        if repaired_report.passed:
            calls = completion.llm_calls + repaired.llm_calls
            return job.reply(repaired, repaired_report, llm_calls=calls, repaired=True)
        codes = ", ".join(sorted({v.code for v in repaired_report.violations}))
        return job.fall_back(
            self.template,
            f"the draft broke the verdict twice ({codes})",
            llm_calls=completion.llm_calls + repaired.llm_calls,
        )


def _cut_off(completion: Completion) -> Violation:
    """A draft the token limit cut off is unfinished, whatever the guard found in it."""
    end = len(completion.body)
    return Violation(
        code="truncated",
        message="the reply was cut off at the token limit; write a complete, shorter reply",
        start=max(0, end - 60),
        end=end,
        excerpt=completion.body[-60:],
    )


def _feedback(report: ComplianceReport) -> list[str]:
    return [f'{v.code}: {v.message} ("{v.excerpt}")' for v in report.violations]


@dataclass
class _Job:
    """One request on its way through stage 2."""

    request: Request
    verdict: Verdict
    prompt: Prompt
    first: Completion | None = None
    first_report: ComplianceReport | None = None

    @property
    def verdict_sha256(self) -> str:
        return hashlib.sha256(self.verdict.model_dump_json().encode()).hexdigest()

    def check(self, completion: Completion, *, canary: str | None = None) -> ComplianceReport:
        report = guard.check(
            body=completion.body,
            subject=completion.subject,
            verdict=self.verdict,
            request=self.request,
            canary=canary or self.prompt.canary,
        )
        if not completion.truncated:
            return report
        return ComplianceReport(passed=False, violations=[_cut_off(completion), *report.violations])

    def draft(self, completion: Completion, llm_calls: int) -> Draft:
        return completion.to_draft(
            template_version=self.prompt.template_version,
            verdict_sha256=self.verdict_sha256,
            llm_calls=llm_calls,
        )

    def reply(
        self,
        completion: Completion,
        report: ComplianceReport,
        *,
        llm_calls: int,
        repaired: bool = False,
    ) -> Reply:
        return Reply(
            verdict=self.verdict,
            draft=self.draft(completion, llm_calls),
            report=report,
            raw_draft=self.draft(self.first, self.first.llm_calls) if self.first else None,
            raw_report=self.first_report,
            repaired=repaired,
            llm_calls=llm_calls,
            prompt_sha256=self.prompt.sha256,
            template_version=self.prompt.template_version,
        )

    def templated(self, template: TemplateProvider) -> Reply:
        """The template provider's reply when it is the configured provider."""
        completion = template.reply(self.prompt.brief)
        return self.reply(completion, self.check(completion), llm_calls=0)

    def fall_back(self, template: TemplateProvider, reason: str, *, llm_calls: int = 0) -> Reply:
        reply = self.templated(template)
        return reply.model_copy(
            update={"fallback": True, "fallback_reason": reason, "llm_calls": llm_calls}
        )
