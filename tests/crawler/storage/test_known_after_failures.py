"""Known articles after a failure: pages captured by a run that did not store everything are fetched again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.storage.articles import ArticleStore
from crawler.storage.captures import CaptureStore
from crawler.storage.runs import finish_run, start_run
from crawler.warc.capture import CaptureRow

T0 = datetime(2024, 7, 13, 8, 0, tzinfo=UTC)


def capture(url: str, offset: int, run_id: int | None) -> CaptureRow:
    return CaptureRow(
        "a.warc.gz", offset, 10, f"<urn:uuid:{offset}>", "response", url, T0, 200, "text/html", f"sha1:{offset}",
        source="khaama", page_kind="article", run_id=run_id,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "stats", "known"),
    [
        ("finished", {}, True),
        ("degraded", {"newsarchive/captures/unstored": 3}, True),
        ("degraded", {"newsarchive/articles/unstored": 2}, False),
        ("failed", {}, False),  # e.g. killed, closed as orphaned by the next run
        ("cancelled", {}, False),
        ("running", None, False),
    ],
)
def test_captured_article_is_known_only_if_its_run_stored_everything(db_conn, status, stats, known) -> None:
    run_id = start_run(db_conn, "khaama", "manual")
    if status != "running":
        finish_run(db_conn, run_id, status, stats=stats)
    url = "https://www.khaama.com/x-54353566/"
    CaptureStore(db_conn).add_captures([capture(url, 0, run_id)])
    assert (url in ArticleStore(db_conn).known_articles("khaama")) is known


def test_captures_without_a_run_of_this_source_stay_known(db_conn) -> None:
    """Replayed files name runs of another database: those ids mean nothing here (and no run is a clean run)."""
    other = start_run(db_conn, "other", "manual")
    finish_run(db_conn, other, "failed")
    rows = [capture("https://www.khaama.com/a-1/", 0, None), capture("https://www.khaama.com/b-2/", 10, other)]
    CaptureStore(db_conn).add_captures(rows)
    assert set(ArticleStore(db_conn).known_articles("khaama")) == {row.target_uri for row in rows}
