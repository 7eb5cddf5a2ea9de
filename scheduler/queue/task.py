"""The queued job: one run of one source, on whichever worker took it, exactly as a local run does it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from procrastinate import JobContext

log = logging.getLogger(__name__)

STATE_KEY = "newsarchive"
"""Where the worker's :class:`~scheduler.jobs.SourceRunner` sits in procrastinate's ``additional_context``."""


def crawl_source(context: JobContext, source: str, trigger: str, scheduled_for: str | None = None) -> dict[str, Any]:
    """Run ``source`` now (under its lock, as any run); what happened, for the job's record."""
    from scheduler.jobs import RunRequest, SourceRunner

    runner: SourceRunner = context.additional_context[STATE_KEY]
    job = context.job
    try:
        source_config = runner.config.source(source)
    except KeyError:
        log.error("job %s: source %s is not in this worker's config; dropped", job.id, source)
        return {"status": "unknown source"}
    if job.attempts:
        log.warning("job %s: run of %s retried (attempt %d; its last worker died)", job.id, source, job.attempts + 1)
    tick = datetime.fromisoformat(scheduled_for) if scheduled_for else None
    result = runner.run(RunRequest(source_config, trigger, scheduled_for=tick))
    return {"status": result.status, "run_id": result.run_id}
