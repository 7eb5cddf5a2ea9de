"""trafilatura's metadata (title, author, htmldate's original date), computed only when the markup lacks a field."""

from __future__ import annotations

import logging
from copy import deepcopy
from functools import cached_property
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata as trafilatura_metadata

log = logging.getLogger(__name__)


class FallbackMetadata:
    """Lazily run trafilatura's metadata extraction once per page."""

    def __init__(self, root: HtmlElement, url: str) -> None:
        self._root = root
        self._url = url

    @cached_property
    def _document(self) -> Any:
        try:
            # extensive=False: htmldate then trusts markup and the URL, not any date in the text (a site's date bar
            # shows today's date, not the article's). htmldate always looks for the original date here.
            return trafilatura_metadata(self._without_chrome, default_url=self._url or None, extensive=False)
        except Exception as error:  # a library bug on odd markup must not lose the article
            log.debug("trafilatura metadata failed on %s: %r", self._url, error)
            return None

    def title(self) -> str | None:
        """trafilatura's title guess."""
        return getattr(self._document, "title", None) or None

    def author(self) -> str | None:
        """trafilatura's byline guess (names joined by "; ")."""
        return getattr(self._document, "author", None) or None

    def date(self) -> str | None:
        """htmldate's publication day (``YYYY-MM-DD``) of the page without its header bars: from the markup and
        the URL when they state one, else from a search of the text too; asked only when neither the markup nor
        the byline nor the URL nor the headline's surroundings state a day.

        With ``original_date`` the text search takes the oldest date it finds (a list of older posts beside the
        article wins over the article's own marked-up day), so it comes second. It pads a year or a month found
        alone ("established in 2010", "March 2021") to its first day: such a 1st is dropped.
        """
        found = self._htmldate(extensive=False)
        if found:
            return found
        found = self._htmldate(extensive=True)
        return None if found and found.endswith("-01") else found

    def _htmldate(self, *, extensive: bool) -> str | None:
        try:
            return find_date(
                self._without_chrome, url=self._url or None, original_date=True, extensive_search=extensive
            )
        except Exception as error:  # a library bug on odd markup must not lose the article
            log.debug("htmldate failed on %s: %r", self._url, error)
            return None

    @cached_property
    def _without_chrome(self) -> HtmlElement:
        return without_page_chrome(self._root)


CHROME_MARKS = "top-?bar|header-top|top-header|top-menu|date-?bar|data_time|current-?date|today|clock"
"""Class or id words of a site's header bars, whose dates are the visit's, not the article's."""
_CHROME = (
    "//nav | //*[@role='navigation' or @role='banner'] | //header[not(ancestor::article)][not(.//h1)] | "
    f"//body//*[re:test(concat(@class, ' ', @id), '{CHROME_MARKS}', 'i')]"
)
_NAMESPACES = {"re": "http://exslt.org/regular-expressions"}


def without_page_chrome(root: HtmlElement) -> HtmlElement:
    """A copy of the page without navigation and header bars, whose dates are the visit's, not the article's.
    The ``<body>``'s own classes describe the whole page (a theme's "has-top-bar"): never taken for a bar."""
    copy = deepcopy(root)
    for element in copy.xpath(_CHROME, namespaces=_NAMESPACES):
        if element.getparent() is not None:
            element.drop_tree()
    return copy
