"""Canonical URLs: the page's own claim when it stays on the fetched site, canonicalised, tracking removed."""

from __future__ import annotations

import logging
import re
from datetime import date
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url, safe_url_string

log = logging.getLogger(__name__)

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|"
    r"mkt_tok|oly_anon_id|oly_enc_id|vero_id|wt_mc|cmpid|ocid|s_kwcid|ref_src|__twitter_impression|amp)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# The bundled Public Suffix List snapshot only: no fetch at run time, no cache directory written.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


@lru_cache(maxsize=4096)
def registrable_domain(url: str) -> str:
    """The site a URL belongs to (``news.example.co.uk`` → ``example.co.uk``); the host itself when unknown."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    parts = _SUFFIXES(host)
    # tldextract >= 5.3 renamed registered_domain (now deprecated); IP addresses and bare hosts give "".
    if hasattr(parts, "top_domain_under_public_suffix"):
        return parts.top_domain_under_public_suffix or host
    return parts.registered_domain or host


def canonical_url(fetched_url: str, claims: list[str | None]) -> str:
    """The first claimed URL (``rel=canonical``, ``og:url``) on the fetched URL's site, else the fetched URL."""
    base = registrable_domain(fetched_url) if fetched_url else ""
    for claim in claims:
        if not claim:
            continue
        absolute = urljoin(fetched_url, claim.strip())
        if urlsplit(absolute).scheme in ("http", "https") and (not base or registrable_domain(absolute) == base):
            return canonicalize(absolute)
    return canonicalize(fetched_url)


def canonicalize(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters, query sorted (w3lib).

    The path keeps its case and trailing slash: servers tell ``/Story/`` from ``/story``.
    """
    if not url:
        return url
    try:
        parts = urlsplit(canonicalize_url(url.strip(), keep_blank_values=True))
        port = parts.port
    except ValueError:
        log.debug("unparsable URL %r kept as given", url)
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _TRACKING.match(pair.split("=", 1)[0]))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def absolute_url(base: str, value: str | None) -> str | None:
    """``value`` resolved against ``base`` when it is a usable http(s) URL."""
    if not value or not isinstance(value, str):
        return None
    resolved = urljoin(base or "", value.strip())
    if urlsplit(resolved).scheme not in ("http", "https"):
        return None
    return safe_url_string(resolved)


_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/-]|\.html?|$)")


def url_day(url: str) -> date | None:
    """The day a URL's path states (``/2021/03/23/``, ``/story/2019-11-19/``), if any."""
    match = _URL_DAY.search(urlsplit(url).path)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
