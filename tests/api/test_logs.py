"""JSON log lines: one object per line, with the request id, written off the event loop."""

from __future__ import annotations

import io
import json
import logging
import sys

from drafter.api.logs import BackgroundHandler, JsonFormatter, request_id_var


def test_lines_carry_the_request_id_of_their_context_and_all_reach_the_stream() -> None:
    stream = io.StringIO()
    handler = BackgroundHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("drafter.test-logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        token = request_id_var.set("req_abc")
        for number in range(500):
            logger.warning("event %d", number, extra={"draft_id": f"dr_{number}"})
        request_id_var.reset(token)
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
        handler.close()  # drains the queue
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(entries) == 501
    assert entries[0]["request_id"] == "req_abc"
    assert entries[0]["message"] == "event 0"
    assert entries[0]["draft_id"] == "dr_0"
    assert entries[499]["message"] == "event 499"
    assert entries[-1]["request_id"] is None
    assert entries[0]["time"].endswith("Z")


def test_an_exception_is_logged_by_type_only() -> None:
    stream = io.StringIO()
    handler = BackgroundHandler(stream)
    handler.setFormatter(JsonFormatter())
    record = logging.LogRecord("drafter", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        raise ValueError("customer said: my card is 4111 1111 1111 1111")
    except ValueError:
        record.exc_info = sys.exc_info()
    handler.emit(record)
    handler.close()
    entry = json.loads(stream.getvalue())
    assert entry["exception"] == "ValueError"
    assert "4111" not in stream.getvalue()
