"""A local replica of a WordPress news publisher (Khaama-like), for the demo, tests and benchmarks."""

from __future__ import annotations

from replica.server import ReplicaPublisher, RequestLog
from replica.site import ReplicaArticle, ReplicaSite

__all__ = ["ReplicaArticle", "ReplicaPublisher", "ReplicaSite", "RequestLog"]
