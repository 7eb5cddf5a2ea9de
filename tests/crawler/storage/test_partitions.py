"""Monthly partitions, the capture-row rule, compact run stats and retention (0013), on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.config.schema import RetentionConfig
from crawler.replay import runstate
from crawler.storage import partitions, runs
from crawler.storage.capturerule import EMPTY_PAYLOAD_DIGEST, keeps_row
from crawler.storage.captures import CaptureStore
from crawler.storage.retention import maintain
from crawler.warc.capture import CaptureRow

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
OLD = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
FILE = "src-20261208120000000-00000-host.warc.gz"


def row(n: int, record_type: str, kind: str | None, *, status: int | None = 200, digest: str | None = None, when=NOW):
    return CaptureRow(
        filename=FILE,
        offset=n * 1000,
        length=900,
        record_id=f"<urn:uuid:{n:08d}-0000-0000-0000-000000000000>",
        record_type=record_type,
        target_uri=f"https://example.com/{kind}/{n}",
        warc_date=when,
        status=status if record_type in ("response", "revisit") else None,
        payload_digest=digest if digest is not None else (f"sha1:{n:032d}" if record_type != "metadata" else None),
        source="src",
        page_kind=kind,
    )


def every_kind_of_record(when: datetime = NOW, start: int = 0) -> dict[str, CaptureRow]:
    """One record of each kind an unchanged run and a run with news write, by what the rule should say."""
    rows = {
        "article response": row(1, "response", "article"),
        "article revisit": row(2, "revisit", "article"),
        "imported response": row(3, "response", "imported"),
        "screenshot": row(4, "resource", "render", status=None),
        "new feed": row(5, "response", "feed"),
        "feed revisit": row(6, "revisit", "feed"),
        "feed 304": row(7, "response", "feed", status=304, digest=EMPTY_PAYLOAD_DIGEST),
        "robots revisit": row(8, "revisit", "robots"),
        "dead link 404": row(9, "response", "article", status=404),
        "request": row(10, "request", "article", status=None),
        "metadata": row(11, "metadata", "article", status=None),
        "warcinfo": row(12, "warcinfo", None, status=None),
        "empty 200": row(13, "response", "listing", digest=EMPTY_PAYLOAD_DIGEST),
        "requisite response": row(14, "response", "requisite"),
        "requisite revisit": row(15, "revisit", "requisite"),
        "requisite 304": row(16, "response", "requisite", status=304, digest=EMPTY_PAYLOAD_DIGEST),
        "requisite 404": row(17, "response", "requisite", status=404),
        "requisite 500": row(18, "response", "requisite", status=500),
    }
    return {
        name: CaptureRow(**{**item.__dict__, "warc_date": when, "record_id": item.record_id.replace("<", f"<{start}")})
        for name, item in rows.items()
    }


KEPT = {"article response", "article revisit", "imported response", "screenshot", "new feed"}
# A requisite's last answer (bytes, unchanged, gone) settles its freshness period: every such answer is read.
KEPT |= {"requisite response", "requisite revisit", "requisite 304", "requisite 404"}


def stored_ids(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT record_id FROM captures")}


def test_only_the_records_a_query_reads_get_a_row(db_conn) -> None:
    records = every_kind_of_record()
    assert {name for name, item in records.items() if keeps_row(item)} == KEPT
    assert CaptureStore(db_conn).add_captures(list(records.values())) == len(KEPT)
    assert stored_ids(db_conn) == {records[name].record_id for name in KEPT}


def test_rows_of_a_month_nobody_made_make_its_partition(db_conn) -> None:
    """A replay of old WARCs, or a crawl after months without the daemon: the write makes the partition."""
    old = every_kind_of_record(datetime(2019, 5, 2, tzinfo=UTC))
    assert CaptureStore(db_conn).add_captures(list(old.values())) == len(KEPT)
    assert "captures_2019_05" in {part.name for part in partitions.partitions(db_conn, "captures")}
    assert CaptureStore(db_conn).add_captures(list(old.values())) == 0  # idempotent, as a recovery needs
    run_id = runs.start_run(db_conn, "src", "manual", started_at=datetime(2019, 5, 2, tzinfo=UTC))
    assert db_conn.execute("SELECT started_at FROM crawl_runs_2019_05 WHERE id = %s", [run_id]).fetchone()


def test_one_running_run_per_source_across_months(db_conn) -> None:
    """The unique index could not span partitions; the trigger does."""
    last_month = runs.start_run(db_conn, "src", "manual", started_at=NOW - timedelta(days=40))
    with pytest.raises(runs.RunAlreadyRunning):
        runs.start_run(db_conn, "src", "manual", started_at=NOW)
    runs.start_run(db_conn, "other", "manual", started_at=NOW)  # another source is free
    runs.finish_run(db_conn, last_month, "finished", stats={"finish_reason": "finished"})
    runs.start_run(db_conn, "src", "manual", started_at=NOW)


FULL = {
    "finish_reason": "finished",
    "downloader/response_count": 7,
    "downloader/request_bytes": 2345,
    "newsarchive/articles/new": 0,
    "newsarchive/articles/updated": 1,
    "newsarchive/warc/bytes": 11000,
    "newsarchive/spider/fetch_errors/feed": 1,
    "scheduler/enqueued/memory": 9,
    "log_count/INFO": 12,
}


def stats_of(conn, run_id: int) -> dict:
    return conn.execute("SELECT stats FROM crawl_runs WHERE id = %s", [run_id]).fetchone()[0]


def finished_run(conn, source: str, stats: dict, status: str = "finished") -> int:
    run_id = runs.start_run(conn, source, "manual")
    runs.finish_run(conn, run_id, status, finish_reason="finished", stats=stats)
    return run_id


def test_a_source_s_older_finished_runs_keep_only_the_figures_read_back(db_conn) -> None:
    first = finished_run(db_conn, "src", FULL)
    assert stats_of(db_conn, first) == FULL  # the latest shows everything
    failed = finished_run(db_conn, "src", {**FULL, "finish_reason": "shutdown"}, status="failed")
    latest = finished_run(db_conn, "src", FULL)
    compact = {
        "downloader/response_count": 7,
        "newsarchive/articles/updated": 1,
        "newsarchive/warc/bytes": 11000,
        "newsarchive/spider/fetch_errors/feed": 1,
    }
    assert stats_of(db_conn, first) == compact == runs.compact_stats(FULL)
    assert stats_of(db_conn, failed)["finish_reason"] == "shutdown"  # not finished: the whole dump stays
    assert stats_of(db_conn, latest) == FULL
    other = finished_run(db_conn, "other", FULL)
    assert stats_of(db_conn, other) == FULL and stats_of(db_conn, latest) == FULL  # per source


def test_replay_runs_keep_the_files_they_finished(db_conn) -> None:
    replay = runstate.start(db_conn)
    runstate.finish(db_conn, replay, "finished", {"files_done": [["a.warc.gz", 10]], "finish_reason": "x"}, None)
    again = runstate.start(db_conn)
    runstate.finish(db_conn, again, "finished", {"files_done": [["b.warc.gz", 20]]}, None)
    assert runstate.files_done(db_conn) == {("a.warc.gz", 10), ("b.warc.gz", 20)}


def test_maintenance_makes_months_ahead_and_applies_retention(db_conn) -> None:
    store = CaptureStore(db_conn)
    store.add_captures(list(every_kind_of_record(OLD, start=1).values()))
    store.add_captures(list(every_kind_of_record(NOW, start=2).values()))
    old_run = runs.start_run(db_conn, "src", "manual", started_at=OLD)
    runs.finish_run(db_conn, old_run, "finished", stats={})
    stuck = runs.start_run(db_conn, "stuck", "manual", started_at=OLD - timedelta(days=31))
    recent = finished_run(db_conn, "src", FULL)

    report = maintain(db_conn, RetentionConfig(listing_captures=90 * 86400.0, runs=90 * 86400.0), now=NOW)

    names = {part.name for table in partitions.PARTITIONED for part in partitions.partitions(db_conn, table)}
    assert {"captures_2027_01", "captures_2027_02", "crawl_runs_2027_02"} <= names
    assert report.listing_captures_deleted == 1  # March's new feed; its article rows stay
    kinds = db_conn.execute("SELECT page_kind, count(*) FROM captures GROUP BY 1").fetchall()
    # Requisites' answers stay: the last one settles freshness, a 2xx one is a revisit target (as articles').
    assert dict(kinds) == {"article": 4, "imported": 2, "render": 2, "feed": 1, "requisite": 8}
    assert report.run_partitions_dropped == ["crawl_runs_2026_03"]
    assert "crawl_runs_2026_02" in names  # a run still running there: kept
    left = {r[0] for r in db_conn.execute("SELECT id FROM crawl_runs")}
    assert left == {stuck, recent}
    assert maintain(db_conn, RetentionConfig(), now=NOW).run_partitions_dropped == []


def test_zero_keeps_forever(db_conn) -> None:
    CaptureStore(db_conn).add_captures(list(every_kind_of_record(OLD).values()))
    runs.start_run(db_conn, "src", "manual", started_at=OLD)
    report = maintain(db_conn, RetentionConfig(listing_captures=0, runs=0), now=NOW + timedelta(days=3650))
    assert report.listing_captures_deleted == 0 and report.run_partitions_dropped == []
