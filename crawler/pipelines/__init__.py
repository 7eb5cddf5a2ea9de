"""Scrapy item pipelines of ours (article storage)."""
