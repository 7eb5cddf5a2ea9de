"""``newsarchive sources``: the configured sources (built-in ones included) and their schedules."""

from __future__ import annotations

import argparse
import json

from scheduler.context import load_app_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sources", help="list the configured sources")
    parser.add_argument("--json", action="store_true", help="one JSON object per source")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    for source in config.sources:
        if args.json:
            print(json.dumps(source.to_dict()))
        else:
            state = "" if source.enabled else "  (disabled)"
            print(f"{source.name:<16} {source.schedule:<16} {source.spider:<8} {', '.join(source.start_urls)}{state}")
    return 0
