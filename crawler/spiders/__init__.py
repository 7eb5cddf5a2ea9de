"""Scrapy spiders: the generic news spider and site spiders."""
