"""The archive in S3 (a real SeaweedFS server): crawl into it, read it back, survive its outage, refuse bad keys."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawler.warc._tools import assert_valid_warc
from tests.plugins.objectstore import SECRET_KEY, S3Server, use_store
from tests.scheduler.commands._archive import crawl_three_times, empty_database, rebuilt_config, source_toml
from tests.scheduler.commands.test_export_wacz import archives, pages, validate
from tests.scheduler.commands.test_serve import fetch, serving, ts14
from tests.support.cli import query, run_cli, start_cli, wait_for, write_config
from tests.support.processes import reaped


def s3_config(tmp_path: Path, database_url: str, publisher, archive_uri: str, extra: str = "") -> Path:
    return write_config(
        tmp_path, database_url, source_toml(publisher.base_url), f'[archive]\ndir = "{archive_uri}"\n{extra}'
    )


def spool(tmp_path: Path) -> Path:
    return tmp_path / "data" / "spool"


def stored_keys(server: S3Server, archive_uri: str) -> list[str]:
    bucket, _, prefix = archive_uri.removeprefix("s3://").partition("/")
    listing = server.client().list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
    return sorted(item["Key"] for item in listing.get("Contents", []))


def download(server: S3Server, archive_uri: str, key: str, target: Path) -> Path:
    bucket = archive_uri.removeprefix("s3://").partition("/")[0]
    server.client().download_file(bucket, key, str(target))
    return target


def spooled(tmp_path: Path) -> list[Path]:
    return sorted(path for path in spool(tmp_path).rglob("*") if path.is_file())


def test_a_crawl_lands_in_the_bucket_valid_indexed_and_the_spool_empties(
    tmp_path: Path, database_url: str, publisher, s3_server: S3Server, s3_archive: str
) -> None:
    config = s3_config(tmp_path, database_url, publisher, s3_archive)
    result = run_cli(config, "crawl", "replica")
    assert result.returncode == 0, result.stderr[-3000:]

    keys = stored_keys(s3_server, s3_archive)
    warcs = [key for key in keys if key.endswith(".warc.gz")]
    indexes = [key for key in keys if key.endswith(".cdxj")]
    assert warcs and len(indexes) == len(warcs), result.stderr[-3000:]
    assert {key.rsplit("/", 1)[1] for key in indexes} == {key.rsplit("/", 1)[1] + ".cdxj" for key in warcs}
    prefix = s3_archive.removeprefix("s3://").partition("/")[2]
    assert all(key.startswith(f"{prefix}/indexes/") for key in indexes)
    for key in warcs:
        warc = download(s3_server, s3_archive, key, tmp_path / key.rsplit("/", 1)[1])
        assert_valid_warc(warc)
        assert SECRET_KEY.encode() not in gzip.decompress(warc.read_bytes()), "no credential in any record"
    assert spooled(tmp_path) == []

    rows = query(database_url, "SELECT filename, path FROM warc_files ORDER BY filename")
    bucket = s3_archive.removeprefix("s3://").partition("/")[0]
    assert sorted(path for _, path in rows) == sorted(f"s3://{bucket}/{key}" for key in warcs)
    (status,) = query(database_url, "SELECT status FROM crawl_runs WHERE trigger = 'manual'")
    assert status == ("finished",)
    assert SECRET_KEY not in result.stderr + result.stdout


def test_the_store_down_during_a_crawl_degrades_the_run_and_archive_upload_sends_the_spool_later(
    tmp_path: Path, database_url: str, publisher, own_s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive_uri = use_store(monkeypatch, own_s3_server)
    config = write_config(
        tmp_path,
        database_url,
        source_toml(publisher.base_url).replace('download_delay = "0s"', 'download_delay = "0.3s"'),
        f'[archive]\ndir = "{archive_uri}"\n',
    )
    with reaped(start_cli(config, "crawl", "replica")) as crawl:
        running = "SELECT 1 FROM crawl_runs WHERE status = 'running'"
        wait_for(lambda: crawl.poll() is not None or query(database_url, running), what="a running run")
        assert crawl.poll() is None, crawl.communicate()[1][-3000:]
        own_s3_server.stop()  # mid-run: the crawl goes on into the spool
        _, stderr = crawl.communicate(timeout=180)
    assert crawl.returncode == 0, stderr[-3000:]
    ((status, error),) = query(database_url, "SELECT status, error FROM crawl_runs WHERE trigger = 'manual'")
    assert status == "degraded" and "wait in the spool" in error
    waiting = [path for path in spooled(tmp_path) if path.name.endswith(".warc.gz")]
    assert waiting, "the WARCs stay in the spool"
    assert query(database_url, "SELECT count(*) FROM articles")[0][0] > 0
    assert spool_status(config) == {"files": len(waiting), "bytes": sum(path.stat().st_size for path in waiting)}

    refused = run_cli(config, "archive", "upload")
    assert refused.returncode == 69, refused.stderr
    assert archive_uri in refused.stderr

    own_s3_server.start()
    uploaded = run_cli(config, "archive", "upload")
    assert uploaded.returncode == 0, uploaded.stderr[-3000:]
    assert spooled(tmp_path) == []
    keys = stored_keys(own_s3_server, archive_uri)
    assert {key.rsplit("/", 1)[1] for key in keys if key.endswith(".warc.gz")} == {path.name for path in waiting}
    for key in keys:
        if key.endswith(".warc.gz"):
            assert_valid_warc(download(own_s3_server, archive_uri, key, tmp_path / key.rsplit("/", 1)[1]))
    paths = [path for (path,) in query(database_url, "SELECT path FROM warc_files")]
    assert paths and all(path.startswith("s3://") for path in paths)
    assert spool_status(config) == {"files": 0, "bytes": 0}


def spool_status(config: Path) -> dict[str, int]:
    result = run_cli(config, "status", "--json")
    assert result.returncode == 0, result.stderr
    (source,) = [entry for entry in json.loads(result.stdout) if entry["name"] == "replica"]
    return source["spool"]


def test_wrong_credentials_are_one_clear_line_exit_69_and_no_secret(
    tmp_path: Path, database_url: str, publisher, s3_archive: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_secret = "wr0ng-s3cret-value-77"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", wrong_secret)
    config = s3_config(tmp_path, database_url, publisher, s3_archive)
    for command in (["crawl", "replica"], ["archive", "upload"]):
        result = run_cli(config, *command)
        assert result.returncode == 69, (command, result.stderr[-2000:])
        assert "Traceback" not in result.stderr
        errors = [line for line in result.stderr.splitlines() if s3_archive in line]
        assert len(errors) == 1, result.stderr
        assert wrong_secret not in result.stderr + result.stdout
        assert SECRET_KEY not in result.stderr + result.stdout
    assert query(database_url, "SELECT count(*) FROM crawl_runs")[0][0] == 0


@pytest.fixture
def empty_database_url(admin_database_url: str) -> Iterator[str]:
    yield from empty_database(admin_database_url)


def test_replay_from_the_bucket_into_an_empty_database_equals_the_live_one(
    tmp_path: Path, database_url: str, empty_database_url: str, publisher, s3_archive: str
) -> None:
    config = s3_config(tmp_path, database_url, publisher, s3_archive)
    crawl_three_times(config, publisher)
    assert spooled(tmp_path) == []
    live = query(database_url, "SELECT * FROM articles ORDER BY url")
    assert max(row[-1] for row in live) == 2, "the corrected article should have a second version"

    rebuilt = rebuilt_config(tmp_path, empty_database_url, publisher.base_url)
    result = run_cli(rebuilt, "replay", s3_archive)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "revisits (0 unresolved)" in result.stdout
    assert query(empty_database_url, "SELECT * FROM articles ORDER BY url") == live
    columns = "filename, record_offset, record_length, record_id, record_type, url, captured_at, payload_digest"
    captures = f"SELECT {columns} FROM captures ORDER BY record_id"
    assert query(empty_database_url, captures) == query(database_url, captures)
    assert not list((tmp_path / "rebuilt" / "data").glob("replay-cache-*")), "the fetched copies are removed"


def test_serve_replays_every_article_capture_from_the_bucket_byte_identical(
    tmp_path: Path, database_url: str, publisher, s3_archive: str
) -> None:
    config = s3_config(tmp_path, database_url, publisher, s3_archive)
    for _ in range(2):
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]
    assert spooled(tmp_path) == [], "everything is in the bucket: pywb can only have read it from there"
    captures = query(
        database_url,
        "SELECT url, captured_at, record_type FROM captures WHERE page_kind = 'article' AND status = 200"
        " AND record_type IN ('response', 'revisit') ORDER BY captured_at",
    )
    assert {record_type for _, _, record_type in captures} == {"response", "revisit"}
    with serving(config) as base:
        for url, captured_at, record_type in captures:
            status, _, body = fetch(f"{base}/archive/{ts14(captured_at)}id_/{url}")
            assert status == 200, f"{record_type} {url}"
            assert body == fetch(url)[2], f"{record_type} {url}"


def test_export_wacz_reads_the_bucket_and_writes_its_package_into_it(
    tmp_path: Path, database_url: str, publisher, s3_server: S3Server, s3_archive: str
) -> None:
    config = s3_config(tmp_path, database_url, publisher, s3_archive)
    for _ in range(2):
        assert run_cli(config, "crawl", "replica").returncode == 0
    assert spooled(tmp_path) == []
    package_uri = s3_archive.rsplit("/", 1)[0] + "/exports/replica.wacz"
    result = run_cli(config, "export-wacz", "--source", "replica", "--output", package_uri)
    assert result.returncode == 0, result.stderr[-3000:]
    package = download(s3_server, package_uri, package_uri.split("/", 3)[3], tmp_path / "replica.wacz")
    validate(package)
    names = {key.rsplit("/", 1)[1] for key in stored_keys(s3_server, s3_archive) if key.endswith(".warc.gz")}
    assert set(archives(package)) == names
    assert (
        len(pages(package))
        == query(
            database_url,
            "SELECT count(*) FROM captures WHERE page_kind = 'article'"
            " AND status = 200 AND record_type IN ('response', 'revisit')",
        )[0][0]
    )


def write_big_warc(path: Path, megabytes: int) -> None:
    """A valid WARC of incompressible resource records, large enough for several multipart parts."""
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number in range(megabytes):
            payload = os.urandom(1024 * 1024)
            record = writer.create_warc_record(
                f"http://127.0.0.1/blob/{number}", "resource", payload=io.BytesIO(payload),
                warc_content_type="application/octet-stream",
            )  # fmt: skip
            writer.write_record(record)


def test_a_killed_upload_leaves_no_object_and_the_spool_file_which_the_next_upload_sends(
    tmp_path: Path, database_url: str, publisher, s3_server: S3Server, s3_archive: str
) -> None:
    config = s3_config(tmp_path, database_url, publisher, s3_archive)
    big = spool(tmp_path) / "replica-20260101000000000-00000-host.warc.gz"
    write_big_warc(big, 80)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    bucket, _, prefix = s3_archive.removeprefix("s3://").partition("/")
    key = f"{prefix}/{big.name}"
    client = s3_server.client()

    with reaped(start_cli(config, "archive", "upload")) as upload:
        wait_for(
            lambda: (
                upload.poll() is not None
                or any(item["Key"] == key for item in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))
            ),
            what="the multipart upload to begin",
        )
        assert upload.poll() is None, "the upload ended before it could be killed"
        upload.kill()
        upload.wait(timeout=30)

    with pytest.raises(client.exceptions.ClientError):
        client.head_object(Bucket=bucket, Key=key)  # never completed: no object that looks complete
    assert hashlib.sha256(big.read_bytes()).hexdigest() == digest, "the spool file is untouched"

    again = run_cli(config, "archive", "upload")
    assert again.returncode == 0, again.stderr[-3000:]
    assert not big.exists()
    sent = download(s3_server, s3_archive, key, tmp_path / "back.warc.gz")
    assert hashlib.sha256(sent.read_bytes()).hexdigest() == digest
