"""The LLM client through the real openai SDK, over real HTTP, against the scripted server."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from drafter.errors import LLMError
from drafter.phrase.providers.openai import make_client
from drafter.testing.llm_server import Fail, Malformed, Reply
from tests.drafting.conftest import llm_settings
from tests.drafting.samples import case

DRAFT = {
    "subject": "Your request for a refund",
    "body": "Hi Ana Ruiz,\nWe can't approve a refund, but we can offer store credit of $59.00.",
    "decision_stated": "decline",
    "markers_used": ["[[decision]]"],
}


@pytest.fixture
def prompt(renderer):
    return renderer.render(*case("decline", "en", "email", "Please refund me."))


def run(coro):
    return asyncio.run(coro)


async def complete(settings, prompt):
    client = make_client(settings)
    try:
        return await client.complete(prompt)
    finally:
        await client.aclose()


async def stream(settings, prompt):
    client = make_client(settings)
    try:
        draft_stream = client.stream(prompt)
        deltas = [delta async for delta in draft_stream]
        return deltas, draft_stream.completion
    finally:
        await client.aclose()


def test_structured_reply_with_usage_and_provenance(llm_server, prompt):
    llm_server.script.push(Reply(DRAFT))
    completion = run(complete(llm_settings(llm_server), prompt))
    assert completion.body == DRAFT["body"]
    assert completion.subject == DRAFT["subject"]
    assert completion.claims.decision == "decline"
    assert completion.claims.markers == ["decision"]
    assert completion.structured
    assert completion.attempts == 1
    assert completion.llm_calls == 1
    assert completion.prompt_tokens > 1000
    assert completion.completion_tokens > 10
    assert completion.latency_ms > 0
    assert completion.model == "scripted-model"
    sent = llm_server.script.requests[0]
    assert sent.body["model"] == "test-model"
    assert sent.body["max_tokens"] == 900
    assert sent.body["response_format"]["json_schema"]["strict"] is True
    assert sent.body["messages"][0]["content"] == prompt.system
    assert sent.headers["authorization"] == "Bearer sk-test-secret"


def test_429_is_retried_after_the_retry_after_delay(llm_server, prompt):
    llm_server.script.push(Fail(429, retry_after="0.4"), Reply(DRAFT))
    started = time.perf_counter()
    completion = run(complete(llm_settings(llm_server), prompt))
    assert time.perf_counter() - started >= 0.4
    assert completion.attempts == 2
    assert len(llm_server.script.requests) == 2


def test_500_then_success(llm_server, prompt):
    llm_server.script.push(Fail(500), Fail(503), Reply(DRAFT))
    completion = run(complete(llm_settings(llm_server), prompt))
    assert completion.attempts == 3
    assert completion.body == DRAFT["body"]


def test_5xx_retries_stop_at_max_attempts(llm_server, prompt):
    llm_server.script.push(*[Fail(502)] * 5)
    with pytest.raises(LLMError, match="answered 502"):
        run(complete(llm_settings(llm_server, llm_max_attempts=3), prompt))
    assert len(llm_server.script.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_never_retried(llm_server, prompt, status):
    llm_server.script.push(Fail(status, message="nope"), Reply(DRAFT))
    with pytest.raises(LLMError, match=f"answered {status}: nope"):
        run(complete(llm_settings(llm_server, llm_json_schema="on"), prompt))
    assert len(llm_server.script.requests) == 1


def test_retry_after_beyond_the_deadline_gives_up_at_once(llm_server, prompt):
    llm_server.script.push(Fail(429, retry_after="30"), Reply(DRAFT))
    started = time.perf_counter()
    with pytest.raises(LLMError, match="429"):
        run(complete(llm_settings(llm_server, llm_deadline_s=3), prompt))
    assert time.perf_counter() - started < 1.5
    assert len(llm_server.script.requests) == 1


def test_slow_endpoint_is_cut_off_by_the_deadline(llm_server, prompt):
    llm_server.script.push(*[Reply(DRAFT, delay_s=3)] * 4)
    settings = llm_settings(llm_server, llm_timeout_s=0.5, llm_deadline_s=1.2)
    started = time.perf_counter()
    with pytest.raises(LLMError, match=r"did not answer|deadline"):
        run(complete(settings, prompt))
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert 2 <= len(llm_server.script.requests) <= 3  # timeouts are retried, within the deadline


def test_connection_refused_is_an_llm_error(prompt):
    from drafter.settings import Settings

    settings = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_deadline_s=1)
    with pytest.raises(LLMError, match=r"cannot reach|deadline"):
        run(complete(settings, prompt))


def test_malformed_response_body_is_an_llm_error(llm_server, prompt):
    llm_server.script.push(Malformed())
    with pytest.raises(LLMError, match="malformed"):
        run(complete(llm_settings(llm_server), prompt))


@pytest.mark.parametrize("reject_with", [400, 500])
def test_json_schema_rejection_falls_back_to_plain_text(llm_server, prompt, reject_with):
    llm_server.script.reject_json_schema = reject_with
    llm_server.script.push(Reply(DRAFT), Reply(DRAFT))

    async def two_calls():
        client = make_client(llm_settings(llm_server))
        try:
            return await client.complete(prompt), await client.complete(prompt)
        finally:
            await client.aclose()

    first, second = run(two_calls())
    assert first.body == second.body == DRAFT["body"]
    assert first.structured
    schema_flags = [r.wants_schema for r in llm_server.script.requests]
    assert schema_flags == [True, False, False]  # retried once without it, then remembered


def test_json_schema_off_never_sends_it(llm_server, prompt):
    run(complete(llm_settings(llm_server, llm_json_schema="off"), prompt))
    assert not llm_server.script.requests[0].wants_schema


def test_plain_text_answer_becomes_the_body_with_its_subject(llm_server, prompt):
    llm_server.script.push(Reply("Subject: About your refund\n\nHi Ana Ruiz,\nWe can't refund it."))
    completion = run(complete(llm_settings(llm_server), prompt))
    assert completion.subject == "About your refund"
    assert completion.body == "Hi Ana Ruiz,\nWe can't refund it."
    assert not completion.structured
    assert completion.claims.decision is None


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply('{"subject": "Your refund", "bo', finish_reason="length"), "before any reply"),
        (Reply({**DRAFT, "body": "   "}), "empty"),
        (Reply(DRAFT, finish_reason="content_filter"), "content filter"),
    ],
)
def test_unusable_answers_are_llm_errors(llm_server, prompt, reply, message):
    llm_server.script.push(reply)
    with pytest.raises(LLMError, match=message):
        run(complete(llm_settings(llm_server), prompt))


def test_an_answer_cut_off_at_the_token_limit_keeps_what_was_written(llm_server, prompt):
    text = json.dumps({"subject": DRAFT["subject"], "body": DRAFT["body"][:40]})[:-2]
    llm_server.script.push(Reply(text, finish_reason="length"))
    completion = run(complete(llm_settings(llm_server), prompt))
    assert completion.truncated
    assert completion.body == DRAFT["body"][:40].strip()
    assert completion.raw == text
    assert completion.claims.decision is None  # a cut-off answer claims nothing


def test_streaming_yields_body_deltas_then_the_completion(llm_server, prompt):
    llm_server.script.chunk_chars = 7
    llm_server.script.push(Reply(DRAFT))
    deltas, completion = run(stream(llm_settings(llm_server), prompt))
    assert len(deltas) > 5
    assert "".join(deltas) == DRAFT["body"]
    assert completion.body == DRAFT["body"]
    assert completion.claims.markers == ["decision"]
    assert completion.prompt_tokens > 1000  # usage from the final chunk
    assert llm_server.script.requests[0].body["stream"] is True


def test_streaming_plain_text_passes_through(llm_server, prompt):
    llm_server.script.push(Reply("Hi Ana Ruiz, we can't refund it."))
    deltas, completion = run(stream(llm_settings(llm_server), prompt))
    assert "".join(deltas) == "Hi Ana Ruiz, we can't refund it." == completion.body


def test_streaming_open_is_retried(llm_server, prompt):
    llm_server.script.push(Fail(429, retry_after="0.1"), Reply(DRAFT))
    deltas, completion = run(stream(llm_settings(llm_server), prompt))
    assert "".join(deltas) == DRAFT["body"]
    assert completion.attempts == 2


def test_truncated_stream_is_an_llm_error(llm_server, prompt):
    llm_server.script.push(Reply(DRAFT, truncate_after=6))
    received = []

    async def consume():
        client = make_client(llm_settings(llm_server))
        try:
            async for delta in client.stream(prompt):
                received.append(delta)
        finally:
            await client.aclose()

    with pytest.raises(LLMError, match="truncated"):
        run(consume())
    assert received
    assert "".join(received) in DRAFT["body"]


def test_malformed_stream_event_is_an_llm_error(llm_server, prompt):
    llm_server.script.push(Malformed())
    with pytest.raises(LLMError):
        run(stream(llm_settings(llm_server), prompt))


def test_scripted_responder_can_key_on_the_request(llm_server, renderer):
    def by_language(request):
        user = request.messages[-1]["content"]
        return Reply({**DRAFT, "body": "Hola" if "Language: Spanish" in user else "Hello"})

    llm_server.script.responder = by_language
    spanish = renderer.render(*case("decline", "es", "chat"))
    english = renderer.render(*case("decline", "en", "chat"))
    settings = llm_settings(llm_server)
    assert run(complete(settings, spanish)).body == "Hola"
    assert run(complete(settings, english)).body == "Hello"
    assert json.loads(json.dumps(llm_server.script.requests[0].body))["model"] == "test-model"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://agent:pa55word@127.0.0.1:9/v1",
        "http://127.0.0.1:9/v1?api-key=qs-token-123",
        "http://agent%40corp:p%40ss@127.0.0.1:9/v1",
    ],
)
def test_an_unreachable_endpoint_is_named_without_its_credentials(prompt, base_url):
    from drafter.settings import Settings

    settings = Settings(
        llm_base_url=base_url, llm_model="m", llm_api_key="sk-live-key", llm_deadline_s=1
    )
    with pytest.raises(LLMError) as caught:
        run(complete(settings, prompt))
    reason = str(caught.value)
    if "cannot reach" in reason:  # (a busy machine may hit the deadline first)
        assert "cannot reach http://127.0.0.1:9/v1" in reason
    for secret in ("pa55word", "agent", "qs-token-123", "p@ss", "p%40ss", "sk-live-key"):
        assert secret not in reason


def test_an_endpoint_that_echoes_the_key_is_quoted_without_it(llm_server, prompt):
    echo = Fail(401, message="Incorrect API key provided: sk-test-secret")
    llm_server.script.push(*[echo] * 4)
    with pytest.raises(LLMError) as caught:
        run(complete(llm_settings(llm_server), prompt))
    assert "sk-test-secret" not in str(caught.value)
    assert "Incorrect API key provided: ***" in str(caught.value)
