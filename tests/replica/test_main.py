"""``python -m replica`` serves in the foreground and prints its base URL first; ``--faults`` adds /faults/."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.replica.http import fetch
from tests.support.processes import stop_tree


@pytest.mark.parametrize(("flags", "empty_fault"), [([], 404), (["--faults"], 200)])
def test_module_serves_and_prints_base_url(flags: list[str], empty_fault: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "replica", "--articles", "3", *flags],
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
        assert fetch(base_url, "/faults/empty/").status == empty_fault
    finally:
        stop_tree(process, graceful=10)
