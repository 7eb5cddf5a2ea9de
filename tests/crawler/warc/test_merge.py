"""Merges after real crawls (the service as it runs, no maintenance command): few files, everything still found."""

from __future__ import annotations

from pathlib import Path

from crawler.replay import find_warc_files
from crawler.warc.reader import RecordLocation, WarcRecord, read_at
from tests.crawler.warc._tools import assert_valid_warc
from tests.scheduler.commands._archive import archive_dir, source_toml
from tests.scheduler.commands.test_serve import fetch, serving, ts14
from tests.support.cli import query, run_cli, write_config

MERGE_SOON = '[archive]\nmerge_fan_in = 2\nmerge_age = "0s"\n'


def test_runs_merge_their_files_as_they_go_and_every_capture_still_replays(
    tmp_path: Path, database_url: str, publisher
) -> None:
    config = write_config(tmp_path, database_url, source_toml(publisher.base_url), MERGE_SOON)
    for _ in range(4):
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]
        files = find_warc_files([archive_dir(tmp_path)]).files
        assert len(files) == 1, [path.name for path in files]
    (merged,) = files
    assert_valid_warc(merged)
    assert query(database_url, "SELECT filename, path FROM warc_files") == [(merged.name, str(merged))]
    assert query(database_url, "SELECT count(*) FROM crawl_runs WHERE status = 'finished'") == [(4,)]

    rows = query(database_url, "SELECT record_id, filename, record_offset FROM captures")
    assert {filename for _, filename, _ in rows} == {merged.name}
    for record_id, _, offset in rows:
        record = read_at(RecordLocation(merged, offset))
        assert isinstance(record, WarcRecord) and record.record_id == record_id

    articles = query(
        database_url,
        "SELECT url, captured_at FROM captures WHERE page_kind = 'article' AND status = 200"
        " AND record_type IN ('response', 'revisit') ORDER BY captured_at",
    )
    assert len(articles) >= 4 * len(publisher.site.expected_records(publisher.base_url))
    with serving(config) as wayback:
        for url, captured_at in articles:
            status, _, body = fetch(f"{wayback}/archive/{ts14(captured_at)}id_/{url}")
            assert status == 200 and body == fetch(url)[2], url
