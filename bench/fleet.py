"""The fleet on one machine: thousands of synthetic publishers, the daemon in queue mode, N workers, measured.

Usage: ``python bench/fleet.py [--sources 10000] [--daemon-sources 100000] [--workers 2] [--quick]``.
Two phases, each on its own throwaway database:

1. *The daemon alone* (:mod:`bench.fleetdaemon`): ``--daemon-sources`` sources, no workers; the daemon's start,
   one tick enqueueing every source, its idle CPU between ticks, its memory. Projected to 30-minute schedules.
2. *The fleet for real* (:mod:`bench.fleetrun`): ``--sources`` publishers served by one static server (nginx),
   the daemon and ``--workers`` worker processes; a first pass, an unchanged round (304s), a round where
   ``--changed`` of the publishers have a new article, then a few sources with workers free to time the queue.

Printed: daemon CPU and RSS per 10,000 sources, enqueue → start latency p50/p95 (workers free and under the
round's burst), unchanged runs per worker core-hour, database bytes per unchanged run (indexes included), WARC
files and objects per 1,000 runs. The last line holds every figure as ``key=value``. ``--code DIR`` runs the daemon
and workers from another checkout (a before/after comparison with the same bench).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, key_values

QUICK = {"sources": 40, "daemon_sources": 5000, "workers": 2, "interval": 20, "daemon_interval": 20}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    pairs: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="newsarchive-fleet-") as tmp:
        folder = Path(tmp)
        if args.daemon_sources:
            pairs |= _daemon_phase(args, folder / "daemon")
        if args.sources:
            pairs |= _fleet_phase(args, folder / "fleet")
    print(key_values(pairs))
    return 0


def _daemon_phase(args: argparse.Namespace, folder: Path) -> dict[str, object]:
    from bench.fleetdaemon import measure_daemon

    folder.mkdir()
    with bench_database() as url:
        figures = measure_daemon(url, folder, args.daemon_sources, args.daemon_interval, code=args.code)
    print(
        f"daemon alone, {figures.sources:,} sources every {args.daemon_interval}s: start {figures.start_s:.1f}s "
        f"({figures.start_cpu_s:.1f} CPU s, catch-up of all included); a tick {figures.tick_s:.1f}s, "
        f"{figures.tick_cpu_s:.2f} CPU s; idle {figures.idle_cpu_pct:.2f} % of a core; peak RSS "
        f"{figures.peak_rss_mb:.0f} MB. On 30-minute schedules: {figures.cpu_pct_30min:.2f} % of a core"
    )
    return figures.pairs()


def _fleet_phase(args: argparse.Namespace, folder: Path) -> dict[str, object]:
    from bench.fleetrun import FleetOptions, measure_fleet

    folder.mkdir()
    options = FleetOptions(
        sources=args.sources,
        workers=args.workers,
        concurrency=args.concurrency,
        interval=args.interval,
        changed=args.changed,
        code=args.code,
    )
    with bench_database() as url:
        figures = measure_fleet(url, folder, options)
    for line in figures.lines():
        print(line)
    return figures.pairs()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=10_000, help="publishers crawled for real (0: skip)")
    parser.add_argument("--daemon-sources", type=int, default=100_000, help="sources of the daemon alone (0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="crawls at a time per worker")
    parser.add_argument("--interval", type=int, default=60, help="the fleet's schedule, seconds")
    parser.add_argument("--daemon-interval", type=int, default=60, help="the daemon-alone schedule, seconds")
    parser.add_argument("--changed", type=float, default=0.05, help="share of publishers with a new article")
    parser.add_argument("--code", type=Path, help="run the daemon and workers from this checkout")
    parser.add_argument("--quick", action="store_true", help="a minute or two: 40 publishers, 5,000 sources alone")
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    return args


if __name__ == "__main__":
    sys.exit(main())
