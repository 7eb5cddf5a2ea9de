"""SIGKILL of a WARC merge after each of its steps, local and in S3: every record is still found exactly once.

Three real crawls (merging off) leave three files; each step gets its own copy of that archive and database, a merge
subprocess that kills itself after the step, and then the checks a user would make: every file reads back with
``warcio check``; the files listed hold each record once (none lost, none doubled); every capture row points at a
readable record with its id; a replay into an empty database gives the live articles. The next merge finishes the
job: one file, the same checks again.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.replay import find_warc_files
from crawler.storage.database import connect, with_database
from crawler.warc.reader import RecordLocation, WarcRecord, read_at, verified_records
from tests.crawler.warc._tools import BIN, run_tool
from tests.plugins.objectstore import S3Server
from tests.scheduler.commands._archive import archive_dir, crawl_three_times, empty_database, source_toml
from tests.support.cli import cli_env, query, run_cli, write_config

STEPS = ("built", "verified", "manifest", "indexed", "published", "switched", "removed-one", "removed", "done")
ROOT = Path(__file__).resolve().parents[2]
NO_MERGE = "[archive]\nmerge = false\n"
MERGE_ALL = 'merge_fan_in = 2\nmerge_age = "0s"\n'  # every closed neighbour is due: the archive ends as one file


def articles(url: str) -> list[tuple]:
    return query(url, "SELECT * FROM articles ORDER BY url")


def killed_merge(config: Path, step: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.faults.merge_script", str(config), step]
    return subprocess.run(command, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=180)


def copy_database(admin_url: str, source_url: str, name: str) -> str:
    source = source_url.rsplit("/", 1)[1].split("?")[0]
    with connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def record_ids(files: list[Path]) -> list[str]:
    return [record_id for path in files for _, record_id in verified_records(path)]


def check_archive(
    files: list[Path], expected_ids: set[str], expected_rows: list[str], url: str, fetch: Callable[[str], Path]
) -> None:
    """warcio check of each file; each record once; the same capture rows as before the merge (the records the
    capture rule keeps), each at a readable record of its id."""
    for path in files:
        run_tool(str(BIN / "warcio"), "check", str(path))
    ids = record_ids(files)
    assert len(ids) == len(set(ids)), "a record is listed twice"
    assert set(ids) == expected_ids, "a record is missing"
    rows = query(
        url,
        "SELECT c.record_id, c.record_offset, w.path FROM captures c LEFT JOIN warc_files w USING (filename)",
    )
    assert sorted(record_id for record_id, _, _ in rows) == expected_rows, "a capture row is lost or doubled"
    for record_id, offset, path in rows:
        assert path is not None, f"{record_id}: its capture row names a file warc_files does not know"
        record = read_at(RecordLocation(fetch(path), offset))
        assert isinstance(record, WarcRecord) and record.record_id == record_id, f"{record_id} at {path}@{offset}"


def replayed_articles(tmp_path: Path, admin_url: str, publisher, files: list[Path]) -> list[tuple]:
    folder = tmp_path / "replay"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "warcs").mkdir(parents=True)
    for path in files:
        shutil.copy(path, folder / "warcs" / path.name)
    generator = empty_database(admin_url)
    url = next(generator)
    try:
        config = write_config(folder, url, source_toml(publisher.base_url))
        result = run_cli(config, "replay", str(folder / "warcs"))
        assert result.returncode == 0, result.stderr[-3000:]
        return articles(url)
    finally:
        generator.close()


@pytest.mark.timeout(900)
def test_a_local_merge_killed_at_each_step_loses_nothing_and_the_next_finishes(
    tmp_path: Path, admin_database_url: str, database_url: str, publisher
) -> None:
    crawl_three_times(write_config(tmp_path, database_url, source_toml(publisher.base_url), NO_MERGE), publisher)
    original = archive_dir(tmp_path)
    live = articles(database_url)
    first = find_warc_files([original]).files
    assert len(first) == 3
    expected = set(record_ids(first))
    rows_before = captured_ids(database_url)

    for step in STEPS:
        folder = tmp_path / f"kill-{step}"
        name = f"merge_kill_{step.replace('-', '_')}_{tmp_path.name[-6:]}".lower()
        url = copy_database(admin_database_url, database_url, name)
        try:
            archive = folder / "data" / "archive"
            shutil.copytree(original, archive)
            query_update(url, f"UPDATE warc_files SET path = replace(path, '{original}', '{archive}')")
            config = write_config(folder, url, source_toml(publisher.base_url), f"[archive]\n{MERGE_ALL}")

            killed = killed_merge(config, step)
            assert killed.returncode == -signal.SIGKILL, (step, killed.stdout, killed.stderr[-3000:])
            files = find_warc_files([archive]).files
            check_archive(files, expected, rows_before, url, Path)
            assert replayed_articles(folder, admin_database_url, publisher, files) == live, step

            finished = killed_merge(config, "none")
            assert finished.returncode == 0, (step, finished.stdout, finished.stderr[-3000:])
            files = find_warc_files([archive]).files
            assert len(files) == 1, (step, [path.name for path in files])
            check_archive(files, expected, rows_before, url, Path)
            assert sorted(p.name for p in archive.rglob("*") if p.is_file()) == sorted(
                [files[0].name, f"{files[0].name}.cdxj"]
            ), "nothing else left: no small file, index, manifest or half-built file"
            assert query(url, "SELECT count(*) FROM warc_files") == [(1,)]
        finally:
            drop_database(admin_database_url, name)
    assert replayed_articles(folder, admin_database_url, publisher, files) == live


def captured_ids(url: str) -> list[str]:
    """The record ids the captures table holds (what the capture rule kept of the three crawls)."""
    return sorted(record_id for (record_id,) in query(url, "SELECT record_id FROM captures"))


def query_update(url: str, sql: str) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute(sql)


def store_keys(server: S3Server, uri: str) -> list[str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    listing = server.client().list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
    return sorted(item["Key"] for item in listing.get("Contents", []))


def copy_prefix(server: S3Server, source: str, target: str) -> None:
    bucket, _, old = source.removeprefix("s3://").partition("/")
    new = target.removeprefix("s3://").partition("/")[2]
    for key in store_keys(server, source):
        server.client().copy_object(Bucket=bucket, Key=new + key[len(old) :], CopySource={"Bucket": bucket, "Key": key})


@pytest.fixture
def fetched(tmp_path: Path, s3_server: S3Server) -> Callable[[str], Path]:
    """An ``s3://`` URI as a local copy (the checks read records by offset, as the reading room does)."""
    cache = tmp_path / "fetched"
    cache.mkdir()

    def fetch(uri: str) -> Path:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        target = cache / key.replace("/", "_")
        if not target.exists():
            s3_server.client().download_file(bucket, key, str(target))
        return target

    return fetch


def listed_warcs(tmp_path: Path, uri: str, server: S3Server, fetch: Callable[[str], Path]) -> list[Path]:
    """The WARC objects a replay of the store would read (through ``replay``'s own listing), fetched."""
    from crawler.replay.fromstore import fetch_warcs
    from crawler.warc.objectstore import ObjectStore, parse_store_uri

    cache = tmp_path / "listed"
    shutil.rmtree(cache, ignore_errors=True)
    return fetch_warcs(ObjectStore(parse_store_uri(uri)), cache).files


@pytest.mark.timeout(900)
def test_an_s3_merge_killed_at_each_step_loses_nothing_and_the_next_finishes(
    tmp_path: Path,
    admin_database_url: str,
    database_url: str,
    publisher,
    s3_server: S3Server,
    s3_archive: str,
    fetched: Callable[[str], Path],
) -> None:
    extra = f'[archive]\ndir = "{s3_archive}"\nmerge = false\n'
    crawl_three_times(write_config(tmp_path, database_url, source_toml(publisher.base_url), extra), publisher)
    live = articles(database_url)
    first = listed_warcs(tmp_path, s3_archive, s3_server, fetched)
    assert len(first) == 3
    expected = set(record_ids(first))
    rows_before = captured_ids(database_url)

    for step in STEPS:
        folder = tmp_path / f"kill-{step}"
        name = f"merge_kill_s3_{step.replace('-', '_')}_{tmp_path.name[-6:]}".lower()
        url = copy_database(admin_database_url, database_url, name)
        try:
            folder.mkdir()
            uri = s3_server.archive_uri()
            copy_prefix(s3_server, s3_archive, uri)
            query_update(url, f"UPDATE warc_files SET path = replace(path, '{s3_archive}', '{uri}')")
            config = write_config(
                folder, url, source_toml(publisher.base_url), f'[archive]\ndir = "{uri}"\n{MERGE_ALL}'
            )
            killed = killed_merge(config, step)
            assert killed.returncode == -signal.SIGKILL, (step, killed.stdout, killed.stderr[-3000:])
            files = listed_warcs(folder, uri, s3_server, fetched)
            check_archive(files, expected, rows_before, url, fetched)
            if step in ("published", "removed-one"):  # the merged object beside the small ones: listed once
                assert replayed_articles(folder, admin_database_url, publisher, files) == live, step

            finished = killed_merge(config, "none")
            assert finished.returncode == 0, (step, finished.stdout, finished.stderr[-3000:])
            files = listed_warcs(folder, uri, s3_server, fetched)
            assert len(files) == 1, (step, [path.name for path in files])
            check_archive(files, expected, rows_before, url, fetched)
            keys = [key.rsplit("/", 1)[1] for key in store_keys(s3_server, uri)]
            assert sorted(keys) == sorted([files[0].name, f"{files[0].name}.cdxj"]), "two objects left, no more"
            spool = folder / "data" / "spool"
            assert not spool.exists() or not [p for p in spool.rglob("*") if p.is_file()], "spool left clean"
        finally:
            drop_database(admin_database_url, name)
    assert replayed_articles(folder, admin_database_url, publisher, files) == live
