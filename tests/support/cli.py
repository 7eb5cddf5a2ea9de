"""Running ``newsarchive`` as a subprocess in tests, with a config file written for the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg


def replica_source_toml(base_url: str, name: str = "replica", **extra: Any) -> str:
    """A ``[[sources]]`` entry for the replica site: loopback named explicitly, no delay (tests' schedules)."""
    lines = [
        "[[sources]]",
        f'name = "{name}"',
        'spider = "khaama"',
        f'start_urls = ["{base_url}/"]',
        f'feeds = ["{base_url}/feed/"]',
        'allowed_domains = ["127.0.0.1"]',
        'download_delay = "0s"',
    ]
    lines += [f"{key} = {_toml_value(value)}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return f'"{value}"'


def write_config(tmp_path: Path, database_url: str, sources_toml: str, extra: str = "") -> Path:
    """A config file whose data and archive live in ``tmp_path``."""
    config = tmp_path / "newsarchive.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[scheduler]\nstop_timeout = "10s"\n{extra}\n{sources_toml}',
        encoding="utf-8",
    )
    return config


def run_cli(config: Path, *args: str, timeout: float = 180, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``newsarchive --config CONFIG ARGS...``; its output captured as text."""
    env = {**os.environ, "NEWSARCHIVE_DATABASE_URL": "", "DATABASE_URL": ""}
    env.pop("NEWSARCHIVE_DATABASE_URL")
    env.pop("DATABASE_URL")
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(config), "--log-format", "json", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs,
    )


def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()
