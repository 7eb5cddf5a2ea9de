"""The archive in S3-compatible object storage: the one module that talks to the store (through boto3).

Everything else sees three operations: upload a closed local file and prove the object equals it, list the objects
under the archive's prefix, and read an object (whole, or a byte range). Endpoint, region and credentials come from
``[archive]`` or the environment exactly as every S3 tool reads them (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``); no message this module writes contains a credential.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from crawler.errors import ArchiveError

log = logging.getLogger(__name__)

STORE_SCHEME = "s3://"
PART_SIZE = 16 * 1024 * 1024
"""Multipart part size: WARCs rotate at 1 GB by default, so at most ~64 parts; 16 MiB parts measured fastest here
(see the README's S3 figures) while a failed part costs little to resend."""
_REFUSED_CODES = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthorizationHeaderMalformed"}


class StoreUnavailable(ArchiveError):
    """The object store could not be reached, or refused us (exit code 69). Files wait in the spool."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
        """The store answered and rejected the credentials or the bucket: waiting will not help."""


@dataclass(frozen=True)
class StoreLocation:
    """``s3://bucket/prefix``: where the archive's objects live (``prefix`` without leading or trailing ``/``)."""

    bucket: str
    prefix: str = ""

    def __str__(self) -> str:
        return f"{STORE_SCHEME}{self.bucket}/{self.prefix}".rstrip("/")

    def key(self, relative: str) -> str:
        """The object key of a path relative to the archive (``indexes/x.cdxj``)."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def uri(self, relative: str) -> str:
        return f"{STORE_SCHEME}{self.bucket}/{self.key(relative)}"


def is_store_uri(value: str | os.PathLike[str]) -> bool:
    return str(value).startswith(STORE_SCHEME)


def parse_store_uri(uri: str) -> StoreLocation:
    """``s3://bucket[/prefix]`` → location; a ValueError names what is wrong."""
    if not uri.startswith(STORE_SCHEME):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, prefix = uri[len(STORE_SCHEME) :].partition("/")
    if not bucket or "@" in bucket or ":" in bucket:
        raise ValueError(f"{uri!r}: expected s3://bucket/prefix (credentials go in the environment, not the URI)")
    return StoreLocation(bucket, prefix.strip("/"))


@dataclass(frozen=True)
class StoreSettings:
    endpoint_url: str = ""
    region: str = ""

    def client_env(self) -> dict[str, str]:
        """Environment for another process that reads the store with boto3 (pywb): our settings as AWS_* names."""
        env = {}
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        if self.region:
            env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = self.region
        return env


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


class ObjectStore:
    """One bucket and prefix, reached with a boto3 client made on first use (boto3 is the ``s3`` extra)."""

    def __init__(
        self, location: StoreLocation, settings: StoreSettings | None = None, *, part_size: int = PART_SIZE
    ) -> None:
        self.location = location
        self.settings = settings or StoreSettings()
        self.part_size = part_size
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _make_client(self.settings)
        return self._client

    def check(self) -> None:
        """Raise StoreUnavailable unless the bucket exists and the credentials may use it."""
        self._call("HeadBucket", self.client.head_bucket, Bucket=self.location.bucket)

    def upload_verified(self, path: Path, relative: str) -> str:
        """Upload ``path`` as ``relative`` and prove the stored object is byte-identical; returns its URI.

        The proof is the ETag: S3 defines it as the MD5 of a single-part object and as the MD5 of the parts' MD5s
        for a multipart one, both computed here from the local bytes with the same part size. An upload that dies
        part way is never completed (boto3 aborts it; after a SIGKILL it stays an invisible incomplete upload), so
        no object that looks complete can be half a file. The SHA-256 rides along as metadata for later audits.
        """
        from boto3.s3.transfer import TransferConfig

        sha256, expected_etag = _file_digests(path, self.part_size)
        key = self.location.key(relative)
        size = self.part_size
        config = TransferConfig(multipart_threshold=size, multipart_chunksize=size, use_threads=True)
        extra = {"Metadata": {"sha256": sha256}, "ContentType": _content_type(path.name)}
        self._call("PutObject", self.client.upload_file, str(path), self.location.bucket, key, extra, None, config)
        head = self._call("HeadObject", self.client.head_object, Bucket=self.location.bucket, Key=key)
        etag = head.get("ETag", "").strip('"')
        size = path.stat().st_size
        if head.get("ContentLength") != size or etag != expected_etag:
            raise ArchiveError(
                f"{self.location.uri(relative)}: stored object differs from {path.name} ({head.get('ContentLength')}"
                f" bytes, ETag {etag}; expected {size} bytes, {expected_etag})"
            )
        return self.location.uri(relative)

    def holds_copy_of(self, path: Path, relative: str) -> bool:
        """True when an object of the same size and SHA-256 is stored already (an upload whose spool cleanup
        was interrupted): sending it again would change nothing."""
        try:
            head = self.client.head_object(Bucket=self.location.bucket, Key=self.location.key(relative))
        except Exception:  # absent, or unreachable: either way, upload (which reports a real outage)
            return False
        if head.get("ContentLength") != path.stat().st_size:
            return False
        return head.get("Metadata", {}).get("sha256") == _file_digests(path, self.part_size)[0]

    def list(self, under: str = "") -> list[StoredObject]:
        """Every object under the prefix (or its folder ``under``), in key order; a prefix that names one object
        lists that object."""
        prefix = self.location.key(under.strip("/")) if under else self.location.prefix
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.location.bucket, Prefix=prefix)
        objects: list[StoredObject] = []
        for page in self._call("ListObjectsV2", lambda: list(pages)):
            for item in page.get("Contents", []):
                if not prefix or item["Key"] == prefix or item["Key"].startswith(prefix + "/"):
                    objects.append(StoredObject(item["Key"], item["Size"]))
        return objects

    def exists(self, relative: str) -> bool:
        """Whether the object ``relative`` is stored (StoreUnavailable when the store cannot say)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.location.bucket, Key=self.location.key(relative))
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._unavailable(
                "HeadObject", str(error.response.get("Error", {}).get("Code")), refused=False
            ) from None
        return True

    def delete(self, relative: str) -> None:
        """Remove the object ``relative`` (an absent one is no error: S3 deletes are idempotent)."""
        key = self.location.key(relative)
        self._call("DeleteObject", self.client.delete_object, Bucket=self.location.bucket, Key=key)

    def download(self, key: str, target: Path) -> Path:
        """Fetch one object into ``target`` (written under a temporary name, renamed when complete)."""
        partial = target.with_name(target.name + ".part")
        self._call("GetObject", self.client.download_file, self.location.bucket, key, str(partial))
        os.replace(partial, target)
        return target

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` of one object: one record of a WARC, without fetching the file."""
        rng = f"bytes={offset}-{offset + length - 1}"
        answer = self._call("GetObject", self.client.get_object, Bucket=self.location.bucket, Key=key, Range=rng)
        return answer["Body"].read()

    def open(self, key: str) -> BinaryIO:
        """A streaming reader of a whole object."""
        answer = self._call("GetObject", self.client.get_object, Bucket=self.location.bucket, Key=key)
        return answer["Body"]

    def _call(self, operation: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one boto3 call; any failure becomes StoreUnavailable naming the bucket and the S3 error code only."""
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return function(*args, **kwargs)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "error"))
            raise self._unavailable(operation, code, refused=code in _REFUSED_CODES) from None
        except S3UploadFailedError as error:
            refused = any(code in str(error) for code in _REFUSED_CODES - {"403"})
            raise self._unavailable(operation, "upload failed", refused=refused) from None
        except BotoCoreError as error:
            raise self._unavailable(operation, type(error).__name__, refused=False) from None

    def _unavailable(self, operation: str, code: str, *, refused: bool) -> StoreUnavailable:
        endpoint = self.client.meta.endpoint_url
        why = "credentials or bucket refused" if refused else "unreachable or failing"
        return StoreUnavailable(
            f"object store {self.location} at {endpoint}: {why} ({operation}: {code})", refused=refused
        )


def fetch_object(uri: str, target: Path, settings: StoreSettings | None = None) -> Path:
    """Download the object ``s3://bucket/key`` into ``target``."""
    location = parse_store_uri(uri)
    return ObjectStore(StoreLocation(location.bucket), settings).download(location.prefix, target)


def put_object(path: Path, uri: str, settings: StoreSettings | None = None) -> str:
    """Upload ``path`` as the object ``s3://bucket/key``, verified as :meth:`ObjectStore.upload_verified` does."""
    location = parse_store_uri(uri)
    return ObjectStore(StoreLocation(location.bucket), settings).upload_verified(path, location.prefix)


def _make_client(settings: StoreSettings) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ArchiveError("an s3:// archive needs boto3: pip install 'newsarchive[s3]'") from None
    # Few, quick retries: an unreachable store must not hold a run's end for minutes; the spool waits instead.
    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"} if settings.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") else None,
    )
    region = settings.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client("s3", endpoint_url=settings.endpoint_url or None, region_name=region, config=config)


def _file_digests(path: Path, part_size: int) -> tuple[str, str]:
    """SHA-256 hex of the file, and the ETag S3 gives it when uploaded with ``part_size`` parts."""
    sha256 = hashlib.sha256()
    part_md5s = []
    with path.open("rb") as handle:
        while part := handle.read(part_size):
            sha256.update(part)
            part_md5s.append(hashlib.md5(part, usedforsecurity=False).digest())
    if len(part_md5s) <= 1 and path.stat().st_size < part_size:
        etag = part_md5s[0].hex() if part_md5s else hashlib.md5(b"", usedforsecurity=False).hexdigest()
    else:
        etag = hashlib.md5(b"".join(part_md5s), usedforsecurity=False).hexdigest() + f"-{len(part_md5s)}"
    return sha256.hexdigest(), etag


def _content_type(name: str) -> str:
    if name.endswith(".cdxj"):
        return "text/x-cdxj"
    return "application/warc" if name.endswith((".warc.gz", ".warc")) else "application/octet-stream"
