"""The run's on-disk frontier: fresh at every start, gone at the end, and never a reason for a crawl not to run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from crawler.run.frontier import fresh_frontier, frontier_settings


def test_a_left_over_frontier_is_emptied_and_removed_after_the_run(tmp_path: Path) -> None:
    frontier = tmp_path / "frontier" / "replica"
    (frontier / "requests.queue").mkdir(parents=True)
    (frontier / "requests.queue" / "active.json").write_text("{}", encoding="utf-8")
    with fresh_frontier(str(frontier)) as path:
        assert path == str(frontier) and list(frontier.iterdir()) == []
        assert frontier_settings(path) == {"JOBDIR": str(frontier)}
    assert not frontier.exists()


def test_an_unusable_directory_leaves_the_queue_in_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING), fresh_frontier(str(blocker / "frontier" / "replica")) as path:
        assert path == "" and frontier_settings(path) == {}
    assert "frontier kept in memory" in caplog.text
    assert blocker.read_text(encoding="utf-8").startswith("a file")
