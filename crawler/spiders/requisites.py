"""The spider side of page requisites: their callbacks (the middleware ``crawler.spidermiddlewares.requisites``
finds them, the recorder archives them; the spider only says what happened)."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

log = logging.getLogger(__name__)

STATS = "newsarchive/requisites/"


class RequisiteCallbacks:
    """Mixed into a spider: its requisite requests' callback and errback (spider methods, so that a run's frontier
    on disk can store them). A failed requisite is counted, never a fetch error of the run: the page is archived."""

    crawler: Any

    def parse_requisite(self, response: Response) -> list[Any]:
        if response.status == 304:
            self.crawler.stats.inc_value(STATS + "not_modified")
        else:
            self.crawler.stats.inc_value(STATS + "fetched")
        return []

    def requisite_failed(self, failure: Failure) -> list[Any]:
        request = failure.request
        if failure.check(HttpError):
            status = failure.value.response.status
            self.crawler.stats.inc_value(STATS + f"http_{status}")
            log.debug("requisite %s answered %d", request.url, status)
        elif failure.check(IgnoreRequest):
            # The SSRF guard, robots.txt or an offsite rule refused it; each counts its own reason too.
            self.crawler.stats.inc_value(STATS + "refused")
            log.debug("requisite %s refused: %s", request.url, failure.value)
        else:
            self.crawler.stats.inc_value(STATS + "failed")
            log.info("requisite %s failed: %s", request.url, failure.getErrorMessage())
        return []
