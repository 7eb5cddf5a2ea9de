"""A file's records grouped into exchanges: a response or revisit with its request and metadata records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crawler.config.schema import SourceConfig
from crawler.warc.reader import WarcRecord


@dataclass
class Exchange:
    first: WarcRecord
    """The response or revisit."""
    members: list[WarcRecord]
    """Every record of the group, the first included."""
    fields: dict[str, str] | None = None
    """The metadata record's fields (``source``, ``page-kind``, ``run-id``), None when it has none."""


class ExchangeGrouper:
    """Feeds a file's records in order; calls ``on_exchange(exchange, info)`` once a group is complete and
    ``on_single(record, info)`` for records of no group (warcinfo, strays). ``info`` holds the warcinfo fields.

    Groups are contiguous (the recorder writes them so, WARC rule 4): a group ends at the next response or
    revisit, at a record not concurrent to it, or at the end of the file.
    """

    def __init__(
        self,
        on_exchange: Callable[[Exchange, dict[str, str]], None],
        on_single: Callable[[WarcRecord, dict[str, str]], None],
    ) -> None:
        self.on_exchange = on_exchange
        self.on_single = on_single
        self.info: dict[str, str] = {}
        self.records = 0
        self._pending: Exchange | None = None

    @property
    def run_id(self) -> int | None:
        value = self.info.get("run-id", "")
        return int(value) if value.isdigit() else None

    def add(self, record: WarcRecord) -> None:
        self.records += 1
        kind = record.rec_type
        if kind in ("response", "revisit"):
            self.finish()
            self._pending = Exchange(record, [record])
            return
        pending = self._pending
        if pending and record.header("WARC-Concurrent-To") == pending.first.record_id:
            pending.members.append(record)
            if kind == "metadata":
                pending.fields = warc_fields(record.payload)
            return
        self.finish()
        if kind == "warcinfo" and not self.info:
            self.info = warc_fields(record.payload)
        self.on_single(record, self.info)

    def finish(self) -> None:
        """Hand over the group in progress (call at the end of the file)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self.on_exchange(pending, self.info)


def warc_fields(block: bytes) -> dict[str, str]:
    """``application/warc-fields`` (the metadata and warcinfo blocks): the first value of each name."""
    fields: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    return fields


def source_for_host(sources: Sequence[SourceConfig], host: str) -> str | None:
    """The source whose ``allowed_domains`` covers ``host`` most specifically."""
    best: tuple[int, str] | None = None
    for source in sources:
        for domain in source.allowed_domains:
            domain = domain.lower().lstrip(".")
            covered = host == domain or host.endswith("." + domain)
            if covered and (best is None or len(domain) > best[0]):
                best = (len(domain), source.name)
    return best[1] if best else None
