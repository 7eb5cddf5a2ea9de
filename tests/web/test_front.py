"""``/front`` and an article's front-page life over the crawled archive; ``/screenshot`` out of a WARC record."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import psycopg
import pytest
from PIL import Image
from starlette.testclient import TestClient

from crawler.discovery.frontpage import FrontPage, FrontPageLink
from crawler.storage.database import connect
from crawler.storage.frontpages import FrontPageStore
from scheduler.web import create_app
from tests.web._room import FRESH_TITLE, HOSTILE_TITLE, Archive
from tests.web._screenshots import add_screenshot


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.url)) as test_client:
        yield test_client


def test_front_shows_the_latest_capture_ranked_with_the_new_story_marked(client: TestClient, archive: Archive) -> None:
    data = client.get("/api/front", params={"source": "replica"}).json()

    assert data["capture"]["url"] == archive.front_url
    links = data["links"]
    assert [link["rank"] for link in links] == list(range(1, len(links) + 1))
    assert (links[0]["url"], links[0]["text"], links[0]["new"]) == (archive.fresh_url, FRESH_TITLE, True)
    assert [link["url"] for link in links if link["new"]] == [archive.fresh_url]
    assert data["capture"]["new"] == 1 and data["capture"]["links"] == len(links)
    assert {"Latest", "More"} <= {link["box"] for link in links}
    assert data["next"] is None and data["previous"] is not None
    assert data["capture"]["archive_path"].endswith("/" + archive.front_url)
    assert data["ordered_by"].startswith("by rank")

    page = client.get("/front", params={"source": "replica"})
    assert page.status_code == 200 and "<script" not in page.text
    assert '<tr class="new">\n<td>1</td>' in page.text and "1 new since the previous capture" in page.text
    assert f"/article?url={quote(archive.fresh_url, safe='')}" in page.text
    assert f"Ordered {data['ordered_by']}." in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text  # the hostile headline, as text
    assert HOSTILE_TITLE not in page.text


def test_previous_capture_and_a_time_before_it(client: TestClient, archive: Archive) -> None:
    latest = client.get("/api/front", params={"source": "replica"}).json()
    path = latest["previous"]["path"]
    assert f'href="{path.replace("&", "&amp;")}"' in client.get("/front", params={"source": "replica"}).text

    first = client.get("/api" + path).json()
    assert first["previous"] is None and first["next"]["captured_at"] == latest["capture"]["captured_at"]
    assert archive.fresh_url not in [link["url"] for link in first["links"]]
    assert not any(link["new"] for link in first["links"])
    at = parse_qs(urlsplit(path).query)["at"][0]
    assert datetime.fromisoformat(first["capture"]["captured_at"]) == datetime.fromisoformat(at)
    before = datetime.fromisoformat(at) - timedelta(days=1)
    early = client.get("/api/front", params={"source": "replica", "at": before.isoformat()}).json()
    assert early["capture"]["captured_at"] == first["capture"]["captured_at"], "before the first: the first"


def test_the_article_page_shows_its_front_page_life(client: TestClient, archive: Archive) -> None:
    life = client.get("/api/article", params={"url": archive.edited_url}).json()["front_pages"]
    assert len(life) == 1
    [page] = life
    assert (page["source"], page["page_url"], page["captures"]) == ("replica", archive.front_url, 2)
    assert page["best_rank"] == 1 and page["first_seen_at"] < page["last_seen_at"]
    fresh = client.get("/api/article", params={"url": archive.fresh_url}).json()["front_pages"]
    assert [(f["captures"], f["best_rank"], f["first_seen_at"] == f["last_seen_at"]) for f in fresh] == [(1, 1, True)]
    html = client.get("/article", params={"url": archive.edited_url}).text
    assert "On the front page" in html and page["front_path"].replace("&", "&amp;") in html


def test_front_lists_pages_and_refuses_what_it_lacks(client: TestClient, archive: Archive) -> None:
    listing = client.get("/api/front").json()
    assert [(p["source"], p["url"], p["captures"]) for p in listing["pages"]] == [("replica", archive.front_url, 2)]
    assert client.get("/front").status_code == 200
    assert client.get("/front", params={"source": "nobody"}).status_code == 404
    assert client.get("/api/front", params={"source": "replica", "at": "yesterday"}).status_code == 400
    assert 'href="/front"' in client.get("/").text


def test_the_screenshot_is_served_out_of_its_warc_record(database_url: str, tmp_path: Path) -> None:
    """A screenshot resource record as the browser capture writes it, found by the front page it belongs to."""
    page_url = "https://news.example/"
    taken = datetime(2024, 7, 13, 6, 0, 5, tzinfo=UTC)
    png = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 30, 30)).save(png, format="PNG")
    add_screenshot(database_url, tmp_path, page_url, png.getvalue(), taken)
    with connect(database_url, autocommit=True) as conn:
        _front_page(conn, page_url, taken - timedelta(seconds=5))

    with TestClient(create_app(database_url, archive_dir=tmp_path)) as client:
        front = client.get("/api/front", params={"source": "news"}).json()
        shot = front["screenshot"]
        assert shot is not None and datetime.fromisoformat(shot["captured_at"]) == taken
        answer = client.get(shot["path"])
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert answer.content == png.getvalue()
        assert Image.open(io.BytesIO(answer.content)).size == (320, 200)
        assert f'<img src="{shot["path"].replace("&", "&amp;")}"' in client.get("/front?source=news").text
        far = (taken + timedelta(hours=2)).isoformat()
        assert client.get("/screenshot", params={"url": page_url, "at": far}).status_code == 404
        assert client.get("/screenshot", params={"url": "https://other.example/"}).status_code == 404
        assert client.get("/screenshot").status_code == 400


def _front_page(conn: psycopg.Connection, url: str, captured_at: datetime) -> None:
    link = FrontPageLink(1, "https://news.example/a-story-on-the-front-page-1234567/", "A story", "Top stories")
    FrontPageStore(conn).store_many([FrontPage("news", url, captured_at, "<urn:uuid:front>", (link,))])
