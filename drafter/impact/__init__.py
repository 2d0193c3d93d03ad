"""Policy impact: replay a policy's stored requests against a candidate version and report what
would change (``drafter policy impact``): read from the audit store (``drafter.store``),
evaluate with the engine (``drafter.policy``), tally (``replay``), render (``render``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import URL

from drafter.impact.candidate import Candidate, current_policy, open_candidate
from drafter.impact.replay import Tally, replay
from drafter.policy import load_policy
from drafter.store import AuditStore, RequestScope, StoredRequest, reader

__all__ = [
    "Candidate",
    "Impact",
    "Tally",
    "current_policy",
    "open_candidate",
    "run_impact",
    "sampled",
]


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
    if jobs > 1 and scope.newest is None:
        paths = (candidate.path, None if baseline is None else baseline.path)
        tally = _replay_in_parts(store, scope, paths, sample, jobs, examples)
    else:  # in this process; the newest few are always read in one piece
        if scope.newest is None:
            rows: Iterable[StoredRequest] = store.stored_requests(scope)
        else:  # one more than asked, to tell whether any were left out
            more = store.stored_requests(replace(scope, newest=scope.newest + 1))
            rows = _first(more, scope.newest, cut)
        if sample is not None:
            rows = sampled(rows, sample)
        against = None if baseline is None else baseline.policy
        tally = replay(rows, candidate.policy, examples=examples, baseline=against)
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


def _replay_in_parts(
    store: AuditStore,
    scope: RequestScope,
    paths: tuple[Path, Path | None],
    sample: float | None,
    jobs: int,
    examples: int,
) -> Tally:
    """One worker process per part of the rows: each reads its own part from the database
    (no row passes through this process), loads the candidate (and the baseline) once, and
    sends back its tally, which merges exactly."""
    tally = Tally(examples_per_kind=examples)
    policies = (str(paths[0]), None if paths[1] is None else str(paths[1]))
    with ProcessPoolExecutor(jobs) as pool:
        parts = [
            pool.submit(
                _replay_part,
                store.engine.url,
                replace(scope, part=(k, jobs)),
                policies,
                sample,
                examples,
            )
            for k in range(jobs)
        ]
        for part in parts:
            tally.merge(part.result())
    return tally


def _replay_part(
    url: URL,
    scope: RequestScope,
    policies: tuple[str, str | None],
    sample: float | None,
    examples: int,
) -> Tally:
    candidate, baseline = policies
    store = reader(url)
    try:
        rows: Iterable[StoredRequest] = store.stored_requests(scope)
        if sample is not None:
            rows = sampled(rows, sample)
        return replay(
            rows,
            load_policy(Path(candidate)),
            examples=examples,
            baseline=None if baseline is None else load_policy(Path(baseline)),
        )
    finally:
        store.close()
