"""Prometheus metrics. With several worker processes (``drafter serve --workers N``) each
process writes its samples to ``metrics_dir`` and ``/metrics`` adds them up."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = [
    "CONTENT_TYPE_LATEST",
    "DRAFTS",
    "DRAFT_OVERHEAD",
    "IN_FLIGHT",
    "REQUESTS",
    "REQUEST_SECONDS",
    "STREAM_STATUS",
    "VERDICTS",
    "exposition",
]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

# The key in a request's ``scope["state"]`` under which a stream that ended in an error event
# notes that error's status: its 200 was sent before the error happened, and it is the error
# that the access log and the request counter must show.
STREAM_STATUS = "stream_status"

REQUESTS = Counter(
    "drafter_http_requests", "HTTP requests answered.", ["method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "drafter_http_request_seconds",
    "Time from request to the last byte of the response.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge(
    "drafter_http_in_flight", "Requests being answered now.", multiprocess_mode="livesum"
)
VERDICTS = Counter("drafter_verdicts", "Verdicts decided, by decision.", ["decision"])
DRAFTS = Counter(
    "drafter_drafts", "Drafts written, by decision and fallback.", ["decision", "fallback"]
)
DRAFT_OVERHEAD = Histogram(
    "drafter_draft_overhead_seconds",
    "Time a draft spent in drafter itself: total minus the language model's own time.",
    buckets=_LATENCY_BUCKETS,
)


def exposition(metrics_dir: Path | None) -> bytes:
    """The text exposition of every metric, summed over worker processes when they share a
    metrics directory."""
    if metrics_dir is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))  # type: ignore[no-untyped-call]
    return generate_latest(registry)
