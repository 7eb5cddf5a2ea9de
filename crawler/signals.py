"""Scrapy signals of ours: how the WARC recorder tells storage what it wrote, without importing it."""

warc_records_written = object()
"""Sent with ``rows`` (a list of :class:`crawler.warc.capture.CaptureRow`) after a record group is on disk."""

warc_file_closed = object()
"""Sent with ``path`` (the final ``.warc.gz`` Path), ``size`` (bytes) and ``records`` (count) after a rotation/close."""
