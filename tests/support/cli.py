"""Running ``newsarchive`` as a subprocess in tests, with a config file written for the test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
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


def cli_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "scheduler", "--config", str(config), "--log-format", "json", *args]


def cli_env() -> dict[str, str]:
    """This process's environment without the database overrides (the test's config file decides)."""
    env = dict(os.environ)
    env.pop("NEWSARCHIVE_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    return env


def run_cli(config: Path, *args: str, timeout: float = 180, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``newsarchive --config CONFIG ARGS...``; its output captured as text."""
    return subprocess.run(
        cli_command(config, *args), capture_output=True, text=True, timeout=timeout, env=cli_env(), **kwargs
    )


def start_cli(config: Path, *args: str) -> subprocess.Popen[str]:
    """``newsarchive --config CONFIG ARGS...`` started in the background, stdout and stderr piped as text."""
    return subprocess.Popen(
        cli_command(config, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
    )


def wait_for(condition: Callable[[], Any], *, what: str, timeout: float = 60.0) -> Any:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()
