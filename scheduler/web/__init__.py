"""The reading room: a read-only web app over the archive's database (``newsarchive web``)."""

from scheduler.web.app import create_app

__all__ = ["create_app"]
