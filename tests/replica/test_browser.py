"""The opt-in browser pages under /browser/: a front page whose stories only its script shows, and hostile pages."""

from __future__ import annotations

import json

from replica import ReplicaPublisher, ReplicaSite, browser
from tests.replica.http import fetch


def test_the_front_page_html_has_no_story_its_script_lists_real_articles(replica_site: ReplicaSite) -> None:
    with ReplicaPublisher(replica_site, mounts=[browser.MOUNT]) as publisher:
        base = publisher.base_url
        front = fetch(base, "/browser/")
        assert front.status == 200 and b"built by a script" in front.body
        assert all(article.title.encode() not in front.body for article in replica_site.articles)
        stories = json.loads(fetch(base, "/browser/stories.json").body)
        assert len(stories) == browser.STORIES
        for story in stories:
            assert story["url"].startswith(base)
            assert fetch(base, story["url"].removeprefix(base)).status == 200
        for path in ("/browser/app.js", "/browser/theme.css", "/browser/extra.css", "/browser/img/story-0.png"):
            assert fetch(base, path).status == 200, path
        assert fetch(base, "/browser/moved.png").headers["Location"] == f"{base}/browser/img/logo.png"
        ssrf = fetch(base, "/browser/ssrf/").body.decode()
        assert f"http://localhost:{base.rsplit(':', 1)[1]}{browser.SECRET_PATH}" in ssrf


def test_the_browser_pages_are_served_only_when_mounted(replica_site: ReplicaSite) -> None:
    with ReplicaPublisher(replica_site) as plain:
        for path in ("/browser/", "/browser/loop/", "/browser/hog/"):
            assert fetch(plain.base_url, path).status == 404
