"""Providers: who writes the draft for a rendered prompt (a model, a template, a recording)."""

from __future__ import annotations

import httpx2

from drafter.errors import ConfigError
from drafter.phrase.prompting import PromptRenderer
from drafter.phrase.providers.base import Completion, Provider, ReplyStream, StaticStream
from drafter.phrase.providers.openai import OpenAIProvider, make_client
from drafter.phrase.providers.replay import ReplayProvider, recording_of, save_recording
from drafter.phrase.providers.template import TemplateProvider
from drafter.settings import Settings

__all__ = [
    "Completion",
    "OpenAIProvider",
    "Provider",
    "ReplayProvider",
    "ReplyStream",
    "StaticStream",
    "TemplateProvider",
    "make_client",
    "make_provider",
    "recording_of",
    "save_recording",
]


def make_provider(
    settings: Settings,
    *,
    renderer: PromptRenderer | None = None,
    http_client: httpx2.AsyncClient | None = None,
) -> Provider:
    """The provider ``settings.provider`` names; ``auto`` is openai with an endpoint, else the
    template provider (the embedded default that needs no key).

    Raises:
        ConfigError: the chosen provider is missing what it needs.
    """
    choice = settings.provider
    if choice == "auto":
        choice = "openai" if settings.llm_base_url else "template"
    if choice == "openai":
        return OpenAIProvider(make_client(settings, http_client=http_client))
    if choice == "replay":
        if settings.replay_dir is None:
            raise ConfigError("replay_dir must be set for the replay provider")
        return ReplayProvider(settings.replay_dir)
    return TemplateProvider(renderer or PromptRenderer.from_settings(settings))
