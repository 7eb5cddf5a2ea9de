"""After a run: merge the archive's closed small WARC files into large ones, finishing any merge a crash cut short.

Order of a merge, each step durable before the next: build and verify the merged file (``crawler.warc.merge``);
write its manifest; put it in place with its index (local rename, or verified uploads); switch the database in one
transaction (``crawler.storage.merges``); remove the small files; drop the manifest. Killed anywhere, every record
is still found once (readers skip files a present merged file holds; the database names one or the other), and the
next merge redoes it from the small files if the switch had not committed, or finishes the removal if it had.
One merger per database at a time (an advisory lock); the others skip and leave it to the next run.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from crawler.config.schema import ArchiveConfig
from crawler.errors import ArchiveError, DatabaseUnavailable
from crawler.run.shipping import object_store
from crawler.storage.merges import FileRow, closed_files, name_taken, switch_state, switch_to_merged, try_merge_lock
from crawler.warc import merge
from crawler.warc.manifest import MergeManifest
from crawler.warc.mergeplan import MergePolicy, plan_merges, write_time
from crawler.warc.objectstore import ObjectStore, StoreUnavailable, parse_store_uri
from crawler.warc.writer import safe_host, safe_prefix

log = logging.getLogger(__name__)

MAX_ROUNDS = 64
"""Merging cascades (ten merged files make one of the next class); a bound so a bug cannot loop for ever."""


@dataclass
class MergeReport:
    merged: list[str] = field(default_factory=list)
    """Names of the files written."""
    parts: int = 0
    """Small files they replaced."""
    bytes: int = 0
    cpu_seconds: float = 0.0
    resumed: int = 0
    skipped: bool = False
    """Another process held the merge lock."""
    error: str | None = None


def merge_policy(archive: ArchiveConfig) -> MergePolicy:
    return MergePolicy(archive.merge_max_size, max(2, archive.merge_fan_in), archive.merge_age, archive.merge)


def merge_archive(
    archive: ArchiveConfig, database_url: str, *, on_step: merge.StepHook | None = None
) -> MergeReport | None:
    """Merge what the policy says is due; None when merging is off or there is no database to switch."""
    policy = merge_policy(archive)
    if not policy.enabled or not database_url:
        return None
    from crawler.storage.database import connect

    report = MergeReport()
    started = time.process_time()
    store = object_store(archive)
    try:
        with connect(database_url, autocommit=True) as conn:
            if not try_merge_lock(conn):
                report.skipped = True
                return report
            _Merger(conn, archive, store, policy, report, on_step or (lambda step: None)).run()
    except (DatabaseUnavailable, psycopg.Error, StoreUnavailable, ArchiveError, OSError) as error:
        report.error = f"{type(error).__name__}: {error}"
        log.warning("WARC merge stopped (the next run goes on from here): %s", report.error)
    report.cpu_seconds = time.process_time() - started
    if report.merged:
        log.info("merged %d WARC file(s) into %d, %d bytes", report.parts, len(report.merged), report.bytes)
    return report


class _Merger:
    def __init__(
        self,
        conn: psycopg.Connection,
        archive: ArchiveConfig,
        store: ObjectStore | None,
        policy: MergePolicy,
        report: MergeReport,
        on_step: merge.StepHook,
    ) -> None:
        self.conn, self.archive, self.store, self.policy = conn, archive, store, policy
        self.report, self.on_step = report, on_step
        self.host = safe_host()
        self.prefix = safe_prefix(f"{archive.prefix}-merged" if archive.prefix else "merged")

    def run(self) -> None:
        self._resume()
        for _ in range(MAX_ROUNDS):
            windows = self._plan()
            if not windows:
                return
            for folder, rows in windows:
                self._merge(folder, rows)

    def _folder(self, location: str) -> tuple[str, merge.Folder]:
        """The folder a file's ``warc_files.path`` is in, keyed so files of one folder merge together."""
        if self.store is None:
            directory = Path(location).parent
            return str(directory), merge.LocalFolder(directory)
        key = parse_store_uri(location).prefix
        base = self.store.location.prefix
        relative = key.removeprefix(base + "/") if base else key
        folder = relative.rpartition("/")[0]
        return folder, merge.StoreFolder(self.store, folder, self.archive.dir)

    def _folders(self) -> list[merge.Folder]:
        if self.store is None:
            root = self.archive.dir
            return [merge.LocalFolder(path.parent) for path in sorted(root.rglob(merge.MANIFEST_DIR)) if path.is_dir()]
        return [merge.StoreFolder(self.store, "", self.archive.dir)]

    def _resume(self) -> None:
        merge.clear_work(self.archive.dir)
        for folder in self._folders():
            for manifest in folder.manifests():
                self.report.resumed += 1
                self._finish(folder, manifest)

    def _finish(self, folder: merge.Folder, manifest: MergeManifest) -> None:
        state = switch_state(self.conn, manifest)
        if state == "after":
            self._remove_parts(folder, manifest)
        elif state == "before" and all(folder.has(part.name) for part in manifest.parts):
            self._run_steps(folder, [merge.SmallFile(p.name, p.records) for p in manifest.parts], manifest.merged)
        else:
            log.error("merge manifest of %s does not match the database or the files; left as it is", manifest.merged)

    def _plan(self) -> list[tuple[merge.Folder, list[FileRow]]]:
        groups: dict[str, list[FileRow]] = defaultdict(list)
        folders: dict[str, merge.Folder] = {}
        for row in closed_files(self.conn, in_store=self.store is not None, below=2**62):
            key, folder = self._folder(row.path)
            groups[key].append(row)
            folders.setdefault(key, folder)
        now = datetime.now(UTC)
        return [
            (folders[key], window) for key, rows in groups.items() for window in plan_merges(rows, self.policy, now)
        ]

    def _merge(self, folder: merge.Folder, rows: list[FileRow]) -> None:
        name = self._merged_name(folder, rows)
        self._run_steps(folder, [merge.SmallFile(row.filename, row.records) for row in rows], name)

    def _run_steps(self, folder: merge.Folder, parts: list[merge.SmallFile], name: str) -> None:
        built, manifest = merge.build(folder, parts, name)
        self.on_step("built")
        merge.verify(built, manifest)
        self.on_step("verified")
        folder.put_manifest(manifest)
        self.on_step("manifest")
        index = merge.index(built, name)
        self.on_step("indexed")
        location = folder.publish(built, index, name)
        self.on_step("published")
        if not switch_to_merged(self.conn, manifest, location):
            raise ArchiveError(f"{name}: the database changed under the merge; its manifest waits for the next")
        self.on_step("switched")
        self.report.merged.append(name)
        self.report.parts += len(parts)
        self.report.bytes += manifest.size
        self._remove_parts(folder, manifest)

    def _remove_parts(self, folder: merge.Folder, manifest: MergeManifest) -> None:
        for number, part in enumerate(manifest.parts):
            folder.remove(part.name)
            if number == 0:
                self.on_step("removed-one")
        self.on_step("removed")
        folder.drop_manifest(manifest)
        self.on_step("done")

    def _merged_name(self, folder: merge.Folder, rows: list[FileRow]) -> str:
        """``{prefix}-{first part's time}-{serial}-{host}.warc.gz``: sorts where its first record was written."""
        stamp = min(write_time(row.filename) for row in rows) or datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        parts = {row.filename for row in rows}
        for serial in range(100000):
            name = f"{self.prefix}-{stamp}-{serial:05d}-{self.host}.warc.gz"
            if name not in parts and not name_taken(self.conn, name) and not folder.has(name):
                return name
        raise ArchiveError(f"no free merged file name for {stamp}")


def merged_cpu_per_mb(report: MergeReport) -> float:
    """CPU seconds per merged megabyte (the bench's figure)."""
    return report.cpu_seconds / max(report.bytes / 1e6, 1e-9)
