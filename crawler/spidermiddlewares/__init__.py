"""Scrapy spider middlewares of ours."""
