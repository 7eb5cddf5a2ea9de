"""The opt-in fault endpoints under /faults/: each misbehaves exactly as documented, nothing links to them, and a
publisher serves them only when they are mounted (the ``publisher`` fixture mounts them)."""

from __future__ import annotations

import http.client
import socket
import time
from urllib.parse import urlsplit

import pytest

from replica import ReplicaPublisher, ReplicaSite
from replica.faults import WINDOWS_1252_PARAGRAPHS
from tests.replica.http import fetch


def _connection(publisher: ReplicaPublisher, timeout: float = 10) -> http.client.HTTPConnection:
    split = urlsplit(publisher.base_url)
    return http.client.HTTPConnection(split.hostname, split.port, timeout=timeout)


def test_normal_pages_never_link_faults(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    for path in ["/", "/feed/", "/post-sitemap.xml", replica_site.article_path(replica_site.articles[0])]:
        assert b"/faults/" not in fetch(publisher.base_url, path).body


def test_a_default_publisher_answers_faults_with_the_theme_404(replica_site: ReplicaSite) -> None:
    """What ``newsarchive demo`` serves: a clean publisher, no hostile route unless ``faults.MOUNT`` is installed."""
    with ReplicaPublisher(replica_site) as plain:
        started = time.monotonic()
        reply = fetch(plain.base_url, "/faults/slow/")
        assert time.monotonic() - started < 2  # no wait: the slow fault would take 5 s
        assert reply.status == 404
        assert reply.body == fetch(plain.base_url, "/no-such-page/").body
        assert fetch(plain.base_url, "/faults/reset/").status == 404


def test_slow_waits_before_answering(publisher: ReplicaPublisher) -> None:
    started = time.monotonic()
    reply = fetch(publisher.base_url, "/faults/slow/?seconds=0.3")
    assert reply.status == 200 and time.monotonic() - started >= 0.3


def test_slow_client_timeout(publisher: ReplicaPublisher) -> None:
    connection = _connection(publisher, timeout=0.2)
    connection.request("GET", "/faults/slow/?seconds=30")
    with pytest.raises(TimeoutError):
        connection.getresponse()
    connection.close()


def test_truncated_body(publisher: ReplicaPublisher) -> None:
    connection = _connection(publisher)
    connection.request("GET", "/faults/truncated/")
    response = connection.getresponse()
    promised = int(response.headers["Content-Length"])
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert 0 < len(caught.value.partial) < promised
    connection.close()


def test_truncated_chunked_body(publisher: ReplicaPublisher) -> None:
    connection = _connection(publisher)
    connection.request("GET", "/faults/truncated-chunked/")
    response = connection.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    connection.close()


def test_reset_sends_nothing(publisher: ReplicaPublisher) -> None:
    split = urlsplit(publisher.base_url)
    with socket.create_connection((split.hostname, split.port), timeout=5) as sock:
        sock.sendall(b"GET /faults/reset/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100) == b""
    assert [(r.path, r.status) for r in publisher.requests] == [("/faults/reset/", 0)]


def test_wrong_charset_header(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    reply = fetch(publisher.base_url, "/faults/wrong-charset/")
    assert reply.header("Content-Type") == "text/html; charset=ISO-8859-1"
    assert replica_site.articles[0].paragraphs[-1].encode("utf-8") in reply.body


def test_wrong_charset_utf8_serves_windows_1252_labelled_utf8(publisher: ReplicaPublisher) -> None:
    reply = fetch(publisher.base_url, "/faults/wrong-charset-utf8/")
    assert reply.header("Content-Type") == "text/html; charset=UTF-8"
    assert b"<meta charset='utf-8'>" in reply.body
    assert WINDOWS_1252_PARAGRAPHS[1].encode("cp1252") in reply.body
    with pytest.raises(UnicodeDecodeError):
        reply.body.decode("utf-8")
    feed = fetch(publisher.base_url, "/faults/wrong-charset-utf8-feed/").body
    assert f"{publisher.base_url}/faults/wrong-charset-utf8/".encode() in feed


def test_redirect_loop_and_chain(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    first = fetch(publisher.base_url, "/faults/redirect-loop/")
    second = fetch(publisher.base_url, urlsplit(first.header("Location")).path)
    assert (first.status, second.status) == (302, 302)
    assert second.header("Location") == f"{publisher.base_url}/faults/redirect-loop/"
    hop = fetch(publisher.base_url, "/faults/redirect-chain/2/")
    assert hop.header("Location") == f"{publisher.base_url}/faults/redirect-chain/1/"
    end = fetch(publisher.base_url, "/faults/redirect-chain/0/")
    assert end.header("Location") == publisher.base_url + replica_site.article_path(replica_site.articles[0])


def test_huge_body(publisher: ReplicaPublisher) -> None:
    reply = fetch(publisher.base_url, "/faults/huge/?mb=3")
    assert reply.status == 200 and reply.chunked
    assert len(reply.body) >= 3 * 1024 * 1024


def test_endless_pagination(publisher: ReplicaPublisher) -> None:
    reply = fetch(publisher.base_url, "/faults/endless/page/41/")
    assert reply.status == 200
    assert f'href="{publisher.base_url}/faults/endless/page/42/"'.encode() in reply.body


def test_status_and_empty(publisher: ReplicaPublisher) -> None:
    unavailable = fetch(publisher.base_url, "/faults/status/503/")
    assert unavailable.status == 503 and unavailable.header("Retry-After") == "1"
    assert fetch(publisher.base_url, "/faults/status/429/").status == 429
    empty = fetch(publisher.base_url, "/faults/empty/")
    assert empty.status == 200 and empty.body == b""
