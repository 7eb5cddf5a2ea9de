"""The embedded server: starts on demand, is shared by processes racing to start it, answers, and stops."""

from __future__ import annotations

import subprocess
import sys

import psycopg

from crawler.storage.embedded import embedded_url, stop_embedded

PROBE = """
import sys
from crawler.storage.database import connect
from crawler.storage.embedded import embedded_url
with connect(embedded_url(__import__("pathlib").Path(sys.argv[1]))) as conn:
    print(conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0].isoformat())
"""


def test_processes_racing_share_one_server(tmp_path):
    pgdata = tmp_path / "data" / "postgres"
    try:
        probes = [
            subprocess.Popen([sys.executable, "-c", PROBE, str(pgdata)], stdout=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        outputs = [probe.communicate(timeout=120)[0].strip() for probe in probes]
        assert [probe.returncode for probe in probes] == [0, 0, 0]
        assert len(set(outputs)) == 1, outputs
        # Still running after every starter exited: a crawl subprocess and its parent may come and go.
        with psycopg.connect(embedded_url(pgdata)) as conn:
            assert conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0].isoformat() == outputs[0]
        assert stop_embedded(pgdata)
        # Used again after a stop (by this long-lived process): started again.
        with psycopg.connect(embedded_url(pgdata)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        assert stop_embedded(pgdata)
    assert not stop_embedded(pgdata)
