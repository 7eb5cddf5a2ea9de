"""trafilatura's metadata (title, author, htmldate's original date), computed only when the markup lacks a field."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from trafilatura.metadata import extract_metadata as trafilatura_metadata

log = logging.getLogger(__name__)


class FallbackMetadata:
    """Lazily run trafilatura's metadata extraction once per page."""

    def __init__(self, html: str, url: str) -> None:
        self._html = html
        self._url = url

    @cached_property
    def _document(self) -> Any:
        try:
            # extensive=False: htmldate then trusts markup and the URL, not any date in the text (a site's date bar
            # shows today's date, not the article's). htmldate always looks for the original date here.
            return trafilatura_metadata(self._html, default_url=self._url or None, extensive=False)
        except Exception as error:  # a library bug on odd markup must not lose the article
            log.debug("trafilatura metadata failed on %s: %r", self._url, error)
            return None

    def title(self) -> str | None:
        return getattr(self._document, "title", None) or None

    def author(self) -> str | None:
        return getattr(self._document, "author", None) or None

    def date(self) -> str | None:
        return getattr(self._document, "date", None) or None
