"""``python -m replica`` serves in the foreground and prints its base URL first."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.replica.http import fetch


def test_module_serves_and_prints_base_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "replica", "--articles", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        assert fetch(base_url, "/robots.txt").status == 200
        assert fetch(base_url, "/wp-json/wp/v2/posts").headers["X-WP-Total"] == "3"
    finally:
        process.terminate()
        process.wait(timeout=10)
