"""``newsarchive worker``: run queued crawls (queue mode), on any number of hosts, until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import sys

from crawler.storage.runs import default_worker_name
from scheduler import exitcodes
from scheduler.context import load_app_config
from scheduler.stopsignals import stop_on_signals


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker",
        help='run crawls the daemon queued (scheduler mode "queue"), in the foreground',
        description="Take queued runs from the database and crawl them, N at a time. SIGTERM/SIGINT: take no new "
        "run, finish or cancel running ones within [scheduler].stop_timeout, exit 0. A worker killed outright has "
        "its runs retried by another worker once it misses its heartbeats.",
    )
    parser.add_argument("--name", help="recorded in crawl_runs.worker (default [worker].name, else hostname:pid)")
    parser.add_argument("--concurrency", type=int, help="crawls at a time (default [worker].concurrency)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.jobs import SourceRunner
    from scheduler.queue.worker import QueueWorker

    config = load_app_config(args)
    concurrency = args.concurrency or config.worker.concurrency
    if concurrency < 1:
        print("newsarchive worker: --concurrency must be at least 1", file=sys.stderr)
        return exitcodes.USAGE
    runner = SourceRunner(
        config,
        stop=stop_on_signals(),
        log_level=args.log_level,
        log_format=args.log_format,
        worker=args.name or default_worker_name(config.worker.name),
        forked=True,  # many crawls per worker: each forked from the pre-imported server
    )
    return QueueWorker(runner, concurrency).run()
