"""Rebuilding the database from WARC files alone: the live crawl's extraction and storage, without the network."""

from __future__ import annotations

from crawler.replay.files import FoundFiles, find_warc_files
from crawler.replay.replayer import ReplayOptions, ReplayResult, ReplayStats, replay_files

__all__ = ["FoundFiles", "ReplayOptions", "ReplayResult", "ReplayStats", "find_warc_files", "replay_files"]
