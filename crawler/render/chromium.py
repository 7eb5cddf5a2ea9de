"""One headless Chromium process of ours: launched with the flags this closed network needs, watched, killed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from crawler.errors import RenderError
from crawler.process import die_with_parent

log = logging.getLogger(__name__)

DEFAULT_EXECUTABLE = "/usr/bin/chromium"
"""Debian's Chromium. A browser that downloads itself (``playwright install``) cannot work without internet."""

BLACKHOLE_PROXY = "http://127.0.0.1:9"
"""Every request the browser would send itself goes to a closed loopback port and fails at once.

Requests of a rendered page are all intercepted and fetched by the crawl's downloader; this proxy (with loopback
not bypassed) is the second wall, so a request that escaped interception (a new kind of fetch, a browser bug)
reaches no host, private or public, behind the SSRF guard's back."""

FLAGS = (
    "--headless=new",
    "--no-sandbox",  # as root Chromium refuses to start with its sandbox; the browser is fenced by the proxy above
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB; Chromium's renderers then crash on large pages
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
STARTUP_TIMEOUT = 20.0


class ChromiumProcess:
    """A Chromium started in its own session (so the whole tree can be killed) that dies with the crawl."""

    def __init__(self, executable: str, heap_mb: int, proxy: str = BLACKHOLE_PROXY) -> None:
        """``proxy``: where the browser's own requests go (empty: straight out; benchmarks only)."""
        self.executable = executable
        self.heap_mb = heap_mb
        self.proxy = proxy
        self.profile = Path(tempfile.mkdtemp(prefix="newsarchive-chromium-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint = ""

    async def start(self) -> str:
        """Launch and wait for the DevTools endpoint (``ws://127.0.0.1:PORT/devtools/browser/…``)."""
        if not (shutil.which(self.executable) or os.access(self.executable, os.X_OK)):
            raise RenderError(f"no Chromium at {self.executable} (apt-get install chromium)")
        # V8's heap cap turns a page that allocates without end into a crashed renderer, not a swapping machine.
        arguments = [self.executable, f"--user-data-dir={self.profile}", *FLAGS]
        if self.proxy:
            arguments += [f"--proxy-server={self.proxy}", "--proxy-bypass-list=<-loopback>"]
        arguments += [f"--js-flags=--max-old-space-size={self.heap_mb}", "about:blank"]
        with open(self.profile / "chromium.log", "wb") as log_file:
            self.process = subprocess.Popen(
                arguments,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGKILL),
            )
        self.endpoint = await self._devtools_endpoint()
        log.debug("Chromium %d listening at %s", self.process.pid, self.endpoint)
        return self.endpoint

    async def _devtools_endpoint(self) -> str:
        """Chromium writes its port and path to ``DevToolsActivePort`` in the profile once it listens."""
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RenderError(f"Chromium exited at start (code {self.process.returncode}): {self._log_tail()}")
            with contextlib.suppress(OSError, ValueError):
                port, path = port_file.read_text().split()
                return f"ws://127.0.0.1:{int(port)}{path}"
            await asyncio.sleep(0.02)
        raise RenderError(f"Chromium did not start within {STARTUP_TIMEOUT:.0f} s: {self._log_tail()}")

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return (self.profile / "chromium.log").read_text(errors="replace")[-300:].strip()
        return ""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tree(self) -> list[psutil.Process]:
        """The browser and its helpers (renderers, GPU and network services, zygotes)."""
        if not self.alive():
            return []
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def memory(self) -> int:
        """Bytes the whole tree holds: the sum of proportional set sizes (shared pages counted once overall).

        RSS is cheap to read but counts the pages Chromium's processes share once per process (about three times
        the truth for an idle browser); PSS costs a read of each process's smaps, so it is read only when the RSS
        sum, an upper bound, is past ``bound``.
        """
        return self._sum(lambda process: process.memory_full_info().pss)

    def memory_above(self, bound: int) -> bool:
        """Whether the tree holds more than ``bound`` bytes (PSS), reading PSS only when RSS says it may."""
        return self._sum(lambda process: process.memory_info().rss) > bound and self.memory() > bound

    def _sum(self, measure: Callable[[psutil.Process], int]) -> int:
        total = 0
        for process in self.tree():
            with contextlib.suppress(psutil.Error):
                total += measure(process)
        return total

    def cpu_seconds(self) -> float:
        """User + system CPU of the live tree (processes already gone are not counted)."""
        total = 0.0
        for process in self.tree():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        return total

    def kill(self) -> None:
        """SIGKILL the whole session (a hung browser answers nothing else), reap it, remove its profile."""
        process, self.process = self.process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
        shutil.rmtree(self.profile, ignore_errors=True)
