"""Policy impact: replay a policy's stored requests against a candidate version and report what
would change (``drafter policy impact``): read from the audit store (``drafter.store``),
evaluate with the engine (``drafter.policy``), tally (``replay``), render (``render``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from drafter.impact.candidate import Candidate, open_candidate
from drafter.impact.replay import Tally, replay, replay_one
from drafter.policy import Policy, load_policy
from drafter.store import AuditStore, RequestScope, StoredRequest

__all__ = ["Candidate", "Impact", "Tally", "open_candidate", "run_impact", "sampled"]

CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class Impact:
    """A replay's result: what was replayed, against what, and the tally."""

    scope: RequestScope
    sample: float | None
    candidate: Candidate
    tally: Tally


def sampled(rows: Iterable[StoredRequest], fraction: float) -> Iterator[StoredRequest]:
    """The rows whose id hashes below ``fraction``: the same sample on every run and on any
    database, whatever order the rows come in."""
    bound = int(fraction * 2**64)
    for row in rows:
        if int.from_bytes(hashlib.sha256(row.id.encode()).digest()[:8]) < bound:
            yield row


def run_impact(
    store: AuditStore,
    scope: RequestScope,
    candidate: Candidate,
    *,
    sample: float | None = None,
    jobs: int = 1,
    examples: int = 3,
) -> Impact:
    """Replay the stored requests in ``scope`` (a hashed ``sample`` of them, if given) against
    ``candidate``, in ``jobs`` processes."""
    rows: Iterable[StoredRequest] = store.stored_requests(scope)
    if sample is not None:
        rows = sampled(rows, sample)
    if jobs <= 1:
        tally = replay(rows, candidate.policy, examples=examples)
    else:
        tally = _replay_in_processes(rows, candidate.path, jobs, examples)
    return Impact(scope, sample, candidate, tally)


_WORKER_POLICY: Policy | None = None


def _load(path: str) -> None:
    global _WORKER_POLICY
    _WORKER_POLICY = load_policy(Path(path))


def _replay_chunk(rows: list[StoredRequest], examples: int) -> Tally:
    assert _WORKER_POLICY is not None
    tally = Tally(examples_per_kind=examples)
    for row in rows:
        replay_one(tally, _WORKER_POLICY, row)
    return tally


def _replay_in_processes(
    rows: Iterable[StoredRequest], path: Path, jobs: int, examples: int
) -> Tally:
    """This process reads the rows and hands them out in chunks; each worker loads the
    candidate once and sends back a tally of its chunk, which merges exactly. At most two
    chunks per worker wait, so a million rows are never all in memory."""
    tally = Tally(examples_per_kind=examples)
    iterator = iter(rows)
    with ProcessPoolExecutor(jobs, initializer=_load, initargs=(str(path),)) as pool:
        pending: set[Future[Tally]] = set()
        while chunk := list(islice(iterator, CHUNK)):
            pending.add(pool.submit(_replay_chunk, chunk, examples))
            if len(pending) >= 2 * jobs:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                _merge(tally, done)
        _merge(tally, pending)
    return tally


def _merge(tally: Tally, done: Iterable[Future[Tally]]) -> None:
    for future in done:
        tally.merge(future.result())
