"""The built-in sources: publishers newsarchive knows out of the box."""

from __future__ import annotations

from typing import Any

BUILTIN_SOURCES: list[dict[str, Any]] = [
    {
        "name": "khaama",
        "title": "Khaama Press",
        "spider": "khaama",
        "start_urls": ["https://www.khaama.com/"],
        "feeds": ["https://www.khaama.com/feed/"],
        "sitemaps": [],
        "allowed_domains": ["khaama.com"],
        "schedule": "*/30 * * * *",
    },
]
