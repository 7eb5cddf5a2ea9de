"""Screenshot resource records as the browser capture writes them (``urn:screenshot:<url>``, ``image/png``)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from warcio.warcwriter import WARCWriter

from crawler.storage.captures import CaptureStore
from crawler.storage.database import connect
from crawler.warc.reader import read_capture_rows


def add_screenshot(database_url: str, folder: Path, page_url: str, png: bytes, taken: datetime) -> Path:
    """A WARC file in ``folder`` holding one screenshot resource record of ``page_url``, indexed in ``captures``."""
    folder.mkdir(parents=True, exist_ok=True)
    warc = folder / f"shots-{taken:%Y%m%d%H%M%S}000-00000-host.warc.gz"
    with open(warc, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        record = writer.create_warc_record(
            "urn:screenshot:" + page_url,
            "resource",
            payload=io.BytesIO(png),
            warc_content_type="image/png",
            warc_headers_dict={"WARC-Date": taken.strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
        )
        writer.write_record(record)
    with connect(database_url, autocommit=True) as conn:
        CaptureStore(conn).add_captures(read_capture_rows(warc))
    return warc
