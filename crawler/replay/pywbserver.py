"""pywb over the archive, for ``newsarchive serve`` and the reading room: started, its indexes kept fresh, stopped.

pywb runs as a subprocess rather than in our process: it monkey-patches the whole interpreter for gevent on import.
It re-reads its index folder when that changes, so WARC files closed after the start are served once a background
thread has linked their indexes (:func:`crawler.replay.browse.sync_indexes`) on the next refresh.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from crawler.errors import ArchiveError
from crawler.process import die_with_parent
from crawler.replay.browse import Collection, prepare, sync_indexes
from crawler.warc.objectstore import ObjectStore

log = logging.getLogger(__name__)

REFRESH_INTERVAL = 30.0
"""Seconds between looks for WARC files closed since the start."""
STOP_TIMEOUT = 10.0
"""Seconds pywb gets to exit after SIGTERM before it is killed."""


class PywbServer:
    """One pywb process serving the collection of ``archive`` (prepared in ``work_dir``) at ``host:port``.

    ``store``: the archive is in object storage (``archive`` is its spool). ``log_file``: where pywb's log goes
    (appended), instead of our stderr.
    """

    def __init__(
        self,
        archive: Path,
        work_dir: Path,
        *,
        host: str,
        port: int,
        store: ObjectStore | None = None,
        refresh: float = REFRESH_INTERVAL,
        log_file: Path | None = None,
    ) -> None:
        self.archive, self.work_dir, self.store = archive, work_dir, store
        self.host, self.port, self.refresh = host, port, refresh
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def returncode(self) -> int | None:
        """None while pywb runs (or before it started)."""
        return self.process.poll() if self.process else None

    def start(self) -> Collection:
        """Prepare the collection, start pywb and the index refresh; what is served."""
        collection = prepare(self.archive, self.work_dir, self.store)
        self.process = self._popen()
        threading.Thread(target=self._refresh_loop, name="pywb-refresh", daemon=True).start()
        return collection

    def wait_until_answering(self, timeout: float) -> bool:
        """Until pywb answers its home page; False if it exited or ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.returncode is None:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2.0).close()
                return True
            except urllib.error.HTTPError:
                return True  # an answer all the same
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Stop refreshing and stop pywb (SIGTERM, then SIGKILL after ``STOP_TIMEOUT``)."""
        self._stopped.set()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def refresh_indexes(self) -> None:
        """Link the indexes of WARC files closed since the last look; a failure is logged and tried again later."""
        try:
            sync_indexes(self.archive, self.work_dir, self.store)
        except (OSError, ArchiveError) as error:  # a file vanishing mid-scan, the store away: try again next time
            log.warning("could not refresh the archive's indexes: %s", error)

    def _refresh_loop(self) -> None:
        while not self._stopped.wait(self.refresh) and self.returncode is None:
            self.refresh_indexes()

    def _popen(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "pywb.apps.cli", "--bind", self.host, "--port", str(self.port)]
        command += ["--directory", str(self.work_dir)]
        env = {**os.environ, **(self.store.settings.client_env() if self.store else {})}
        log_file = self.log_file.open("ab") if self.log_file else None
        try:
            return subprocess.Popen(
                command,
                cwd=self.work_dir,
                env=env,  # pywb reads s3:// WARCs with boto3, which reads AWS_* from here
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # pywb prints a line per index look-up on stdout; its log goes to stderr
                stderr=log_file,
                preexec_fn=die_with_parent(),  # the child never outlives us
            )
        finally:
            if log_file is not None:
                log_file.close()
