"""Fixtures for the local replica publisher served on 127.0.0.1, its hostile ``/faults/...`` routes installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from replica import ReplicaPublisher, ReplicaSite, faults


@pytest.fixture
def replica_site() -> ReplicaSite:
    """A fresh Khaama-like site with the default 12 deterministic articles; edit it freely in a test."""
    return ReplicaSite()


@pytest.fixture
def publisher(replica_site: ReplicaSite) -> Iterator[ReplicaPublisher]:
    """The replica site served over real HTTP on 127.0.0.1 (a free port); ``publisher.base_url`` to reach it.

    With the fault routes (``replica.faults``), which a default publisher (the demo's) does not serve."""
    with ReplicaPublisher(replica_site, mounts=[faults.MOUNT]) as server:
        yield server
