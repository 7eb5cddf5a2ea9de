"""The replica's HTTP behaviours: gzip, chunked, validators and 304s, redirects, errors, robots, the request log."""

from __future__ import annotations

import gzip
import http.client
import socket
import threading
from urllib.parse import urlsplit

import pytest

from replica import ReplicaPublisher, ReplicaSite
from tests.replica.http import fetch


def test_gzip_only_when_asked(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    path = replica_site.article_path(replica_site.articles[0])
    plain = fetch(publisher.base_url, path)
    assert plain.header("Content-Encoding") is None
    zipped = fetch(publisher.base_url, path, {"Accept-Encoding": "gzip, deflate"})
    assert zipped.header("Content-Encoding") == "gzip"
    assert zipped.header("Vary") == "Accept-Encoding"
    assert int(zipped.header("Content-Length")) == len(zipped.body) < len(plain.body)
    assert gzip.decompress(zipped.body) == plain.body
    refused = fetch(publisher.base_url, path, {"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.header("Content-Encoding") is None


@pytest.mark.parametrize("path", ["/sitemap_index.xml", "/feed/", "/wp-json/wp/v2/posts"])
def test_gzip_for_xml_and_json(publisher: ReplicaPublisher, path: str) -> None:
    reply = fetch(publisher.base_url, path, {"Accept-Encoding": "gzip"})
    assert reply.status == 200 and reply.header("Content-Encoding") == "gzip"
    assert gzip.decompress(reply.body) == fetch(publisher.base_url, path).body


def test_images_are_never_content_encoded(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    reply = fetch(publisher.base_url, replica_site.articles[0].image_path, {"Accept-Encoding": "gzip"})
    assert reply.status == 200 and reply.header("Content-Type") == "image/png"
    assert reply.header("Content-Encoding") is None
    assert reply.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_listing_pages_are_chunked_articles_have_length(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    home = fetch(publisher.base_url, "/")
    assert home.status == 200 and home.chunked and home.header("Content-Length") is None
    assert b"</html>" in home.body
    article = fetch(publisher.base_url, replica_site.article_path(replica_site.articles[0]))
    assert not article.chunked and int(article.header("Content-Length")) == len(article.body)


def test_etag_and_if_none_match(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    path = replica_site.article_path(replica_site.articles[2])
    first = fetch(publisher.base_url, path)
    etag = first.header("ETag")
    assert etag and first.header("Last-Modified")
    again = fetch(publisher.base_url, path, {"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.header("ETag") == etag
    zipped_etag = fetch(publisher.base_url, path, {"Accept-Encoding": "gzip"}).header("ETag")
    assert fetch(publisher.base_url, path, {"If-None-Match": zipped_etag, "Accept-Encoding": "gzip"}).status == 304
    assert fetch(publisher.base_url, path, {"If-None-Match": '"something-else"'}).status == 200
    logged = [r for r in publisher.requests if r.path == path]
    assert [r.status for r in logged] == [200, 304, 200, 304, 200]
    assert logged[1].header("if-none-match") == etag


def test_if_modified_since(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    path = replica_site.article_path(replica_site.articles[0])
    last_modified = fetch(publisher.base_url, path).header("Last-Modified")
    assert fetch(publisher.base_url, path, {"If-Modified-Since": last_modified}).status == 304
    assert fetch(publisher.base_url, path, {"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"}).status == 200
    assert fetch(publisher.base_url, path, {"If-Modified-Since": "garbage"}).status == 200


def test_edit_changes_validators(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    path = replica_site.article_path(replica_site.articles[4])
    before = fetch(publisher.base_url, path)
    replica_site.update_article(4, title="Updated: a changed headline")
    after = fetch(publisher.base_url, path, {"If-None-Match": before.header("ETag")})
    assert after.status == 200
    assert b"Updated: a changed headline" in after.body
    assert after.header("Last-Modified") != before.header("Last-Modified")


def test_redirects_to_the_canonical_article(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    article = replica_site.articles[5]
    canonical = publisher.base_url + replica_site.article_path(article)
    for old in (f"/?p={article.id}", f"/old/{article.slug}/", f"/{article.slug}-{article.id}", f"/wrong-{article.id}/"):
        reply = fetch(publisher.base_url, old)
        assert reply.status == 301, old
        assert reply.header("Location") == canonical
        assert reply.header("X-Redirect-By") == "WordPress"


def test_not_found_and_server_error(publisher: ReplicaPublisher) -> None:
    missing = fetch(publisher.base_url, "/no-such-page/")
    assert missing.status == 404
    assert missing.header("Content-Type") == "text/html; charset=UTF-8"
    assert b"<title>Page not found - Khaama Press</title>" in missing.body
    assert fetch(publisher.base_url, "/removed-story-10000001/").status == 404
    assert fetch(publisher.base_url, "/?p=1").status == 404
    assert fetch(publisher.base_url, "/broken/500/").status == 500
    assert fetch(publisher.base_url, "/page/99/").status == 404


def test_home_links_the_dead_and_the_disallowed_page(publisher: ReplicaPublisher) -> None:
    home = fetch(publisher.base_url, "/").body.decode()
    assert f'href="{publisher.base_url}/removed-story-10000001/"' in home
    assert f'href="{publisher.base_url}/private/newsroom-schedule/"' in home


def test_robots_txt(publisher: ReplicaPublisher) -> None:
    from urllib.robotparser import RobotFileParser

    reply = fetch(publisher.base_url, "/robots.txt")
    assert reply.status == 200 and reply.header("Content-Type").startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(reply.body.decode().splitlines())
    base = publisher.base_url
    assert not robots.can_fetch("newsarchive", f"{base}/private/newsroom-schedule/")
    assert not robots.can_fetch("newsarchive", f"{base}/wp-admin/options.php")
    assert robots.can_fetch("newsarchive", f"{base}/feed/")
    assert robots.site_maps() == [f"{base}/sitemap_index.xml"]


def test_head_and_keep_alive(publisher: ReplicaPublisher) -> None:
    split = urlsplit(publisher.base_url)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=5)
    try:
        for method, path in [("HEAD", "/feed/"), ("GET", "/robots.txt"), ("HEAD", "/"), ("GET", "/news-sitemap.xml")]:
            connection.request(method, path)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200
            assert (body == b"") == (method == "HEAD")
    finally:
        connection.close()
    assert [r.method for r in publisher.requests] == ["HEAD", "GET", "HEAD", "GET"]


def test_request_log_keeps_headers_as_received(publisher: ReplicaPublisher) -> None:
    fetch(publisher.base_url, "/robots.txt?x=1", {"User-Agent": "newsarchive/0 (+http://example.org)", "X-Test": "1"})
    (entry,) = publisher.requests
    assert entry.method == "GET" and entry.path == "/robots.txt?x=1" and entry.status == 200
    assert entry.header("user-agent") == "newsarchive/0 (+http://example.org)"
    assert ("X-Test", "1") in entry.headers
    assert entry.time > 0


def test_concurrent_requests(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    paths = [replica_site.article_path(a) for a in replica_site.articles] * 4
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(path: str) -> None:
        status = fetch(publisher.base_url, path).status
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=worker, args=(p,)) for p in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert statuses == [200] * len(paths)


def test_stop_closes_the_port() -> None:
    publisher = ReplicaPublisher(ReplicaSite(3))
    base = publisher.start()
    assert fetch(base, "/robots.txt").status == 200
    split = urlsplit(base)
    idle = socket.create_connection((split.hostname, split.port))  # an idle keep-alive client
    publisher.stop()
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection((split.hostname, split.port), timeout=2).close()


def test_prerender_serves_the_same_bytes(replica_site: ReplicaSite) -> None:
    with ReplicaPublisher(replica_site) as publisher:
        assert publisher.prerender() == len(replica_site.articles) + 5
        path = replica_site.article_path(replica_site.articles[1])
        assert b'<h1 class="tdb-title-text">' in fetch(publisher.base_url, path).body
        zipped = fetch(publisher.base_url, path, {"Accept-Encoding": "gzip"})
        assert gzip.decompress(zipped.body) == fetch(publisher.base_url, path).body
