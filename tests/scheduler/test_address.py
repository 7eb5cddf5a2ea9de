"""HOST:PORT parsing, the one rule of ``[metrics] listen`` and ``web --listen``: IPv6 in brackets, ports 1-65535."""

from __future__ import annotations

import pytest

from crawler.errors import ConfigError
from scheduler.address import parse_host_port
from scheduler.commands.web import parse_listen as web_listen
from scheduler.metrics import parse_listen as metrics_listen


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:1", ("0.0.0.0", 1)),
        ("localhost:65535", ("localhost", 65535)),
        ("news-archive.internal:9410", ("news-archive.internal", 9410)),
        ("[::1]:9000", ("::1", 9000)),
        ("[::]:8080", ("::", 8080)),
        ("[2001:db8::7]:443", ("2001:db8::7", 443)),
        (" 127.0.0.1:8080 ", ("127.0.0.1", 8080)),  # as a config value may be written
    ],
)
def test_good_addresses(value: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(value) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("8080", "expected HOST:PORT"),
        ("localhost", "expected HOST:PORT"),
        ("::1:8080", "expected HOST:PORT"),  # IPv6 without brackets: where does the address end?
        ("[::1]8080", "expected HOST:PORT"),
        ("[::1]:80:80", "expected HOST:PORT"),
        ("[localhost]:8080", "not an IPv6 address in brackets"),
        ("[127.0.0.1]:8080", "not an IPv6 address in brackets"),
        (":8080", "no host"),
        ("[]:8080", "no host"),
        ("999.0.0.1:8080", "not an IPv4 address"),
        ("local host:8080", "not a host name"),
        ("127.0.0.1:", "not a port number"),
        ("127.0.0.1:x", "not a port number"),
        ("127.0.0.1:-1", "not a port number"),
        ("127.0.0.1:+80", "not a port number"),
        ("127.0.0.1:٨٠", "not a port number"),  # digits, but not ASCII ones
        ("127.0.0.1:0", "out of range 1-65535"),
        ("127.0.0.1:65536", "out of range 1-65535"),
        ("[::1]:70000", "out of range 1-65535"),
    ],
)
def test_bad_addresses_say_what_is_wrong(value: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as raised:
        parse_host_port(value)
    assert repr(value) in str(raised.value) or repr(value.strip()) in str(raised.value)


def test_port_zero_only_where_the_caller_reports_the_port_it_got() -> None:
    assert parse_host_port("127.0.0.1:0", any_port=True) == ("127.0.0.1", 0)
    with pytest.raises(ValueError, match="out of range 0-65535"):
        parse_host_port("127.0.0.1:65536", any_port=True)


def test_metrics_and_web_apply_the_same_rule_with_their_own_errors() -> None:
    assert metrics_listen("[::1]:9410") == web_listen("[::1]:9410") == ("::1", 9410)
    assert metrics_listen("127.0.0.1:0") == ("127.0.0.1", 0)  # the daemon logs the port it bound
    assert metrics_listen("  ") is None  # metrics off
    for bad in ("::1:9410", ":9410", "[localhost]:9410"):
        with pytest.raises(ConfigError, match=r"^metrics\.listen: "):
            metrics_listen(bad)
        with pytest.raises(ValueError, match=r"^--listen: "):
            web_listen(bad)
    with pytest.raises(ValueError, match=r"^--listen: port 0 out of range"):
        web_listen("127.0.0.1:0")  # the reading room prints its address: it must know the port
