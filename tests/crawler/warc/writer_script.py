"""A WARC writer in its own process, for crash tests: ``python writer_script.py DIR MODE``.

MODE ``loop``: write groups until killed, printing each group's response record id after it is written.
MODE ``hold``: write one group, print ``ready``, then wait for stdin to close before closing the file.
"""

from __future__ import annotations

import os
import sys

from crawler.warc.writer import WarcFileWriter
from tests.crawler.warc._groups import make_group


def main() -> None:
    directory, mode = sys.argv[1], sys.argv[2]
    writer = WarcFileWriter(directory, "crash", warcinfo={}, source="test", run_id=1, gzip_level=0)
    if mode == "hold":
        writer.write_group(make_group("http://example.com/held", b"held"))
        print("ready", flush=True)
        sys.stdin.read()
        writer.close()
        return
    number = 0
    while True:
        rows = writer.write_group(make_group(f"http://example.com/{number}", os.urandom(1_500_000)))
        print(rows[-3].record_id, flush=True)
        number += 1


if __name__ == "__main__":
    main()
