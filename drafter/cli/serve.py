"""``drafter serve``: run the HTTP API under uvicorn."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from drafter.api.connections import HeadDeadlineProtocol
from drafter.api.logs import log_config
from drafter.settings import Settings
from drafter.store import opened_store
from drafter.store.db import database_url, redacted_url

__all__ = ["serve"]


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [DRAFTER_API_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [DRAFTER_API_PORT].")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes [DRAFTER_API_WORKERS].", min=1, max=64)
    ] = None,
) -> None:
    """Serve the API. The audit store is upgraded to the current schema first."""
    settings = Settings()
    host = host or settings.api_host
    port = port or settings.api_port
    workers = workers or settings.api_workers
    with opened_store(settings):
        pass  # migrate once, before any worker starts
    if workers > 1 and settings.metrics_dir is None:
        _share_metrics(Path(tempfile.mkdtemp(prefix="drafter-metrics-")))
    typer.echo(
        f"drafter serving on http://{host}:{port} with {workers} worker(s); "
        f"audit store {redacted_url(database_url(settings))}",
        err=True,
    )
    uvicorn.run(
        "drafter.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(settings.log_level),
        access_log=False,  # drafter logs each request itself, with its request id
        proxy_headers=False,
        # Connection limits: a late request head closes the connection (HeadDeadlineProtocol),
        # a late body gets 408 (the service middleware), an idle kept-alive connection closes,
        # and past the cap a request gets 503. uvicorn refuses once the open connections,
        # this one included, reach limit_concurrency, hence the + 1.
        http=HeadDeadlineProtocol,
        timeout_keep_alive=settings.api_idle_timeout_s,
        limit_concurrency=settings.api_max_connections + 1,
        timeout_graceful_shutdown=30,
        # A worker imports, loads policies and opens the store before it answers the
        # supervisor's first ping; on a busy 2-core machine that can take longer than 5 s.
        timeout_worker_healthcheck=60,
    )


def _share_metrics(folder: Path) -> None:
    """Let worker processes add up their Prometheus samples in one folder. The workers are
    child processes, so the environment is how they learn of it."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    os.environ["DRAFTER_METRICS_DIR"] = str(folder)
