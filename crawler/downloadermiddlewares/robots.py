"""robots.txt obeyed on every host a crawl goes to, page requisites' CDN and media hosts included."""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class OffsiteRobotsMiddleware:
    """Before OffsiteMiddleware (50): RobotsTxtMiddleware (100) asks for ``/robots.txt`` of every host a request
    goes to, after that request passed the offsite filter (a page requisite on a CDN or media host is marked
    ``allow_offsite``). Its robots.txt request carries no such mark, the filter drops it, and a host whose robots.txt
    could not be fetched counts as allowing everything: marked here, the host's rules are read and obeyed."""

    def process_request(self, request: Request) -> None:
        ours = request.callback is NO_CALLBACK and request.meta.get("dont_obey_robotstxt")
        if ours and urlparse_cached(request).path == "/robots.txt":
            request.meta["allow_offsite"] = True


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's, with every request waiting for a host's robots.txt judged by it.

    Scrapy keeps one Deferred per host while its robots.txt downloads, and each waiting request awaits it through
    ``Deferred.asFuture``, whose callback returns None: only the first waiter receives the parser, the next ones
    None, which means "allowed". Seen with a page's five images on a media host: two refused, three fetched despite
    ``Disallow``. The settled parser is read back from the table instead.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc)
        return parser if isinstance(settled, Deferred) else settled
