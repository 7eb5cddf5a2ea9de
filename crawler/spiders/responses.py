"""What a response tells the spider about the capture it is: when it was seen, whether it arrived whole."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.http import Response

from crawler.discovery.entries import as_utc, parse_datetime


def truncated(response: Response) -> bool:
    """Cut short: the connection dropped (``dataloss``) or our size limit stopped the download."""
    return "dataloss" in response.flags or "download_stopped" in response.flags


def seen_at(response: Response) -> datetime:
    """The capture's WARC-Date, else the response's Date header, else now (UTC)."""
    value = response.meta.get("warc_date")
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and (parsed := parse_datetime(value)):
        return parsed
    header = response.headers.get("Date")
    if header:
        try:
            return as_utc(parsedate_to_datetime(header.decode("latin-1")))
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)
