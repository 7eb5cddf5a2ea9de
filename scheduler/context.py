"""What every command needs first: the validated configuration."""

from __future__ import annotations

import argparse

from crawler.config import Config, load_config


def load_app_config(args: argparse.Namespace) -> Config:
    """The configuration named by ``--config`` (or env / default), schedules validated as the daemon will use them."""
    from scheduler.triggers import validate_schedule

    return load_config(args.config, validate_schedule=validate_schedule)
