"""``/screenshot``: a page's screenshot PNG served out of the WARC record that holds it (a ``resource`` record)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from crawler.storage import frontreading
from crawler.warc.objectstore import is_store_uri
from crawler.warc.reader import BadRecord, RecordLocation, read_at
from scheduler.web import params
from scheduler.web.frontviews import moment
from scheduler.web.pool import Database

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ScreenshotEndpoint:
    """Finds the screenshot of ``url`` nearest ``at`` in the captures index and answers its record's PNG bytes.

    The record's file is the one ``warc_files`` names, else the file of that name (or its ``.open`` while it is
    written) in ``archive_dir``. Only a PNG is ever served, as ``image/png``; anything else is a 404.
    """

    def __init__(self, db: Database, archive_dir: Path | None) -> None:
        self.db = db
        self.archive_dir = archive_dir

    def serve(self, request: Request) -> Response:
        """The endpoint (a bound method: Starlette takes other callables for ASGI apps)."""
        try:
            url = params.text(request.query_params, "url", required=True)
            at = moment(params.text(request.query_params, "at"), UTC) or datetime.now(UTC)
        except params.BadRequest as error:
            return _text(str(error), 400)
        row = frontreading.screenshot(self.db, url, at)
        if row is None:
            return _text(f"no screenshot of {url} near {at.isoformat()}", 404)
        path = self._path(row["filename"], row["path"])
        if path is None:
            return _text(f"the WARC file {row['filename']} holding the screenshot is not here", 404)
        record = read_at(RecordLocation(path, row["record_offset"]))
        if isinstance(record, BadRecord) or record.rec_type != "resource":
            reason = record.reason if isinstance(record, BadRecord) else f"a {record.rec_type} record"
            log.warning("screenshot of %s at %s@%d unreadable: %s", url, path, row["record_offset"], reason)
            return _text("the screenshot's record is unreadable", 404)
        if not record.payload.startswith(PNG_SIGNATURE):
            return _text("the screenshot's record holds no PNG", 404)
        return Response(record.payload, media_type="image/png", headers={"cache-control": "max-age=86400"})

    def _path(self, filename: str, recorded: str | None) -> Path | None:
        candidates = [Path(recorded)] if recorded and not is_store_uri(recorded) else []
        if self.archive_dir is not None:
            candidates += [self.archive_dir / filename, self.archive_dir / (filename + ".open")]
        return next((candidate for candidate in candidates if candidate.is_file()), None)


def _text(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain")
