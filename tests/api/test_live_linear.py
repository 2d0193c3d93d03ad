"""Against a real ``drafter serve``: checking a worst-case draft never blocks the event loop.

The customer's message is 20,000 characters of ``<a hidden`` (once 24 s in the injection
regex, with ``/healthz`` blocked all along) and the scripted model answers with a 50,000-character
draft of the patterns' worst cases, with redaction on. ``/healthz`` must answer in under 100
ms while the draft is checked (95% of polls; every one within 500 ms).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

from drafter.keys import create_key
from drafter.schemas import MAX_MESSAGE_CHARS
from drafter.store import opened_store
from drafter.testing.llm_server import LLMServer
from drafter.testing.llm_server import Reply as Scripted
from tests.api.conftest import FIXTURES, make_settings
from tests.api.live import live_server
from tests.test_linear_time import _fill, worst_draft
from tests.test_pipeline import GOOD

HEALTHZ_BUDGET = 0.100
SCHEDULER_SLACK = 0.500


def test_healthz_answers_while_a_worst_case_draft_is_checked(
    llm_server: LLMServer, database_url: str, tmp_path: Path, ticket: dict[str, Any]
) -> None:
    body_text = worst_draft()
    llm_server.script.responder = lambda request: Scripted(
        {"subject": None, "body": body_text, "decision_stated": "decline", "markers_used": []}
    )
    with opened_store(make_settings(database_url, tmp_path)) as store:
        token, _ = create_key(store, "live", rate_limit_per_minute=10_000)
    env = {
        "DRAFTER_DATA_DIR": str(tmp_path / "data"),
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_DATABASE_URL": database_url,
        "DRAFTER_LLM_BASE_URL": llm_server.base_url,
        "DRAFTER_LLM_MODEL": "test-model",
        "DRAFTER_REDACT_PII": "true",
    }
    ticket["message"] = _fill("<a hidden", MAX_MESSAGE_CHARS)
    auth = {"Authorization": f"Bearer {token}"}
    answers: list[httpx.Response] = []
    failures: list[httpx.HTTPError] = []
    with live_server(env, log=tmp_path / "server.log") as server:

        def draft() -> None:
            body = {"policy": "mini-store", "request": ticket}
            with httpx.Client(base_url=server.url, headers=auth, timeout=120) as client:
                try:
                    answers.append(client.post("/v1/drafts", json=body))
                except httpx.HTTPError as error:  # fails below, not as a thread's exception
                    failures.append(error)

        worker = threading.Thread(target=draft)
        polls: list[float] = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            # A first, ordinary draft loads templates and locale data (once per process, and
            # not the customer's doing); the connection is then open before the timed draft.
            warm = dict(ticket, message="Hello")
            llm_server.script.push(Scripted(GOOD))
            first = client.post(
                "/v1/drafts", json={"policy": "mini-store", "request": warm}, headers=auth
            )
            assert first.status_code == 200
            worker.start()
            while worker.is_alive():
                started = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                polls.append(time.perf_counter() - started)
                time.sleep(0.005)
        worker.join()
    assert not failures
    assert answers
    assert answers[0].status_code == 200, answers[0].text
    assert answers[0].json()["reply"]["fallback"]  # the draft broke the verdict twice
    assert len(polls) >= 3, "the draft was checked while /healthz was polled"
    slowest = sorted(polls)
    assert slowest[int(len(slowest) * 0.95)] < HEALTHZ_BUDGET, slowest[-5:]
    # A single poll may wait on the OS scheduler of a shared two-core machine (seen: 130 ms);
    # a blocked event loop held every poll for the whole check (24 s).
    assert slowest[-1] < SCHEDULER_SLACK, slowest[-5:]
