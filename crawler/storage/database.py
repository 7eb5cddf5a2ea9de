"""Connections to PostgreSQL: which URL to use, connecting with bounded retries, and URLs safe to print."""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crawler.config import Config
from crawler.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5
"""Seconds libpq waits for a server; short, so an unreachable database is reported rather than hung on."""

_URL_SCHEMES = ("postgresql://", "postgres://")


def database_url(config: Config) -> str:
    """The configured database URL, or the embedded server's (started on demand in ``<data_dir>/postgres``)."""
    if config.database.url:
        return config.database.url
    from crawler.storage.embedded import embedded_url

    return embedded_url(config.data_dir / "postgres")


def connect(url: str, *, autocommit: bool = False, attempts: int = 1, retry_wait: float = 1.0) -> psycopg.Connection:
    """A connection to ``url``, trying up to ``attempts`` times; :class:`DatabaseUnavailable` when none succeeds."""
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.OperationalError as error:
            if attempt >= attempts or _refused(error):
                raise DatabaseUnavailable(f"cannot connect to {redact(url)}: {_first_line(error)}") from error
            log.warning("database %s unreachable (attempt %d/%d), retrying", redact(url), attempt, attempts)
            time.sleep(retry_wait)
    raise AssertionError("unreachable")


_REFUSALS = re.compile(
    r"FATAL:.*(password authentication failed|(role|database) \S+ does not exist|no pg_hba\.conf entry)"
)
"""What a server says when a retry cannot change its answer. libpq gives no SQLSTATE for a failed connection, so
the message is matched; a server speaking another language is retried as before (a slower refusal, nothing lost)."""


def _refused(error: psycopg.OperationalError) -> bool:
    """Whether the server answered and said no to this login, rather than not answering (or not yet: starting up)."""
    return bool(_REFUSALS.search(str(error)))


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, for logs and error messages."""
    try:
        if url.startswith(_URL_SCHEMES):
            return _redact_uri(url)
        params = conninfo_to_dict(url)
    except (ValueError, psycopg.ProgrammingError):
        return "<unparseable database url>"
    if "password" in params:
        params["password"] = "***"
    return make_conninfo(**params)


def with_database(url: str, dbname: str) -> str:
    """The same server and credentials as ``url``, but database ``dbname``."""
    if url.startswith(_URL_SCHEMES):
        parts = urlsplit(url)
        query = [(key, value) for key, value in parse_qsl(parts.query) if key != "dbname"]
        return urlunsplit(parts._replace(path=f"/{dbname}", query=urlencode(query, safe="/")))
    return make_conninfo(url, dbname=dbname)


def _redact_uri(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostinfo = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hostinfo}"
    query = [(key, "***" if key == "password" else value) for key, value in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="/*")))


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
