"""``newsarchive demo`` through the CLI: it crawls the bundled replica, then says where the reading room is."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import httpx

from tests.support.cli import cli_command, cli_env, run_cli, wait_for, write_config
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
