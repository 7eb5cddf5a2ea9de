"""Khaama Press (WordPress): the generic spider with the REST API post listing always on."""

from __future__ import annotations

from crawler.spiders.news import NewsSpider


class KhaamaSpider(NewsSpider):
    name = "khaama"
    force_wp_api = True
