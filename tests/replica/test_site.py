"""The replica's content model: deterministic articles, fixed traits, expected records, edits."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from replica import ReplicaRouter, ReplicaSite, render_article
from replica.site import KABUL

CONTRACT_KEYS = {
    "url", "title", "authors", "published_at", "modified_at", "section", "tags", "language", "summary", "body",
    "image_url",
}  # fmt: skip


def test_same_seed_same_site_and_other_seed_differs() -> None:
    base = "http://127.0.0.1:1"
    assert ReplicaSite(seed=7).expected_records(base) == ReplicaSite(seed=7).expected_records(base)
    assert ReplicaSite(seed=7).expected_records(base) != ReplicaSite(seed=8).expected_records(base)


def test_article_urls_follow_khaama_pattern_and_are_unique() -> None:
    site = ReplicaSite(200)
    paths = [site.article_path(a) for a in site.articles]
    assert len(set(paths)) == 200
    assert len({a.id for a in site.articles}) == 200
    assert all(re.fullmatch(r"/[a-z0-9-]+-\d+/", p) for p in paths)
    assert "/nato-us-to-decide-troops-pullout-as-an-alliance-blinken-54353566/" in paths


def test_articles_newest_first_with_ids_growing_over_time() -> None:
    site = ReplicaSite(30)
    published = [a.published for a in site.articles]
    assert published == sorted(published, reverse=True)
    ids = [a.id for a in site.articles]
    assert ids == sorted(ids, reverse=True)


def test_fixed_traits_for_any_seed() -> None:
    for seed in (1, 2, 99):
        site = ReplicaSite(seed=seed)
        first, second, last = site.articles[0], site.articles[1], site.articles[-1]
        assert len(first.authors) == 2
        assert any("\u0600" <= ch <= "\u06ff" for ch in first.body)  # Dari script
        assert second.modified is None
        assert last.authors == ["Khaama Press"] and last.published.year == 2021
        assert len({a.section for a in site.articles}) >= 5


def test_times_are_kabul_time_and_not_now() -> None:
    site = ReplicaSite()
    for article in site.articles:
        assert article.published.utcoffset() == timedelta(hours=4, minutes=30)
        assert article.published < datetime(2024, 7, 14, tzinfo=KABUL)


def test_expected_records_shape() -> None:
    site = ReplicaSite()
    records = site.expected_records("http://127.0.0.1:8080/")
    assert len(records) == 12
    for record, article in zip(records, site.articles, strict=True):
        assert set(record) == CONTRACT_KEYS
        assert record["url"] == f"http://127.0.0.1:8080/{article.slug}-{article.id}/"
        assert record["image_url"].startswith("http://127.0.0.1:8080/wp-content/uploads/")
        assert record["published_at"].endswith("+04:30")
        assert record["body"] == "\n".join(article.paragraphs)
        assert record["language"] == "en"
    assert records[1]["modified_at"] is None
    assert records[0]["modified_at"].endswith("+04:30")


def test_update_article_changes_content_and_bumps_modified() -> None:
    site = ReplicaSite()
    before = site.expected_records("http://h")[3]
    generation = site.generation
    site.update_article(3, title="A corrected headline", body="First line.\nSecond line.")
    after = site.expected_records("http://h")[3]
    assert after["url"] == before["url"]
    assert after["title"] == "A corrected headline"
    assert after["body"] == "First line.\nSecond line."
    assert datetime.fromisoformat(after["modified_at"]) > datetime.fromisoformat(before["modified_at"])
    assert site.generation > generation
    with pytest.raises(TypeError):
        site.update_article(0, colour="red")


def test_add_article_becomes_newest() -> None:
    site = ReplicaSite()
    added = site.add_article("Breaking: a new story", ["Only paragraph one.", "And two."], section="Sports")
    assert site.articles[0] is added
    assert added.id > max(a.id for a in site.articles[1:])
    assert added.published > site.articles[1].published
    assert site.article_by_path(site.article_path(added)) is added
    assert site.expected_records("http://h")[0]["section"] == "Sports"


def test_removed_articles_are_gone_from_the_site_but_can_still_be_rendered() -> None:
    site = ReplicaSite(6)
    router = ReplicaRouter(site, "http://h")
    gone, kept = site.articles[2], site.articles[3]
    page = router.resolve(site.article_path(gone))
    assert page.status == 200
    site.remove_articles([gone])
    assert router.resolve(site.article_path(gone)).status == 404  # the cached page is not served again
    assert router.resolve(site.article_path(kept)).status == 200
    assert site.article_by_id(gone.id) is None and len(site.articles) == 5
    assert gone.title not in router.resolve("/").body.decode()
    assert site.article_path(gone) not in router.resolve("/post-sitemap.xml").body.decode()
    kept_copy = render_article(site, gone, "http://h")  # what an archive kept of it
    assert f'<link rel="canonical" href="http://h{site.article_path(gone)}"' in kept_copy


def test_date_bar_is_today_not_article_date() -> None:
    assert ReplicaSite(today=date(2024, 7, 13)).date_bar() == "Saturday, July 13, 2024"
    now = datetime.now(KABUL).date()
    assert ReplicaSite().date_bar().endswith(f"{now.day}, {now.year}")


def test_edit_time_is_after_anything_earlier_in_the_same_second() -> None:
    """A crawl whose If-Modified-Since is this second (truncated) must still see the edit as newer."""
    site = ReplicaSite()
    before = datetime.now(KABUL)
    site.update_article(2, title="Edited")
    assert site.articles[2].modified > before.replace(microsecond=0)
    assert site.articles[2].modified.microsecond == 0
