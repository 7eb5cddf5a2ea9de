"""The crawler package's exception hierarchy."""

from __future__ import annotations


class NewsarchiveError(Exception):
    """Base of every error newsarchive raises on purpose."""


class ConfigError(NewsarchiveError):
    """The configuration is invalid (exit code 78)."""


class DatabaseUnavailable(NewsarchiveError):
    """PostgreSQL could not be reached (exit code 69)."""


class ArchiveError(NewsarchiveError):
    """A WARC file could not be written or read."""


class NotAnArticle(NewsarchiveError):
    """The page holds no article (a listing, an error page, not HTML)."""


class RenderError(NewsarchiveError):
    """The browser could not render a page (it would not start, crashed, hung or ran out of memory)."""
