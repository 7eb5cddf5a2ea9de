"""``newsarchive backfill SOURCE --since DATE [--until DATE]``: walk a publisher's history past the normal caps."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from crawler.errors import ConfigError
from crawler.storage.backfills import Backfill
from scheduler import exitcodes
from scheduler.backfill import (
    DEFAULT_BATCH,
    DEFAULT_WINDOW,
    BackfillFailed,
    BackfillPlan,
    BackfillRunning,
    BatchReport,
    backfill_source,
)
from scheduler.commands.argtypes import instant, seconds
from scheduler.context import load_app_config
from scheduler.jobs import SourceRunner
from scheduler.stopsignals import stop_on_signals


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backfill",
        help="archive a source's history between two dates (resumable: run it again to continue)",
        description="Walks the WordPress API by date windows, then sitemaps and feed pages, past the normal caps. "
        "Each batch is a run of its own (trigger 'backfill'); the source's scheduled runs go between batches.",
    )
    parser.add_argument("source", metavar="SOURCE")
    parser.add_argument("--since", required=True, type=instant, help="oldest publication date, e.g. 2015-01-01 (UTC)")
    parser.add_argument("--until", type=instant, help="newest publication date, exclusive (default: now)")
    parser.add_argument("--window", type=_span, default=DEFAULT_WINDOW, help="date window per batch (default 90d)")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="articles per batch at most (default 500)")
    parser.add_argument("--delay", type=seconds, help="between requests (default: the source's download_delay)")
    parser.add_argument(
        "--wayback",
        metavar="URL",
        help="last, import the articles still missing from this Wayback Machine's captures (https://web.archive.org)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    try:
        source = config.source(args.source)
    except (KeyError, ConfigError):
        print(f"newsarchive backfill: unknown source: {args.source} (see `newsarchive sources`)", file=sys.stderr)
        return exitcodes.USAGE
    if args.batch < 1:
        print("newsarchive backfill: --batch must be at least 1", file=sys.stderr)
        return exitcodes.USAGE
    if args.wayback and not args.wayback.startswith(("http://", "https://")):
        print("newsarchive backfill: --wayback must be an http(s) URL", file=sys.stderr)
        return exitcodes.USAGE
    plan = BackfillPlan(args.since, args.until, args.window, args.batch, args.delay, args.wayback)
    # Batch after batch: each forked from the pre-imported server.
    runner = SourceRunner(
        config, stop=stop_on_signals(), log_level=args.log_level, log_format=args.log_format, forked=True
    )
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[articles]} articles"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        display = _Display(progress, source.name)
        try:
            state = backfill_source(runner, source, plan, on_start=display.start, on_batch=display.batch)
        except BackfillRunning as error:
            print(f"newsarchive backfill: {error}", file=sys.stderr)
            return exitcodes.LOCKED
        except BackfillFailed as error:
            print(f"newsarchive backfill: {source.name}: {error}", file=sys.stderr)
            return exitcodes.FAILED
    print(display.summary(state))
    return exitcodes.OK if state.done else exitcodes.FAILED


class _Display:
    """The progress bar (windows walked of all), and one line per batch for logs and non-terminal output."""

    def __init__(self, progress: Progress, source: str) -> None:
        self.progress = progress
        self.source = source
        self.task = progress.add_task(f"back-fill {source}", total=None, articles=0)
        self.rate = 0.0

    def start(self, backfill: Backfill, resumed: bool) -> None:
        total = backfill.windows_total()
        self.progress.update(
            self.task, total=total, completed=total - backfill.windows_left(), articles=backfill.articles
        )
        verb = "resuming" if resumed else "starting"
        self.progress.console.print(
            f"{verb} back-fill {backfill.id} of {self.source}: {backfill.since:%Y-%m-%d} to {backfill.until:%Y-%m-%d}"
            f" ({backfill.phase}, cursor {backfill.cursor:%Y-%m-%d}, {backfill.articles} articles so far)"
        )

    def batch(self, report: BatchReport) -> None:
        state, window = report.backfill, report.window
        total = state.windows_total()
        self.progress.update(self.task, completed=total - state.windows_left(), articles=state.articles)
        self.rate = state.articles / report.elapsed * 60 if report.elapsed else 0.0
        self.progress.console.print(
            f"batch {state.batches}: {window.phase} {window.after:%Y-%m-%d}..{window.before:%Y-%m-%d}"
            f" run {report.result.run_id} {report.result.status}: {report.result.new_articles} new"
            f" ({state.articles} in all)"
        )

    def summary(self, state: Backfill) -> str:
        if not state.done:
            return (
                f"back-fill {state.id} of {self.source} stopped at {state.phase} {state.cursor:%Y-%m-%d}"
                f" after {state.batches} batches, {state.articles} articles; run the same command to resume"
            )
        return (
            f"back-fill {state.id} of {self.source} done: {state.articles} articles in {state.batches} batches"
            f" ({self.rate:.0f} articles/min this session)"
        )


def _span(value: str) -> timedelta:
    span = seconds(value)
    if span < 3600:
        raise argparse.ArgumentTypeError("a window shorter than an hour would only multiply batches")
    return timedelta(seconds=span)
