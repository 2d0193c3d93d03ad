"""Policy impact: replay a policy's stored requests against a candidate version and report what
would change (``drafter policy impact``): read from the audit store (``drafter.store``),
evaluate with the engine (``drafter.policy``), tally (``replay``), render (``render``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

from drafter.impact.candidate import Candidate, current_policy, open_candidate
from drafter.impact.replay import Tally, replay, replay_one
from drafter.policy import Policy, load_policy
from drafter.store import AuditStore, RequestScope, StoredRequest

__all__ = [
    "Candidate",
    "Impact",
    "Tally",
    "current_policy",
    "open_candidate",
    "run_impact",
    "sampled",
]

CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class Impact:
    """A replay's result: what was replayed, against what, and the tally. ``baseline`` is the
    policy the candidate was compared with (None: the stored verdicts); ``cut`` is when the
    newest request that ``scope.newest`` left out was stored (None: none was left out)."""

    scope: RequestScope
    sample: float | None
    candidate: Candidate
    tally: Tally
    baseline: Candidate | None = None
    cut: dt.datetime | None = None


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
    baseline: Candidate | None = None,
    sample: float | None = None,
    jobs: int = 1,
    examples: int = 3,
) -> Impact:
    """Replay the stored requests in ``scope`` (a hashed ``sample`` of them, if given) against
    ``candidate``, in ``jobs`` processes, each compared with its stored verdict or with the
    verdict ``baseline`` gives it."""
    cut: list[StoredRequest] = []
    if scope.newest is None:
        rows: Iterable[StoredRequest] = store.stored_requests(scope)
    else:  # one more than asked, to tell whether any were left out
        more = store.stored_requests(replace(scope, newest=scope.newest + 1))
        rows = _first(more, scope.newest, cut)
    if sample is not None:
        rows = sampled(rows, sample)
    against = None if baseline is None else baseline.policy
    if jobs <= 1:
        tally = replay(rows, candidate.policy, examples=examples, baseline=against)
    else:
        paths = (candidate.path, None if baseline is None else baseline.path)
        tally = _replay_in_processes(rows, paths, jobs, examples)
    left_out = cut[0].created_at if cut else None
    return Impact(scope, sample, candidate, tally, baseline, left_out)


def _first(
    rows: Iterable[StoredRequest], count: int, rest: list[StoredRequest]
) -> Iterator[StoredRequest]:
    """The first ``count`` rows; the next one, if any, is put in ``rest``."""
    for index, row in enumerate(rows):
        if index == count:
            rest.append(row)
            return
        yield row


_WORKER_POLICIES: tuple[Policy, Policy | None] | None = None


def _load(candidate: str, baseline: str | None) -> None:
    global _WORKER_POLICIES
    _WORKER_POLICIES = (
        load_policy(Path(candidate)),
        None if baseline is None else load_policy(Path(baseline)),
    )


def _replay_chunk(rows: list[StoredRequest], examples: int) -> Tally:
    assert _WORKER_POLICIES is not None
    candidate, baseline = _WORKER_POLICIES
    tally = Tally(examples_per_kind=examples)
    for row in rows:
        replay_one(tally, candidate, row, baseline)
    return tally


def _replay_in_processes(
    rows: Iterable[StoredRequest], paths: tuple[Path, Path | None], jobs: int, examples: int
) -> Tally:
    """This process reads the rows and hands them out in chunks; each worker loads the
    candidate (and the baseline) once and sends back a tally of its chunk, which merges
    exactly. At most two chunks per worker wait, so a million rows are never all in memory."""
    tally = Tally(examples_per_kind=examples)
    iterator = iter(rows)
    initargs = (str(paths[0]), None if paths[1] is None else str(paths[1]))
    with ProcessPoolExecutor(jobs, initializer=_load, initargs=initargs) as pool:
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
