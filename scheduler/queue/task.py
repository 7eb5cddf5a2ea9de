"""The queued job: one run of one source, on whichever worker took it, exactly as a local run does it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from procrastinate import JobContext

from crawler.config import Config

log = logging.getLogger(__name__)

STATE_KEY = "newsarchive"
"""Where the worker's :class:`WorkerState` sits in procrastinate's ``additional_context``."""


@dataclass(frozen=True)
class WorkerState:
    """What every job of one worker shares: its config, its name, its stop signal, how its crawls log."""

    config: Config
    name: str
    stop: threading.Event
    log_level: str = "INFO"
    log_format: str = "json"


def crawl_source(context: JobContext, source: str, trigger: str, scheduled_for: str | None = None) -> dict[str, Any]:
    """Run ``source`` now (under its lock, as any run); what happened, for the job's record."""
    from scheduler.jobs import run_source

    state: WorkerState = context.additional_context[STATE_KEY]
    job = context.job
    try:
        source_config = state.config.source(source)
    except KeyError:
        log.error("job %s: source %s is not in this worker's config; dropped", job.id, source)
        return {"status": "unknown source"}
    if job.attempts:
        log.warning("job %s: run of %s retried (attempt %d; its last worker died)", job.id, source, job.attempts + 1)
    result = run_source(
        state.config,
        source_config,
        trigger,
        stop=state.stop,
        log_level=state.log_level,
        log_format=state.log_format,
        forked=True,
        worker=state.name,
        scheduled_for=datetime.fromisoformat(scheduled_for) if scheduled_for else None,
    )
    return {"status": result.status, "run_id": result.run_id}
