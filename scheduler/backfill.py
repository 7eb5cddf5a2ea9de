"""A back-fill: a source's history walked in batches, each a crawl run of its own, resumable from its cursor.

Why batches: one long crawl would hold the source's lock for hours, starving its scheduled runs, and a kill would
lose its place. Each batch is a normal run (trigger ``backfill``: its own row, WARCs, stats, outcome) over one date
window and capped at ``batch`` articles; the lock is given up between batches, and the cursor in ``backfills`` moves
only when a batch has walked its window to the end. What is archived already is never fetched again, so repeating
a cut-off batch costs listing pages only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crawler import statkeys
from crawler.config import SourceConfig
from crawler.spiders import spider_class
from crawler.spiders.backfill import BatchWindow
from crawler.storage.backfills import Backfill, BackfillStore
from crawler.storage.database import connect, database_url
from crawler.storage.migrate import migrate_connection
from scheduler.jobs import RunRequest, RunResult, SourceRunner
from scheduler.locks import BackfillLock

log = logging.getLogger(__name__)

DEFAULT_WINDOW = timedelta(days=90)
DEFAULT_BATCH = 500
LOCK_WAIT = 3600.0
"""A batch waits this long for a scheduled run of its source to finish before the back-fill gives up."""
YIELD_PAUSE = 1.0
"""The pause between batches with the source's lock free: runs waiting for it (polling every 0.2 s) take it."""
MAX_FAILED_BATCHES = 3


class BackfillRunning(RuntimeError):
    """Another back-fill of the source is in progress."""


class BackfillFailed(RuntimeError):
    """Batches kept failing; the cursor stays where the last good one left it."""


@dataclass(frozen=True)
class BackfillPlan:
    since: datetime
    until: datetime | None = None
    """None: now (for a new back-fill) or the resumed one's end."""
    window: timedelta = DEFAULT_WINDOW
    batch: int = DEFAULT_BATCH
    delay: float | None = None
    """Seconds between requests to the site; None: the source's own ``download_delay``."""
    wayback: str | None = None
    """A Wayback Machine (``https://web.archive.org``) to import the articles still missing from, last."""


@dataclass(frozen=True)
class BatchReport:
    """What a progress display is told after each batch."""

    backfill: Backfill
    result: RunResult
    window: BatchWindow
    elapsed: float


def walks_api(source: SourceConfig) -> bool:
    return bool(source.wp_api or spider_class(source.spider).force_wp_api)


def backfill_source(
    runner: SourceRunner,
    source: SourceConfig,
    plan: BackfillPlan,
    *,
    on_batch: Callable[[BatchReport], None] = lambda report: None,
    on_start: Callable[[Backfill, bool], None] = lambda backfill, resumed: None,
) -> Backfill:
    """Walk ``plan``'s range of ``source`` until done or ``runner.stop``; the back-fill's state as it was left."""
    url = database_url(runner.config)
    guard = BackfillLock(url, source.name)
    if not guard.acquire():
        raise BackfillRunning(f"a back-fill of {source.name} is already running")
    try:
        with connect(url, autocommit=True) as conn:
            migrate_connection(conn)
            store = BackfillStore(conn)
            state, resumed = store.open(source.name, plan.since, plan.until, plan.window, plan.wayback)
            if state.phase == "api" and not walks_api(source):
                state = store.skip_phase(state)
            on_start(state, resumed)
            return _walk(runner, source, plan, store, state, on_batch)
    finally:
        guard.release()


def _walk(
    runner: SourceRunner,
    source: SourceConfig,
    plan: BackfillPlan,
    store: BackfillStore,
    state: Backfill,
    on_batch: Callable[[BatchReport], None],
) -> Backfill:
    started, failures = time.monotonic(), 0
    while not state.done and not runner.stop.is_set():
        after, before = state.next_window()
        window = BatchWindow(state.phase, after, before, plan.batch, state.wayback)
        request = RunRequest(source, "backfill", backfill=window, lock_wait=LOCK_WAIT, settings=_batch_settings(plan))
        result = runner.run(request)
        stats = result.stats or {}
        if result.status in ("failed", "skipped"):
            failures += 1
            log.warning("back-fill batch of %s %s: %s", source.name, result.status, result.error)
            if failures >= MAX_FAILED_BATCHES:
                raise BackfillFailed(f"{failures} batches in a row failed; last: {result.error}")
            continue
        failures = 0
        walked = result.status != "cancelled" and not stats.get(statkeys.MAX_ARTICLES_REACHED)
        state = store.advance(state, window_done=walked, articles=result.new_articles)
        on_batch(BatchReport(state, result, window, time.monotonic() - started))
        if not state.done:
            time.sleep(YIELD_PAUSE)  # the lock is free now: a scheduled run waiting for it goes first
    return state


def _batch_settings(plan: BackfillPlan) -> dict[str, Any]:
    """A batch's own politeness, and no re-check schedule for history (the articles are old, not breaking)."""
    settings: dict[str, Any] = {"NEWSARCHIVE_RECHECK": []}
    if plan.delay is not None:
        settings["DOWNLOAD_DELAY"] = plan.delay
        settings["AUTOTHROTTLE_ENABLED"] = plan.delay > 0
    return settings
