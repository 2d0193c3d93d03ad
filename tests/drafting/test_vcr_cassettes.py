"""Replay the recorded SDK traffic (non-streamed and streamed) with record_mode="none".

The facts the test relies on are pinned here, not only in the cassette: the body, claims and
usage of the recorded reply, and that no secret or SDK fingerprint header was stored.
"""

from __future__ import annotations

import asyncio

import yaml

from tests.drafting.cassettes import CASSETTES, DRAFT, RECORDED_BASE_URL, exercise, make_vcr


def test_sdk_paths_replay_from_the_cassette():
    with make_vcr("none").use_cassette("sdk_paths.yaml") as cassette:
        completion, deltas, streamed = asyncio.run(exercise(RECORDED_BASE_URL))
    assert cassette.play_count == 2
    assert cassette.all_played
    assert completion.body == DRAFT["body"] == streamed.body == "".join(deltas)
    assert completion.model == "recorded-model"
    assert completion.structured
    assert completion.claims.markers[2] == "offer:store_credit"
    assert completion.prompt_tokens == streamed.prompt_tokens > 1000
    assert len(deltas) > 3


def test_cassette_holds_no_secrets_or_sdk_fingerprints():
    cassette = yaml.safe_load((CASSETTES / "sdk_paths.yaml").read_text(encoding="utf-8"))
    for interaction in cassette["interactions"]:
        names = {name.lower() for name in interaction["request"]["headers"]}
        assert "authorization" not in names
        assert not any(name.startswith("x-stainless") for name in names)
        assert "sk-secret" not in str(interaction)


def test_an_unrecorded_request_is_refused(renderer):
    import pytest
    from vcr.errors import CannotOverwriteExistingCassetteException

    from drafter.errors import LLMError

    async def other_prompt():
        from drafter.phrase.providers.openai import make_client
        from drafter.settings import Settings
        from tests.drafting.samples import case

        settings = Settings(
            llm_base_url=RECORDED_BASE_URL, llm_model="test-model", llm_deadline_s=2
        )
        client = make_client(settings)
        try:
            await client.complete(renderer.render(*case("approve"), canary="cnry-vcr"))
        finally:
            await client.aclose()

    with (
        make_vcr("none").use_cassette("sdk_paths.yaml"),
        pytest.raises((CannotOverwriteExistingCassetteException, LLMError)),
    ):
        asyncio.run(other_prompt())
