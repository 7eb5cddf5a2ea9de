"""``bench/replay.py --quick`` at a tiny size: replay and the bare loop see the same article records."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bench._scripts import run_script


def test_replay_quick_compares_the_same_records(admin_database_url: str, tmp_path: Path):
    output, pairs = run_script("replay", "--quick", "--pages", "30", admin_url=admin_database_url, cache=tmp_path)

    assert list(pairs) == ["replay_ratio", "replay_records_s", "processes"]
    assert float(pairs["replay_ratio"]) > 0 and float(pairs["replay_records_s"]) > 0 and pairs["processes"] == "2"
    bare = re.search(r"bare loop 1: (\d+) article records .*\((\d+) records read, (\d+) articles\)", output)
    replay = re.search(r"replay    1: (\d+) article records .*, (\d+) articles stored, 0 bad\)", output)
    assert bare and replay, output
    assert bare.group(1) == replay.group(1) == "30"
    assert bare.group(3) == replay.group(2) == "30"
