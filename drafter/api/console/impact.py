"""The impact page's replay: a pasted candidate, replayed on the team's stored requests in the
request that asked for it, so that it never holds up the rest of the service.

- It runs in a worker thread, never on the event loop, one replay at a time per process (more
  at once would only share the same interpreter lock more thinly, and slow every API answer).
- It replays at most ``IN_PAGE_LIMIT`` requests, the newest of the window, so a page comes
  back in seconds on a log of any size; the page says when older requests were left out and
  gives the ``drafter policy impact`` command that replays the whole window, in as many
  processes as the machine has.

Not a background job that the page polls: instances behind a load balancer share only their
database, so a job kept in one process's memory would be lost to a poll that reaches another,
and a job table is more machinery than a capped replay needs.
"""

from __future__ import annotations

import datetime as dt
import shlex
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from drafter.api.services import Services
from drafter.impact import current_policy, open_candidate, run_impact
from drafter.impact.render import as_json
from drafter.store import RequestScope

__all__ = ["AGAINST", "IN_PAGE_LIMIT", "ImpactAsk", "replay"]

# About 2 to 5 s of one core at the replay's measured 1,000-2,500 requests per second
# (bench/impact_bench.py); twice the work with --against current.
IN_PAGE_LIMIT = 5_000
AGAINST = ("stored", "current")
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True, slots=True)
class ImpactAsk:
    """What the form asked: the policy, the candidate's text, the window in days, and what to
    compare the candidate with."""

    policy: str
    candidate: str
    days: int
    against: Literal["stored", "current"]


def replay(services: Services, tenant: str, ask: ImpactAsk) -> dict[str, Any]:
    """The impact report (``drafter.impact.render.as_json``) of the candidate, loaded in a copy
    of the policy's pack, on the tenant's newest ``IN_PAGE_LIMIT`` stored requests of the last
    ``ask.days`` days, with the command that replays them all as ``command``. Blocks: call it
    from a worker thread.

    Raises:
        PolicyError: the candidate does not load.
        UserError: it cannot be read as a candidate.
    """
    since = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=ask.days)
    scope = RequestScope(ask.policy, tenant=tenant, since=since, newest=IN_PAGE_LIMIT)
    baseline = None
    if ask.against == "current":
        baseline = current_policy(ask.policy, services.registry)
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="drafter-console-") as scratch:
        path = Path(scratch) / f"{ask.policy}.yaml"
        path.write_text(ask.candidate, encoding="utf-8")
        with open_candidate(str(path), ask.policy, services.registry) as candidate:
            report = as_json(run_impact(services.store, scope, candidate, baseline=baseline))
    return report | {"command": _command(ask, tenant, since)}


def _command(ask: ImpactAsk, tenant: str, since: dt.datetime) -> str:
    """The command that replays the same window in full, the candidate saved as a file."""
    words = ["drafter", "policy", "impact", f"{ask.policy}-candidate.yaml"]
    words += ["--policy", ask.policy, "--tenant", tenant]
    words += ["--since", since.isoformat().replace("+00:00", "Z")]
    if ask.against == "current":
        words += ["--against", "current"]
    return shlex.join(words)
