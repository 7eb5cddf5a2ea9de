"""The session check (tests.plugins.processes): a pytest run whose tests leave processes behind fails, naming them.

Each case runs pytest in a subprocess over a tiny test file that leaks on purpose: a child it never stops, and an
orphan (a grandchild whose parent exited, so nobody's descendant any more). Run alone and in xdist workers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).parents[2]
LEAKY = """
import multiprocessing, os, subprocess, sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

QUIET = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
ORPHAN = (
    "import subprocess, sys; q = subprocess.DEVNULL; print(subprocess.Popen("
    "[sys.executable, '-c', 'import time; time.sleep(300)  # leaked orphan'], stdin=q, stdout=q, stderr=q).pid)"
)


def test_leaks_a_child_and_an_orphan():
    # Their output goes nowhere: a pipe they held open would keep the run waiting for them, plugin or not.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)  # leaked child"], **QUIET)
    orphan = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, check=True).stdout
    Path(os.environ["LEAKED_PIDS"]).write_text(f"{child.pid} {orphan.strip()}")


def test_stops_what_it_starts():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    child.kill()
    child.wait()
    for method in ("spawn", "forkserver"):  # their helper processes live as long as this one: not left behind
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method)) as pool:
            assert pool.submit(abs, -1).result() == 1
"""


def run_pytest(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the project's options (two workers, durations)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LEAKED_PIDS": str(tmp_path / "pids"),
        "NEWSARCHIVE_TEST_PROCESS_GRACE": "0.5",  # nothing here is shutting down: do not wait the usual grace
    }
    command = [sys.executable, "-m", "pytest", "-c", str(tmp_path / "pytest.ini"), "-p", "tests.plugins.processes"]
    command += ["-p", "no:cacheprovider", "-q", *options, str(tmp_path / "test_leaky.py")]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def alive(pid: int) -> bool:
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    return False


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["one process", "xdist worker"])
def test_a_session_leaving_processes_behind_fails_and_names_them(tmp_path: Path, workers: list[str]) -> None:
    pids: list[int] = []
    try:
        result = run_pytest(tmp_path, *workers)
        pids = [int(pid) for pid in (tmp_path / "pids").read_text().split()]
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert "2 passed, 1 error" in output
        assert "2 process(es) started by the tests outlived them" in output
        for pid, comment in zip(pids, ("# leaked child", "# leaked orphan"), strict=True):
            assert f"pid {pid} " in output and comment in output
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in pids):  # killed once named, so a failed run leaves nothing either
            assert time.monotonic() < deadline, [pid for pid in pids if alive(pid)]
            time.sleep(0.05)
    finally:
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


def test_a_session_that_stops_what_it_starts_passes(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "-k", "stops_what_it_starts")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "outlived" not in result.stdout
