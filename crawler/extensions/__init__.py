"""Scrapy extensions of ours, each built by ``from_crawler`` and switched off by ``NotConfigured``."""
