"""Scrapy spiders: the generic news spider and site spiders."""

from __future__ import annotations

from crawler.spiders.khaama import KhaamaSpider
from crawler.spiders.news import NewsSpider

SPIDERS: dict[str, type[NewsSpider]] = {NewsSpider.name: NewsSpider, KhaamaSpider.name: KhaamaSpider}


def spider_class(spider_id: str) -> type[NewsSpider]:
    """The spider class for a source's ``spider`` setting; ``KeyError`` for an unknown id."""
    return SPIDERS[spider_id]


__all__ = ["KhaamaSpider", "NewsSpider", "spider_class"]
