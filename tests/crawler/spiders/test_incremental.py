"""The incremental policy alone: what is due, the "changed since" cutoff, and the conditional request headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.discovery.entries import Discovered
from crawler.spiders.incremental import IncrementalPolicy, recheck_headers
from crawler.storage.recheck import Recheck

SINCE = datetime(2024, 7, 20, tzinfo=UTC)
URL = "https://example.com/a/"


def test_unknown_and_changed_articles_are_due_unchanged_ones_are_not():
    policy = IncrementalPolicy({URL: SINCE}, SINCE, revisit_window=0)

    assert policy.due("https://example.com/new/", Discovered("https://example.com/new/"))
    assert policy.due(URL, Discovered(URL, modified=SINCE + timedelta(hours=1)))
    assert not policy.due(URL, Discovered(URL, modified=SINCE - timedelta(hours=1)))
    assert not policy.due(URL, Discovered(URL))


def test_young_known_articles_stay_due_within_the_revisit_window():
    published = datetime.now(UTC) - timedelta(hours=1)
    policy = IncrementalPolicy({URL: datetime.now(UTC)}, None, revisit_window=86400)

    assert policy.due(URL, Discovered(URL, published=published))


def test_cutoff_reaches_back_by_the_margin_or_the_revisit_window():
    assert IncrementalPolicy({}, None, 0).changed_since() is None
    assert IncrementalPolicy({}, SINCE, 0).changed_since() == SINCE - IncrementalPolicy.since_margin
    assert IncrementalPolicy({}, SINCE, 7 * 86400).changed_since() == SINCE - timedelta(days=7)


def test_only_listings_are_asked_if_modified_since_the_cutoff():
    policy = IncrementalPolicy({}, SINCE, 0)

    assert policy.conditional_headers("sitemap") == {"If-Modified-Since": "Thu, 18 Jul 2024 00:00:00 GMT"}
    assert policy.conditional_headers("article") == {}
    assert IncrementalPolicy({}, None, 0).conditional_headers("feed") == {}


def test_rechecks_send_the_validators_they_have():
    assert recheck_headers(Recheck(URL, etag='"v1"', last_modified="Sat, 13 Jul 2024 06:00:00 GMT")) == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Sat, 13 Jul 2024 06:00:00 GMT",
    }
    assert recheck_headers(Recheck(URL)) == {}
