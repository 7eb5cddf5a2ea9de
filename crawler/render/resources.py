"""A browser capture as WARC records: the screenshot and the DOM (resource records) and what the render was."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crawler.render.page import Capture
from crawler.warc import records

SCREENSHOT_PREFIX = "urn:screenshot:"
DOM_PREFIX = "urn:dom:"
SCREENSHOT_TYPE = "image/png"
DOM_TYPE = "text/html; charset=utf-8"
PAGE_KIND = "render"


def screenshot_uri(page_url: str) -> str:
    """``urn:screenshot:<page URL>``: Browsertrix's name for a page's screenshot, which its tools look up."""
    return SCREENSHOT_PREFIX + page_url


def dom_uri(page_url: str) -> str:
    return DOM_PREFIX + page_url


def capture_group(capture: Capture, fields: dict[str, Any], moment: datetime | None = None) -> list[records.Record]:
    """Screenshot, DOM and a metadata record, one WARC-Date; DOM and metadata point at the screenshot.

    ``fields``: the metadata's own (source, run, front page); the render's measurements are added here.
    """
    date = records.warc_date(moment or datetime.now(UTC))
    screenshot = records.resource_record(
        screenshot_uri(capture.url), SCREENSHOT_TYPE, capture.screenshot, record_id=records.new_record_id(), date=date
    )
    screenshot_id = screenshot.rec_headers.get_header("WARC-Record-ID")
    dom = records.resource_record(
        dom_uri(capture.url),
        DOM_TYPE,
        capture.dom,
        record_id=records.new_record_id(),
        date=date,
        concurrent_to=screenshot_id,
    )
    about = {
        **fields,
        "page-kind": PAGE_KIND,
        "page": capture.url,
        "screenshot-size": f"{capture.width}x{capture.height}",
        "scroll-height": capture.scroll_height,
        "render-seconds": f"{capture.seconds:.3f}",
    }
    metadata = records.metadata_record(
        screenshot_uri(capture.url), about, record_id=records.new_record_id(), date=date, concurrent_to=screenshot_id
    )
    return [screenshot, dom, metadata]
