"""SSRF guard: refuse requests to private, loopback, link-local or reserved addresses the source did not name."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from crawler import settings as defaults

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
WEB_SCHEMES = frozenset({"http", "https"})


def is_forbidden_address(address: str | IPAddress) -> bool:
    """Not a public unicast address: private, loopback, link-local, shared, reserved, unspecified or multicast."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def literal_address(host: str) -> IPAddress | None:
    """The host as an IP address when it is written as one (``[::1]`` already unbracketed by urlparse)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class SsrfGuardMiddleware:
    """Downloader middleware, early in the chain so every redirect hop and robots.txt fetch passes it too.

    Hostnames are resolved through the reactor's resolver, the one the download itself uses (Scrapy's
    ``CachingThreadedResolver`` caches the answer), so the address checked is the address connected to.
    """

    def __init__(self, crawler: Crawler, named_hosts: Iterable[str]) -> None:
        self.crawler = crawler
        self.named_hosts = frozenset(_normalize(host) for host in named_hosts if host)
        self._verdicts: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSARCHIVE_SSRF_ENABLED", defaults.NEWSARCHIVE_SSRF_ENABLED):
            raise NotConfigured
        return cls(crawler, crawler.settings.getlist("NEWSARCHIVE_SSRF_ALLOWED_HOSTS"))

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in WEB_SCHEMES:
            # file:, s3:, ftp:, data: URLs in a hostile sitemap or feed would read local files or other services.
            self._refuse(request, f"scheme {parts.scheme!r}")
        host = _normalize(parts.hostname or "")
        if not host or self.is_named(host):
            return
        if host not in self._verdicts:
            self._verdicts[host] = await self._forbidden(host)
        if self._verdicts[host]:
            self._refuse(request, f"{host} is a private or reserved address the source does not name")

    def _refuse(self, request: Request, why: str) -> None:
        self.crawler.stats.inc_value("newsarchive/ssrf/blocked")
        log.warning("Refused %s: %s", request, why)
        raise IgnoreRequest(f"SSRF guard: {why}")

    def is_named(self, host: str) -> bool:
        """Named by the source: the host itself or a domain above it (``allowed_domains`` include subdomains)."""
        return any(host == named or host.endswith("." + named) for named in self.named_hosts)

    async def _forbidden(self, host: str) -> bool:
        literal = literal_address(host)
        if literal is not None:
            return is_forbidden_address(literal)
        from twisted.internet import reactor

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except DNSLookupError:
            # The download's own lookup fails the same way and reports it; nothing to guard.
            return False
        return is_forbidden_address(address)


def _normalize(host: str) -> str:
    return host.strip().lower().rstrip(".").strip("[]")
