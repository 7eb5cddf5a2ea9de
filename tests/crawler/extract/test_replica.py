"""Every article page of the Khaama-like replica, fetched over HTTP, extracts exactly as the site says it must."""

from __future__ import annotations

import urllib.request

import pytest

from crawler.extract import extract_article


@pytest.mark.parametrize("mode", ["default", "fast"])
def test_replica_article_pages_extract_exactly(publisher, replica_site, mode):
    expected = replica_site.expected_records(publisher.base_url)
    assert expected
    for record in expected:
        with urllib.request.urlopen(record["url"], timeout=30) as response:
            body, headers = response.read(), dict(response.headers.items())
        assert extract_article(body, record["url"], headers, mode=mode).to_json() == record
