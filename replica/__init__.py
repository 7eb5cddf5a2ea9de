"""A local replica of a WordPress news publisher (Khaama-like), for the demo, tests and benchmarks.

``ReplicaPublisher`` serves a ``ReplicaSite`` over HTTP; ``ReplicaRouter`` answers a request target with a
``Resource`` (or a ``Fault``) without a server, and takes extra routes as ``Mount``s: the hostile ``/faults/...``
ones are ``replica.faults.MOUNT``, installed only where asked. ``render_article`` is a post's page as the site
serves it, for any post (one taken down too: what an archive kept of it); ``render_home`` a page of the home page.
"""

from __future__ import annotations

from replica._article_page import render_article
from replica._listing_pages import render_home
from replica._resource import Fault, Resource
from replica._router import Mount, ReplicaRouter
from replica.server import ReplicaPublisher, RequestLog
from replica.site import ReplicaArticle, ReplicaSite

__all__ = [
    "Fault",
    "Mount",
    "ReplicaArticle",
    "ReplicaPublisher",
    "ReplicaRouter",
    "ReplicaSite",
    "RequestLog",
    "Resource",
    "render_article",
    "render_home",
]
