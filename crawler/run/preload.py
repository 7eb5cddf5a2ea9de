"""Imported once by the fork server: everything a crawl loads at start, so forked crawls start warm.

Importing the modules is half of it; Scrapy then resolves every component named in its settings (handlers,
middlewares, extensions, pipelines) by dotted path, which imports the rest. Resolving them all here, once, leaves a
forked crawl almost nothing to import. Nothing here may start a thread or install Twisted's reactor: the server
forks, and the reactor is chosen by each crawl's settings.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from scrapy.settings import Settings
from scrapy.utils.misc import load_object

import crawler.run.child  # noqa: F401  (the crawl entry point and all it imports)
from crawler.settings import crawl_settings

LAZY_IMPORTS = (
    "crawler.storage.absences",
    "crawler.storage.articles",
    "crawler.storage.captures",
    "crawler.storage.database",
    "crawler.storage.runs",
    "crawler.warc.cdxj",
    "crawler.warc.recovery",
)
"""Modules a crawl imports inside functions (to keep ``--help`` fast), not named by any setting."""


def dotted_paths(value: Any) -> Iterator[str]:
    """Strings in a settings value (and in dict keys) that look like ``package.module.Name``."""
    if isinstance(value, str):
        if "." in value and " " not in value and "/" not in value and value[:1].isalpha():
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from dotted_paths(key)
            yield from dotted_paths(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from dotted_paths(item)


def warm_up() -> int:
    """Import every component the crawl settings name; how many resolved."""
    settings = Settings(crawl_settings({})).copy_to_dict()
    settings.pop("TWISTED_REACTOR", None)  # the reactor is installed by each crawl, never before the fork
    for module in LAZY_IMPORTS:
        importlib.import_module(module)
    resolved = 0
    for value in settings.values():
        for path in dotted_paths(value):
            try:
                load_object(path)
            except (ImportError, AttributeError, ValueError, NameError, TypeError):
                continue  # not a dotted path after all (a format string, a domain name)
            resolved += 1
    return resolved


warm_up()
