"""``newsarchive archive recover|index``: crash leftovers closed and indexed, in files and in the database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import psycopg

from crawler.storage.capturerule import keeps_row
from crawler.warc import records
from crawler.warc.writer import WarcFileWriter
from scheduler.commands import archive
from tests.crawler.warc._groups import make_group
from tests.crawler.warc._tools import assert_valid_warc


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    archive.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


def crashed_file(directory: Path) -> tuple[Path, list]:
    writer = WarcFileWriter(directory, "crash", warcinfo={}, source="test", run_id=None)
    rows = writer.write_group(make_group("http://example.com/1", b"<p>one</p>"), "article")
    rows += writer.write_group(make_group("http://example.com/2", b"<p>two</p>"), "article")
    open_path = writer.current_path
    partial = records.serialize_record(make_group("http://example.com/3", os.urandom(5000))[0], 6)
    with open(open_path, "ab") as stream:
        stream.write(partial[:1000])
    writer._file.abandon()
    return open_path, rows


def test_recover_closes_indexes_and_fills_captures(tmp_path: Path, database_url: str) -> None:
    archive_dir = tmp_path / "archive"
    open_path, rows = crashed_file(archive_dir)
    config = tmp_path / "newsarchive.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[archive]\ndir = "{archive_dir}"\n')

    assert run("--config", str(config), "archive", "recover") == 0

    final = open_path.with_name(open_path.name.removesuffix(".open"))
    assert final.exists() and not open_path.exists()
    assert_valid_warc(final)
    assert (archive_dir / "indexes" / (final.name + ".cdxj")).exists()
    with psycopg.connect(database_url) as conn:
        indexed = conn.execute("SELECT record_id FROM captures WHERE filename = %s", [final.name]).fetchall()
        files = conn.execute("SELECT size, records FROM warc_files WHERE filename = %s", [final.name]).fetchall()
    assert sorted(row[0] for row in indexed) == sorted(row.record_id for row in rows if keeps_row(row))
    assert files == [(final.stat().st_size, len(rows))]


def test_index_writes_one_cdxj_per_file(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "idx", warcinfo={}, max_file_size=1)
    for number in range(3):
        writer.write_group(make_group(f"http://example.com/{number}", b"body"))
    writer.close()
    config = tmp_path / "none.toml"
    config.write_text("")

    assert run("--config", str(config), "archive", "index", str(tmp_path)) == 0
    assert len(list((tmp_path / "indexes").glob("*.cdxj"))) == 3
    assert run("--config", str(config), "archive", "recover", str(tmp_path / "missing")) == 2
