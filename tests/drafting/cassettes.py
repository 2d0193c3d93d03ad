"""vcrpy cassettes for the openai SDK path: how they are recorded and replayed.

Record (against the local scripted server, never the internet)::

    .venv/bin/python -m tests.drafting.cassettes

Tests replay them with ``record_mode="none"``, so a request the cassette does not hold fails.
``authorization`` and every ``x-stainless-*`` header are dropped before anything is stored, and
the scripted server's random port is normalised so replays match from any machine.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import vcr

from drafter.phrase.prompting import PromptRenderer
from drafter.phrase.providers import Completion, make_client
from drafter.settings import Settings, project_root
from drafter.testing.llm_server import Reply, ScriptedLLM, run_llm_server
from tests.drafting.samples import case

CASSETTES = Path(__file__).resolve().parent / "cassettes"
RECORDED_BASE_URL = "http://127.0.0.1:8765/v1"
DRAFT = {
    "subject": None,
    "body": "Hola, Ana Ruiz. Gracias por escribirnos. [[decision]] [[reason:outside_window]] "
    "[[offer:store_credit]] [[offer:goodwill_discount]] [[next_step]]",
    "decision_stated": "decline",
    "markers_used": [
        "[[decision]]",
        "[[reason:outside_window]]",
        "[[offer:store_credit]]",
        "[[offer:goodwill_discount]]",
        "[[next_step]]",
    ],
}


def scrub(request: Any) -> Any:
    """Drop secrets and SDK fingerprints; pin the port so the cassette replays anywhere."""
    request = copy.deepcopy(request)
    for name in list(request.headers):
        if name.lower() in ("authorization", "host") or name.lower().startswith("x-stainless"):
            del request.headers[name]
    request.uri = request.uri.replace(request.uri.split("/v1/")[0], RECORDED_BASE_URL[:-3])
    return request


def make_vcr(record_mode: str) -> vcr.VCR:
    return vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=record_mode,
        match_on=("method", "path", "body"),
        before_record_request=scrub,
    )


def sample_prompt() -> Any:
    renderer = PromptRenderer(project_root() / "prompts")
    return renderer.render(*case("decline", "es", "chat", "Quiero mi dinero."), canary="cnry-vcr")


async def exercise(base_url: str) -> tuple[Completion, list[str], Completion | None]:
    """One structured completion and one streamed completion, as the pipeline would make."""
    settings = Settings(llm_base_url=base_url, llm_model="test-model", llm_api_key="sk-secret")
    client = make_client(settings)
    try:
        prompt = sample_prompt()
        completion = await client.complete(prompt)
        stream = client.stream(prompt)
        deltas = [delta async for delta in stream]
        return completion, deltas, stream.completion
    finally:
        await client.aclose()


def record() -> None:
    script = ScriptedLLM()
    script.push(Reply(DRAFT, model="recorded-model"), Reply(DRAFT, model="recorded-model"))
    with run_llm_server(script) as server, make_vcr("all").use_cassette("sdk_paths.yaml"):
        asyncio.run(exercise(server.base_url))


if __name__ == "__main__":
    record()
    print(f"recorded {CASSETTES / 'sdk_paths.yaml'}")
