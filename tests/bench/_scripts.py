"""Running a benchmark script as a subprocess at a tiny size, and reading its last line of ``key=value`` pairs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_script(name: str, *args: str, admin_url: str, cache: Path, timeout: float = 120) -> tuple[str, dict[str, str]]:
    """``python bench/NAME.py ARGS`` with its own cache folder and database server; (stdout, last-line pairs)."""
    env = {**os.environ, "NEWSARCHIVE_BENCH_DATABASE_URL": admin_url, "NEWSARCHIVE_BENCH_CACHE": str(cache)}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / f"{name}.py"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, last_line_pairs(done.stdout)


def last_line_pairs(output: str) -> dict[str, str]:
    last = output.strip().splitlines()[-1]
    pairs = dict(part.split("=", 1) for part in last.split())
    return pairs
