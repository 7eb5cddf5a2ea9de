"""``newsarchive archive recover|index|upload|merge``: close WARC files a crash left open; (re)build CDXJ indexes;
send the spool of an object-store archive; merge closed small files now (runs do it after themselves)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.errors import DatabaseUnavailable
from crawler.warc.cdxj import index_directory
from crawler.warc.recovery import RecoveredFile, recover_and_index
from scheduler import exitcodes
from scheduler.context import load_app_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("archive", help="WARC archive maintenance")
    actions = parser.add_subparsers(dest="archive_command", metavar="ACTION")
    recover = actions.add_parser(
        "recover", help="close .open WARC files no live process holds, cut to their last complete record"
    )
    recover.add_argument("dir", nargs="?", type=Path, help="archive directory (default: [archive] dir)")
    recover.add_argument("--no-db", action="store_true", help="do not index the recovered records in the database")
    recover.set_defaults(func=run_recover)
    index = actions.add_parser("index", help="write a CDXJ index per closed WARC file (into DIR/indexes/)")
    index.add_argument("dir", nargs="?", type=Path, help="archive directory (default: [archive] dir)")
    index.add_argument("--rebuild", action="store_true", help="rewrite indexes that already exist")
    index.set_defaults(func=run_index)
    upload = actions.add_parser(
        "upload", help="send the WARCs waiting in the spool to the object store ([archive] dir = s3://...)"
    )
    upload.set_defaults(func=run_upload)
    merge = actions.add_parser(
        "merge", help="merge closed small WARC files into large ones now, finishing any merge a crash cut short"
    )
    merge.set_defaults(func=run_merge)
    parser.set_defaults(func=run_usage, archive_parser=parser)


def run_usage(args: argparse.Namespace) -> int:
    args.archive_parser.print_help(sys.stderr)
    return exitcodes.USAGE


def run_recover(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    directory = args.dir or config.archive.dir
    if not directory.is_dir():
        print(f"newsarchive archive recover: no such directory: {directory}", file=sys.stderr)
        return exitcodes.USAGE
    recovered = recover_and_index(directory)
    for item in recovered:
        print(_describe(item))
    print(f"{len(recovered)} file(s) recovered in {directory}")
    if not recovered or args.no_db:
        return exitcodes.OK
    try:
        added = _index_in_database(config, recovered)
    except DatabaseUnavailable as error:
        print(f"newsarchive: warning: recovered files not indexed in the database: {error}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    print(f"{added} capture row(s) added to the database")
    return exitcodes.OK


def run_index(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    directory = args.dir or config.archive.dir
    if not directory.is_dir():
        print(f"newsarchive archive index: no such directory: {directory}", file=sys.stderr)
        return exitcodes.USAGE
    written = index_directory(directory, rebuild=args.rebuild)
    for path in written:
        print(path)
    print(f"{len(written)} index(es) written")
    return exitcodes.OK


def run_upload(args: argparse.Namespace) -> int:
    """Exit 0 once the spool is empty (or held by a running crawl), 69 while the store is away or refuses us."""
    from crawler.run.shipping import object_store, ship_archive
    from crawler.storage.database import database_url

    config = load_app_config(args)
    store = object_store(config.archive)
    if store is None:
        print("newsarchive archive upload: [archive] dir is a local directory; nothing to upload", file=sys.stderr)
        return exitcodes.USAGE
    store.check()  # an empty spool must still say when the store is away or refuses the credentials
    report = ship_archive(config.archive, database_url(config))
    for uri in report.uploaded:
        print(uri)
    rate = report.uploaded_bytes / 1e6 / max(report.seconds, 1e-6)
    print(
        f"{len(report.uploaded)} file(s) uploaded, {report.uploaded_bytes} bytes ({rate:.1f} MB/s); "
        f"{report.pending_files} waiting ({report.pending_bytes} bytes)"
    )
    if report.pending_files and report.error:
        print(f"newsarchive: {report.error}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    return exitcodes.OK


def run_merge(args: argparse.Namespace) -> int:
    """Exit 0 when done (or another process is merging), 69 when the database or the store is away."""
    from crawler.run.merging import merge_archive
    from crawler.storage.database import database_url

    config = load_app_config(args)
    report = merge_archive(config.archive, database_url(config))
    if report is None:
        print("newsarchive archive merge: merging is off ([archive] merge = false)", file=sys.stderr)
        return exitcodes.OK
    if report.skipped:
        print("another process is merging this archive; nothing done")
        return exitcodes.OK
    print(f"{report.parts} file(s) merged into {len(report.merged)}, {report.bytes} bytes; {report.resumed} resumed")
    if report.error:
        print(f"newsarchive: {report.error}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    return exitcodes.OK


def _describe(item: RecoveredFile) -> str:
    if item.removed:
        return f"removed {item.path.name}.open: no complete record"
    return f"recovered {item.path.name}: {len(item.rows)} records, {item.cut_bytes} bytes cut"


def _index_in_database(config, recovered: list[RecoveredFile]) -> int:
    from crawler.storage.captures import CaptureStore
    from crawler.storage.database import connect, database_url

    with connect(database_url(config)) as conn:
        return CaptureStore(conn).index_recovered(recovered)
