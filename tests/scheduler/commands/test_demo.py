"""``newsarchive demo`` through the CLI: it crawls the bundled replica, then says where the reading room is."""

from __future__ import annotations

import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.cli import cli_command, cli_env, query, run_cli, wait_for, write_config
from tests.support.processes import stop_tree


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_ends_with_the_reading_room_url_and_exits(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url, "")
    result = run_cli(config, "demo", "--articles", "3", "--listen", "127.0.0.1:8123")
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last == "Reading room: run `newsarchive web` and open http://127.0.0.1:8123/"


def test_demo_web_keeps_serving_the_reading_room(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url, "")
    port = _free_port()
    command = cli_command(config, "demo", "--articles", "3", "--web", "--listen", f"127.0.0.1:{port}")
    log = tmp_path / "demo.log"
    with log.open("w") as stderr:  # the crawl's log on a file: a full pipe would block the demo
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=cli_env())
    base = f"http://127.0.0.1:{port}/"
    try:
        line = wait_for(lambda: _reading_room_line(process, log), what="the reading room's address", timeout=180)
        assert line == f"Reading room at {base}"
        home = wait_for(lambda: _get(base + "api/"), what="the reading room answering")
        assert [source["name"] for source in home.json()["sources"]] == ["demo"]
        assert home.json()["recent"], "the demo's articles are in the reading room"
        assert process.poll() is None, "demo --web keeps serving"
    finally:
        stop_tree(process, graceful=30)  # the reading room stops its pywb on SIGTERM; what is left is killed


def _reading_room_line(process: subprocess.Popen[str], log: Path) -> str | None:
    """The next line of the demo's output if it is the reading room's; fails if the demo is gone."""
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line and process.poll() is not None:
        raise AssertionError(f"demo exited {process.returncode}: {log.read_text()[-3000:]}")
    return line if line.startswith("Reading room") else None


def _get(url: str) -> httpx.Response | None:
    try:
        answer = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None
    return answer if answer.status_code == 200 else None


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _at_a_terminal(command: list[str], timeout: float = 180) -> tuple[int, str]:
    """Run ``command`` with stdin, stdout and stderr on a pseudo-terminal (as a person runs it); its exit status
    and everything it wrote, escape sequences removed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=cli_env())
    os.close(follower)
    output = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the last writer is gone
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    returncode = process.wait(10)
    return returncode, ANSI.sub("", output.decode("utf-8", errors="replace")).replace("\r\n", "\n")


def _new_in_table(output: str, source: str) -> str:
    """The ``new`` cell of ``source``'s row in the status table."""
    row = next(line for line in output.splitlines() if line.startswith(f"│ {source} "))
    return [cell.strip() for cell in row.strip("│").split("│")][6]


def test_a_second_demo_is_incremental_and_a_terminal_sees_no_json_and_no_warning(
    tmp_path: Path, database_url: str
) -> None:
    config = write_config(tmp_path, database_url, "")
    command = [sys.executable, "-m", "scheduler", "--config", str(config), "demo", "--articles", "3"]
    outputs = []
    for _ in range(2):
        returncode, output = _at_a_terminal(command)
        assert returncode == 0, output[-3000:]
        outputs.append(output)
        assert not [line for line in output.splitlines() if line.lstrip().startswith("{")], output
        assert "warning" not in output.lower(), output
        assert "Scrapy" not in output and "Overridden settings" not in output

    first, second = outputs
    assert "demo: crawl finished: 3 new articles" in first and _new_in_table(first, "demo") == "3"
    assert "demo: crawl finished: 0 new articles" in second and _new_in_table(second, "demo") == "0"
    assert "incremental: the 3 archived before were not fetched again" in second
    assert query(database_url, "SELECT count(*) FROM articles WHERE source = 'demo'") == [(3,)]
    [(start_urls,)] = query(database_url, "SELECT DISTINCT config -> 'start_urls' FROM sources WHERE name = 'demo'")
    assert len(start_urls) == 1  # the same replica address both times
