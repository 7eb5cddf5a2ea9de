"""A write that fails part way (disk full, file size limit) leaves the file at a record boundary, with no hole."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.crawler.warc._tools import assert_valid_warc

LIMIT = 64 * 1024

SCRIPT = textwrap.dedent(
    f"""
    import os, resource, signal, sys
    from crawler.errors import ArchiveError
    from crawler.warc.writer import WarcFileWriter
    from tests.crawler.warc._groups import make_group

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, as a full disk gives ENOSPC
    resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, {LIMIT}))
    writer = WarcFileWriter(sys.argv[1], "test", warcinfo={{}}, source="test", run_id=1)
    writer.write_group(make_group("http://example.com/a-1/", b"first page"))
    try:
        writer.write_group(make_group("http://example.com/big-2/", os.urandom(3 * {LIMIT})))
    except ArchiveError as error:
        print("refused:", error)
    writer.write_group(make_group("http://example.com/c-3/", b"third page"))
    closed = writer.close()
    print(closed.size, closed.records)
    """
)


def test_failed_write_is_cut_off_and_the_next_group_follows_it(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    refused, summary = result.stdout.strip().splitlines()
    assert refused.startswith("refused: cannot write") and "File too large" in refused
    [path] = list(tmp_path.glob("*.warc.gz"))
    assert summary == f"{path.stat().st_size} 7"
    assert_valid_warc(path)
    with path.open("rb") as stream:
        urls = [record.rec_headers.get_header("WARC-Target-URI") for record in ArchiveIterator(stream)]
    assert urls == [None, *["http://example.com/a-1/"] * 3, *["http://example.com/c-3/"] * 3]
