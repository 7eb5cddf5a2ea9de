"""The reading room over a real archive: the replica crawled twice by the CLI, one article edited in between."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from starlette.testclient import TestClient

from scheduler.web import create_app
from tests.support.cli import query
from tests.support.processes import stop_tree
from tests.web._room import NEW_SENTENCE, Archive, free_port, start_web, wait_for_page

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.url)) as test_client:
        yield test_client


def test_the_edited_article_has_two_versions(archive: Archive) -> None:
    rows = query(archive.url, "SELECT version FROM articles WHERE url = %s", archive.edited_url)
    assert rows == [(2,)]


def test_search_finds_the_article_by_a_body_word(client: TestClient, archive: Archive) -> None:
    page = client.get("/search", params={"q": "quarrystone"})
    assert page.status_code == 200
    assert f"/article?url={quote(archive.edited_url, safe='')}" in page.text
    assert "<mark>quarrystone</mark>" in page.text
    api = client.get("/api/search", params={"q": "quarrystone", "sort": "date"}).json()
    assert [row["url"] for row in api["page"]["rows"]] == [archive.edited_url]
    assert api["facets"]["source"] == [{"value": "replica", "count": 1}]


def test_search_stems_english_and_pages(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "agreements"}).json()
    assert first["page"]["rows"], "the english config should stem agreements to agreement"
    listing = client.get("/api/articles", params={"page": 1}).json()
    assert listing["page"]["rows"] and listing["page"]["number"] == 1


def test_diff_marks_the_edited_sentence_deleted_and_inserted(client: TestClient, archive: Archive) -> None:
    page = client.get("/diff", params={"url": archive.edited_url, "from": 1, "to": 2})
    assert page.status_code == 200
    deleted = " ".join(re.findall(r"<del>(.*?)</del>", page.text, re.S))
    inserted = " ".join(re.findall(r"<ins>(.*?)</ins>", page.text, re.S))
    assert "quarrystone" in inserted and "quarrystone" not in deleted
    old_words = [word for word in archive.old_sentence.split() if word not in NEW_SENTENCE.split()]
    assert old_words and all(word.replace("'", "&#39;") in deleted for word in old_words[:3])


def test_article_lists_versions_with_archive_links(client: TestClient, archive: Archive) -> None:
    data = client.get("/api/article", params={"url": archive.edited_url}).json()
    assert [v["version"] for v in data["versions"]] == [1, 2]
    for version in data["versions"]:
        assert re.fullmatch(r"/archive/\d{14}/" + re.escape(version["capture_url"]), version["archive_path"])
    assert NEW_SENTENCE in data["current"]["body"]


def test_changes_atom_is_valid_and_lists_the_edit(client: TestClient, archive: Archive) -> None:
    answer = client.get("/changes.atom", params={"all": 1})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    assert feed.tag == ATOM + "feed"
    for required in ("id", "title", "updated"):
        assert feed.find(ATOM + required) is not None
    entries = feed.findall(ATOM + "entry")
    links = [entry.find(ATOM + "link").get("href") for entry in entries]
    assert any(quote(archive.edited_url, safe="") in link for link in links)
    assert all(entry.find(ATOM + "updated") is not None and entry.find(ATOM + "id") is not None for entry in entries)
    html = client.get("/changes", params={"all": 1})
    assert html.status_code == 200 and "Changed articles" in html.text


def test_hostile_title_and_body_show_as_text(client: TestClient, archive: Archive) -> None:
    """In the article, the search snippet and the diff, the archived markup is escaped text, never markup."""
    pages = {
        "article": client.get("/article", params={"url": archive.hostile_url}),
        "search": client.get("/search", params={"q": "wraithmoss"}),
        "diff": client.get("/diff", params={"url": archive.hostile_url}),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        for raw in ("<script>alert", "<img src=x", "<b>headline"):
            assert raw not in page.text, (name, raw)
        assert "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;" in page.text, name
        assert "&lt;img src=x onerror=alert(2)&gt;" in page.text, name
    for name in ("article", "diff"):
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in pages[name].text, name
    assert "<mark>wraithmoss</mark>" in pages["search"].text
    assert f"/article?url={quote(archive.hostile_url, safe='')}" in pages["search"].text
    title = client.get("/search", params={"q": "hostile"})
    assert "<script>alert" not in title.text and "<b>headline" not in title.text


@pytest.mark.parametrize(
    "path",
    [
        "/articles?page=zero",
        "/articles?page=0",
        "/articles?tz=Mars/Olympus",
        "/search?q=x&since=yesterday",
        "/search?q=x&sort=random",
        "/diff?url=",
        "/diff?url=https://example.com/&from=x",
        "/changes?all=maybe",
        "/api/runs?page=-1",
    ],
)
def test_bad_parameters_are_400_with_a_message(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 400, answer.text
    if path.startswith("/api/"):
        assert answer.json()["error"]
    else:
        assert "Bad request" in answer.text


def test_every_page_has_a_strict_csp_and_json_twin(client: TestClient, archive: Archive) -> None:
    for path in (
        "/",
        "/articles",
        "/changes",
        "/runs",
        f"/article?url={quote(archive.edited_url)}",
        "/front?source=replica",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp
        assert "<script" not in page.text
        api = client.get("/api" + path)
        assert api.status_code == 200 and api.headers["content-type"] == "application/json"
    runs = client.get("/api/runs", params={"source": "replica"}).json()["page"]["rows"]
    assert len(runs) == 2 and all(run["status"] == "finished" and run["pages"] > 0 for run in runs)
    home = client.get("/api/").json()
    assert home["sources"][0]["name"] == "replica"


def test_the_web_command_serves_pages_and_archived_captures(archive: Archive) -> None:
    port = free_port()
    process = start_web(archive, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_page(base + "/", process)
        data = httpx.get(base + "/api/article", params={"url": archive.edited_url}).json()
        replayed = []
        for version in data["versions"]:
            framed = _archive_get(base + version["archive_path"])
            assert framed.status_code == 200, framed.text[:500]
            stamp, url = version["archive_path"].split("/", 3)[2:]
            page = _archive_get(f"{base}/archive/{stamp}mp_/{url}")
            assert page.status_code == 200
            replayed.append(page.text)
        # Each capture's link replays that capture: the edit is only in the second.
        assert "quarrystone" not in replayed[0] and "quarrystone" in replayed[1]
    finally:
        stop_tree(process, graceful=20)  # the reading room stops its pywb on SIGTERM; what is left is killed


def test_the_archive_answers_as_soon_as_the_reading_room_does(archive: Archive) -> None:
    """No 502 while pywb starts: the room listens only once pywb answers."""
    port = free_port()
    process = start_web(archive, port)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=30) as client:
            wait_for_page(base + "/", process, client)
            first_answer = time.monotonic()
            answer = client.get(base + "/archive/")  # the connection to the room is open already: sent at once
        assert time.monotonic() - first_answer - answer.elapsed.total_seconds() < 0.1
        assert answer.status_code == 200, answer.text[:300]
    finally:
        process.terminate()
        process.wait(20)


def _archive_get(url: str) -> httpx.Response:
    """pywb needs a moment after start to load its indexes: retry a few times on errors."""
    answer = httpx.get(url, timeout=30)
    for _ in range(20):
        if answer.status_code == 200:
            break
        time.sleep(0.5)
        answer = httpx.get(url, timeout=30)
    return answer


def test_the_app_cannot_write(archive: Archive) -> None:
    import psycopg

    from scheduler.web.pool import Database

    db = Database(archive.url)
    db.open()
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            db.fetch("DELETE FROM article_records RETURNING id")
    finally:
        db.close()
    assert query(archive.url, "SELECT count(*) FROM article_records")[0][0] > 0


def test_listen_is_loopback_by_default() -> None:
    from scheduler.cli import build_parser
    from scheduler.commands.web import parse_listen

    args = build_parser().parse_args(["web"])
    assert parse_listen(args.listen) == ("127.0.0.1", 8080)
    assert parse_listen("[::1]:9000") == ("::1", 9000)
    with pytest.raises(ValueError):
        parse_listen("localhost")
