"""Provider selection, the replay provider, and the client's MockTransport seam."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest
from openai import DefaultAsyncHttpxClient

from drafter.errors import ConfigError, LLMError
from drafter.phrase.providers import (
    OpenAIProvider,
    ReplayProvider,
    TemplateProvider,
    make_provider,
    save_recording,
)
from drafter.phrase.providers.openai import make_client
from drafter.settings import Settings
from tests.drafting.samples import case

ANSWER = json.dumps(
    {
        "subject": None,
        "body": "Hi Ana Ruiz, recorded.",
        "decision_stated": "decline",
        "markers_used": ["[[decision]]"],
    }
)


def test_auto_picks_template_without_an_endpoint_and_openai_with_one(tmp_path):
    assert isinstance(make_provider(Settings()), TemplateProvider)
    with_endpoint = Settings(llm_base_url="http://127.0.0.1:1/v1", llm_model="m")
    assert isinstance(make_provider(with_endpoint), OpenAIProvider)
    assert isinstance(
        make_provider(Settings(provider="replay", replay_dir=tmp_path)), ReplayProvider
    )
    forced = Settings(provider="template", llm_base_url="http://127.0.0.1:1/v1", llm_model="m")
    assert isinstance(make_provider(forced), TemplateProvider)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"llm_base_url": "http://x/v1"}, "llm_model is required"),
        ({"llm_base_url": "ftp://x"}, "http:// or https://"),
        ({"provider": "openai"}, "needs llm_base_url"),
        ({"provider": "replay"}, "needs replay_dir"),
        ({"llm_json_schema": "sometimes"}, "llm_json_schema"),
    ],
)
def test_unsafe_llm_settings_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        Settings(**values)


def test_make_client_needs_an_endpoint():
    with pytest.raises(ConfigError, match="llm_base_url"):
        make_client(Settings())


def test_replay_from_a_mapping_and_from_recordings(renderer, tmp_path):
    prompt = renderer.render(*case("decline"))
    provider = ReplayProvider({prompt.sha256: ANSWER})
    completion = asyncio.run(provider.complete(prompt))
    assert completion.body == "Hi Ana Ruiz, recorded."
    assert completion.provider == "replay"

    path = save_recording(tmp_path, prompt, completion)
    assert prompt.canary not in path.read_text()
    assert "[canary]" in path.read_text()
    fresh = renderer.render(*case("decline"))  # a new canary, the same hash
    from_disk = ReplayProvider(tmp_path)
    assert from_disk.has(fresh)
    assert asyncio.run(from_disk.complete(fresh)).body == completion.body


def test_replay_of_an_unrecorded_prompt_is_an_llm_error(renderer, tmp_path):
    prompt = renderer.render(*case("approve"))
    provider = ReplayProvider(tmp_path)
    assert not provider.has(prompt)
    with pytest.raises(LLMError, match="no recording"):
        asyncio.run(provider.complete(prompt))
    (tmp_path / f"{prompt.sha256}.json").write_text("{not json")
    with pytest.raises(LLMError, match="unreadable"):
        asyncio.run(provider.complete(prompt))


def test_mock_transport_seam_sees_the_request_and_connection_errors_are_retried(renderer):
    calls = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(json.loads(request.content))
        if len(calls) == 1:
            raise httpx2.ConnectError("connection refused", request=request)
        body = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "mock",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": ANSWER},
                }
            ],
        }
        return httpx2.Response(200, json=body)

    settings = Settings(llm_base_url="http://llm.invalid/v1", llm_model="m", llm_temperature=0.1)
    http_client = DefaultAsyncHttpxClient(transport=httpx2.MockTransport(handler))
    client = make_client(settings, http_client=http_client)
    completion = asyncio.run(client.complete(renderer.render(*case("decline"))))
    assert completion.body == "Hi Ana Ruiz, recorded."
    assert completion.attempts == 2
    assert completion.prompt_tokens is None  # the mock sent no usage
    assert calls[1]["temperature"] == 0.1
    assert calls[1]["model"] == "m"
    assert calls[1]["response_format"]["type"] == "json_schema"


def test_completion_becomes_a_draft_with_provenance(renderer):
    prompt = renderer.render(*case("decline", "en", "email"))
    completion = TemplateProvider(renderer).reply(prompt.brief)
    draft = completion.to_draft(
        template_version=prompt.template_version, verdict_sha256="ab" * 32, llm_calls=0
    )
    assert draft.templated
    assert draft.subject == completion.subject
    assert draft.body == completion.body
    assert draft.provenance.provider == "template"
    assert draft.provenance.template_version == prompt.template_version
    assert [m for m in draft.claims.markers if m.startswith("offer:")] == [
        "offer:store_credit",
        "offer:goodwill_discount",
    ]
