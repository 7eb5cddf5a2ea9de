"""The deployment files: systemd units verified by systemd-analyze, YAML parsed, commands parsed by our own CLI."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.config import load_config
from crawler.config.units import parse_duration
from scheduler.cli import build_parser
from scheduler.triggers import validate_schedule

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
INSTALLED_BINARY = "/opt/newsarchive/.venv/bin/newsarchive"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def assert_cli_accepts(argv: list[str]) -> Any:
    """``argv`` (after the program name) is a valid ``newsarchive`` command line."""
    args = build_parser().parse_args(argv)
    assert getattr(args, "func", None), argv
    return args


def seconds(value: str) -> float:
    """A systemd/compose time span such as ``60``, ``60s`` or ``2min``."""
    match = re.fullmatch(r"(\d+)\s*(s|sec|min|m|h)?", value.strip())
    assert match, value
    factor = {"min": 60, "m": 60, "h": 3600}.get(match.group(2) or "s", 1)
    return int(match.group(1)) * factor


def example_stop_timeout() -> float:
    return load_config(str(DEPLOY / "newsarchive.toml.example"), validate_schedule, environ={}).scheduler.stop_timeout


def test_daemon_service() -> None:
    service = unit("newsarchive.service")["Service"]
    assert service["Type"] == "simple"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert service["KillMode"] == "mixed"  # SIGTERM to the daemon only: it forwards one to each crawl
    assert seconds(service["TimeoutStopSec"]) > example_stop_timeout()
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["User"] != "root" and service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == INSTALLED_BINARY
    assert assert_cli_accepts(argv[1:]).command == "daemon"


def test_crawl_service_and_timer() -> None:
    service = unit("newsarchive-crawl@.service")["Service"]
    assert service["Type"] == "oneshot"
    assert "75" in service["SuccessExitStatus"].split()
    argv = shlex.split(service["ExecStart"].replace("%i", "khaama"))
    args = assert_cli_accepts(argv[1:])
    assert (args.command, args.trigger, args.sources) == ("crawl", "cron", ["khaama"])
    timer = unit("newsarchive-crawl@.timer")["Timer"]
    assert timer["Persistent"] == "true"
    assert timer["Unit"] == "newsarchive-crawl@%i.service"
    assert timer["OnCalendar"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own checker, on instances of the templates with ExecStart pointing at this venv's binary."""
    binary = str(Path(sys.executable).parent / "newsarchive")
    names = {
        "newsarchive.service": "newsarchive.service",
        "newsarchive-crawl@.service": "newsarchive-crawl@khaama.service",
        "newsarchive-crawl@.timer": "newsarchive-crawl@khaama.timer",
    }
    for source, target in names.items():
        text = (DEPLOY / source).read_text(encoding="utf-8").replace(INSTALLED_BINARY, binary)
        (tmp_path / target).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / name) for name in names.values())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Unknown keys and bad values are only warnings (exit 0): a clean verify prints nothing at all.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_crontab_lines_are_valid_schedules_and_commands() -> None:
    entries = 0
    for line in (DEPLOY / "crontab.example").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        fields = line.split(None, 5)
        validate_schedule(" ".join(fields[:5]), "UTC", "crontab")
        command = fields[5].split("&&", 1)[1].split(">>", 1)[0]
        argv = shlex.split(command)
        assert argv[0] == INSTALLED_BINARY
        assert assert_cli_accepts(argv[1:]).trigger == "cron"
        entries += 1
    assert entries >= 2


def test_compose_file() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"postgres", "s3", "bucket", "migrate", "daemon", "worker"}
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["db", "migrate"]
    assert_cli_accepts(services["migrate"]["command"])
    daemon = services["daemon"]
    assert assert_cli_accepts(daemon["command"]).command == "daemon"
    assert daemon["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
        "bucket": {"condition": "service_completed_successfully"},
    }
    assert daemon["stop_signal"] == "SIGTERM"
    image_config = load_config(str(DEPLOY / "docker.toml"), validate_schedule, environ={})
    assert seconds(daemon["stop_grace_period"]) > image_config.scheduler.stop_timeout
    assert daemon["init"] is True
    assert all(port.startswith("127.0.0.1:") for port in daemon["ports"])  # metrics stay on the host's loopback
    assert daemon["environment"]["NEWSARCHIVE_DATABASE_URL"].startswith("postgresql://")
    assert services["migrate"]["build"]["dockerfile"] == "deploy/Dockerfile"
    worker = services["worker"]
    assert assert_cli_accepts(worker["command"]).command == "worker"
    assert "container_name" not in worker and "ports" not in worker  # so `--scale worker=N` can start N of them
    assert worker["depends_on"] == daemon["depends_on"]
    queue_config = load_config(str(DEPLOY / "queue-s3.toml"), validate_schedule, environ={})
    assert queue_config.scheduler.mode == "queue"
    assert (
        "/etc/newsarchive/queue-s3.toml" in daemon["command"] and "/etc/newsarchive/queue-s3.toml" in worker["command"]
    )
    assert seconds(worker["stop_grace_period"]) > queue_config.scheduler.stop_timeout


def compose_defaults(text: str) -> str:
    """Compose's interpolation with nothing set: each ``${NAME:-default}`` becomes its default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def test_compose_keeps_the_archive_in_its_s3_service() -> None:
    """Workers spool and upload to the SeaweedFS service, whose one identity holds the keys the workers send."""
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "-s3" in services["s3"]["command"] and "8333" in " ".join(services["s3"]["command"])
    assert "s3.bucket.create -name newsarchive" in " ".join(services["bucket"]["entrypoint"])
    config = load_config(str(DEPLOY / "queue-s3.toml"), validate_schedule, environ={})
    assert config.archive.store == "s3://newsarchive/archive"
    assert config.archive.dir == Path("/var/lib/newsarchive/spool")
    identities = json.loads(compose_defaults(compose["configs"]["s3-identities"]["content"]))
    [credentials] = identities["identities"][0]["credentials"]
    for name in ("daemon", "worker"):
        env = {key: compose_defaults(value) for key, value in services[name]["environment"].items()}
        assert env["AWS_ENDPOINT_URL"] == "http://s3:8333"
        assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (
            credentials["accessKey"],
            credentials["secretKey"],
        )
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY deploy/queue-s3.toml /etc/newsarchive/queue-s3.toml" in dockerfile
    assert "pip install '.[s3,wacz]'" in dockerfile  # export-wacz too, as before py-wacz became an extra


def test_kubernetes_queue_deployments() -> None:
    """One daemon Deployment, one scalable worker Deployment, both on the queue-mode config they share."""
    from crawler.config import parse_config

    daemon_docs = list(yaml.safe_load_all((DEPLOY / "k8s" / "daemon.yaml").read_text(encoding="utf-8")))
    [config_map] = [doc for doc in daemon_docs if doc["kind"] == "ConfigMap"]
    config = parse_config(tomllib.loads(config_map["data"]["newsarchive.toml"]))
    assert config.scheduler.mode == "queue"
    deployments = {
        doc["metadata"]["name"]: doc
        for path in ("daemon.yaml", "worker.yaml")
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / path).read_text(encoding="utf-8"))
        if doc["kind"] == "Deployment"
    }
    assert set(deployments) == {"newsarchive-daemon", "newsarchive-worker"}
    assert deployments["newsarchive-daemon"]["spec"]["replicas"] == 1
    for name, command in (("newsarchive-daemon", "daemon"), ("newsarchive-worker", "worker")):
        pod = deployments[name]["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert assert_cli_accepts(container["args"]).command == command
        assert pod["terminationGracePeriodSeconds"] > config.scheduler.stop_timeout
        assert pod["securityContext"]["runAsNonRoot"] is True
        mounts = {mount["name"] for mount in container["volumeMounts"]}
        assert {"config", "tmp"} <= mounts
    worker_volumes = deployments["newsarchive-worker"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "archive", "persistentVolumeClaim": {"claimName": "newsarchive-archive"}} in worker_volumes


def test_kubernetes_cronjob() -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "k8s" / "cronjob.yaml").read_text(encoding="utf-8")))
    [cronjob] = [doc for doc in documents if doc and doc["kind"] == "CronJob"]
    assert cronjob["apiVersion"] == "batch/v1"
    spec = cronjob["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    validate_schedule(spec["schedule"], "UTC", "k8s schedule")
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True
    [container] = pod["containers"]
    args = assert_cli_accepts(container["args"])
    assert (args.command, args.trigger) == ("crawl", "cron")
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] > parse_duration("1h", "deadline")


def test_dockerfile() -> None:
    """A lint by reading it: slim base, non-root user, exec-form entrypoint (so SIGTERM reaches newsarchive)."""
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert [line for line in instructions if line.startswith("FROM")] == [
        "FROM python:3.11-slim AS build",
        "FROM python:3.11-slim",
    ]
    final_stage = instructions[instructions.index("FROM python:3.11-slim") :]
    [user] = [line for line in final_stage if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in ("root", "0")
    [entrypoint] = [line for line in final_stage if line.startswith("ENTRYPOINT ")]
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT ")) == ["newsarchive"]
    [cmd] = [line for line in final_stage if line.startswith("CMD ")]
    assert_cli_accepts(json.loads(cmd.removeprefix("CMD ")))
    assert "STOPSIGNAL SIGTERM" in final_stage
    assert "COPY deploy/docker.toml /etc/newsarchive/newsarchive.toml" in final_stage
    assert "COPY deploy/queue.toml /etc/newsarchive/queue.toml" in final_stage


def test_dockerfile_copies_every_installed_package() -> None:
    """The build stage copies each top-level package pyproject installs: the CLI imports them all (``demo`` needs
    ``replica``), so one left out breaks every command in the image."""
    pyproject = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [pattern.rstrip("*") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
    for package in packages:
        assert f"COPY {package} ./{package}" in dockerfile, package


def test_example_configs_load() -> None:
    example = load_config(str(DEPLOY / "newsarchive.toml.example"), validate_schedule, environ={})
    assert example.source("khaama").schedule == "*/30 * * * *"
    assert example.metrics.listen.startswith("127.0.0.1:")
    image = load_config(str(DEPLOY / "docker.toml"), validate_schedule, environ={})
    assert str(image.data_dir) == "/var/lib/newsarchive"
