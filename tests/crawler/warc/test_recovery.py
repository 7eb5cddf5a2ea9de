"""Crash recovery: `.open` files no live process holds are cut to their last complete record and closed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from crawler.warc import records
from crawler.warc.reader import read_capture_rows
from crawler.warc.recovery import recover_archive
from crawler.warc.writer import WarcFileWriter
from tests.crawler.warc import _server
from tests.crawler.warc._groups import make_group
from tests.crawler.warc._tools import assert_valid_warc, warcio_offsets
from tests.support.processes import reaped, stop_tree

SCRIPT = Path(__file__).with_name("writer_script.py")
ROOT = Path(__file__).parents[3]


def start_writer(directory: Path, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(directory), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.01)


def test_sigkill_mid_write_is_recovered(tmp_path: Path) -> None:
    with reaped(start_writer(tmp_path, "loop")) as writer:
        written = [writer.stdout.readline().strip() for _ in range(3)]
        open_files = list(tmp_path.glob("*.open"))
        assert len(open_files) == 1
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        written += [line.strip() for line in writer.stdout.read().splitlines()]

    recovered = recover_archive(tmp_path)

    assert len(recovered) == 1
    result = recovered[0]
    assert not open_files[0].exists() and result.path.exists()
    assert result.path.stat().st_size == result.size
    assert_valid_warc(result.path)
    rows = result.rows
    assert [(r.offset, r.length, r.record_type, r.record_id) for r in rows] == warcio_offsets(result.path)
    response_ids = [row.record_id for row in rows if row.record_type == "response"]
    assert response_ids[: len(written)] == written, "every group reported written survives"
    assert {row.source for row in rows} == {"test"} and {row.run_id for row in rows} == {1}


def test_partial_trailing_record_is_cut(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "cut", warcinfo={}, source="test", gzip_level=6)
    rows = writer.write_group(make_group("http://example.com/1", b"<p>one</p>" * 500), "article")
    rows += writer.write_group(make_group("http://example.com/2", b"<p>two</p>" * 500), "article")
    open_path = writer.current_path
    complete_size = open_path.stat().st_size
    partial = records.serialize_record(make_group("http://example.com/3", os.urandom(20_000))[0], 6)
    with open(open_path, "ab") as stream:
        stream.write(partial[: len(partial) // 2])
    writer._file.abandon()  # the process "dies": the lock goes, the name stays

    (result,) = recover_archive(tmp_path)

    assert (result.size, result.cut_bytes) == (complete_size, len(partial) // 2)
    assert result.rows == rows
    assert read_capture_rows(result.path) == rows
    assert_valid_warc(result.path)


def test_file_held_by_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    with reaped(start_writer(tmp_path, "hold")) as writer:
        assert writer.stdout.readline().strip() == "ready"
        (open_path,) = tmp_path.glob("*.open")
        size = open_path.stat().st_size

        assert recover_archive(tmp_path) == []
        assert open_path.exists() and open_path.stat().st_size == size

        writer.stdin.close()
        assert writer.wait(timeout=30) == 0
    assert not open_path.exists()
    assert recover_archive(tmp_path) == []


def test_file_without_a_complete_record_is_removed(tmp_path: Path) -> None:
    broken = tmp_path / "x-20240101000000000-00000-host.warc.gz.open"
    broken.write_bytes(b"\x1f\x8b\x08\x00 not a whole member")

    (result,) = recover_archive(tmp_path)

    assert result.removed and result.rows == []
    assert list(tmp_path.iterdir()) == []


def test_scrapy_crawl_killed_mid_run_is_recovered(tmp_path: Path) -> None:
    httpd = _server.start_server()
    base = f"http://127.0.0.1:{httpd.server_port}"
    settings = {"NEWSARCHIVE_WARC_DIR": str(tmp_path), "NEWSARCHIVE_SOURCE": "test", "CONCURRENT_REQUESTS": 4}
    urls = [f"{base}/article", f"{base}/same-a", f"{base}/hold"]
    crawl = subprocess.Popen(
        [sys.executable, str(SCRIPT.with_name("crawl_script.py")), json.dumps(settings), *urls],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        written = []
        while len(written) < 2:
            event = json.loads(crawl.stdout.readline())
            if event["event"] == "row" and event["row"]["record_type"] == "response":
                written.append(event["row"]["record_id"])
        wait_for(lambda: any(request.startswith("GET /hold") for request in httpd.requests))
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
    finally:
        stop_tree(crawl)
        httpd.release.set()
        httpd.shutdown()
    assert len(list(tmp_path.glob("*.open"))) == 1

    (result,) = recover_archive(tmp_path)

    assert_valid_warc(result.path)
    assert [row.record_id for row in result.rows if row.record_type == "response"] == written
    assert [row.record_type for row in result.rows] == ["warcinfo"] + ["response", "request", "metadata"] * 2
    assert list(tmp_path.glob("*.open")) == []


def test_recovery_running_beside_a_writer_never_takes_a_file_it_is_creating(tmp_path: Path) -> None:
    """Two runs share an archive folder: one's start-up recovery must not see the other's new file before its lock.

    The soak caught it once: a file created, recovered as abandoned in the instant before its writer locked it, and
    the writer's lock then failed (EAGAIN), failing the run. Here one process opens files as fast as it can while
    this one recovers the folder in a loop.
    """
    script = (
        "import sys\nfrom pathlib import Path\nfrom crawler.warc.writer import _OpenFile\n"
        "folder = Path(sys.argv[1])\n"
        "for n in range(3000):\n"
        "    f = _OpenFile(folder / f'w-{n:05d}.warc.gz')\n"
        "    f.write(b'x' * 10)\n"
        "    f.close()\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stderr=subprocess.PIPE, text=True)
    recovered = 0
    while writer.poll() is None:
        recovered += len(recover_archive(tmp_path))
    assert writer.returncode == 0, writer.stderr.read()[-2000:]
    assert recovered == 0
    assert len(list(tmp_path.glob("w-*.warc.gz"))) == 3000
    assert not [path.name for path in tmp_path.iterdir() if not path.name.endswith(".warc.gz")]
