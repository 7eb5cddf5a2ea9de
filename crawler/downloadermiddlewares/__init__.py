"""Scrapy downloader middlewares of ours (WARC recording, SSRF guard)."""
