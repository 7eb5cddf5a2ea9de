"""``/archive/`` in front of a pywb that does not answer (yet): held for a bound, then a 503 that says why."""

from __future__ import annotations

import socket
import time

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from scheduler.web.archiveproxy import ArchiveProxy


def _refusing_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_pywb_refusing_connections_gets_a_503_with_retry_after_not_a_502() -> None:
    proxy = ArchiveProxy(_refusing_url(), hold=0.5)
    app = Starlette(routes=[Route("/archive/{rest:path}", proxy.handle)])
    with TestClient(app) as client:
        started = time.monotonic()
        answer = client.get("/archive/20240713000000/https://www.khaama.com/")
        held = time.monotonic() - started
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert "starting" in answer.text
    assert 0.5 <= held < 5  # held for the bound, then answered
