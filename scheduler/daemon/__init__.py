"""``newsarchive daemon``: the long-running scheduler (leader lock, APScheduler jobs, signals, metrics)."""

from scheduler.daemon.service import Daemon

__all__ = ["Daemon"]
