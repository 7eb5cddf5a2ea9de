"""newsarchive's crawler: one crawl run and the archive (spiders, WARC, extraction, storage, replay)."""

__version__ = "0.1.0"
