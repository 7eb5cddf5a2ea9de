"""Article extraction: HTML bytes + URL (+ headers) in, an :class:`Article` out."""

from crawler.extract.article import Article, PageTime

__all__ = ["Article", "PageTime"]
