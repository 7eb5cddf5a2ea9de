"""``HOST:PORT`` listen addresses: one parsing rule for the metrics endpoint and the reading room."""

from __future__ import annotations

import ipaddress
import re

_BRACKETED = re.compile(r"\[(?P<host>[^\[\]]*)\]:(?P<port>[^:]*)")
_PLAIN = re.compile(r"(?P<host>[^\[\]:]*):(?P<port>[^:]*)")
_DOTTED_NUMBERS = re.compile(r"[0-9.]+")
RULE = "HOST:PORT such as 127.0.0.1:8080 (an IPv6 address in brackets: [::1]:8080)"


def parse_host_port(value: str, *, any_port: bool = False) -> tuple[str, int]:
    """``(host, port)`` from ``HOST:PORT`` or ``[IPV6]:PORT``; ValueError saying what is wrong.

    An IPv6 address must be in brackets (unbracketed, ``::1:8080`` is ambiguous), and brackets hold nothing else.
    The port is 1-65535; 0 (any free port) only with ``any_port``, for a caller that reports the port it got.
    """
    text = value.strip()
    match = _BRACKETED.fullmatch(text) or _PLAIN.fullmatch(text)
    if match is None:
        raise ValueError(f"expected {RULE}, not {value!r}")
    host, port = match["host"], match["port"]
    _check_host(host, bracketed=text.startswith("["), value=value)
    return host, _port(port, any_port=any_port, value=value)


def _check_host(host: str, *, bracketed: bool, value: str) -> None:
    if not host:
        raise ValueError(f"no host in {value!r}: expected {RULE}")
    if bracketed:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"not an IPv6 address in brackets: {value!r}") from None
    elif _DOTTED_NUMBERS.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError(f"not an IPv4 address: {host!r} in {value!r}") from None
    elif any(char.isspace() for char in host):
        raise ValueError(f"not a host name: {host!r} in {value!r}")


def _port(port: str, *, any_port: bool, value: str) -> int:
    if not port.isascii() or not port.isdigit():
        raise ValueError(f"not a port number: {port!r} in {value!r}")
    number = int(port)
    lowest = 0 if any_port else 1
    if not lowest <= number <= 65535:
        raise ValueError(f"port {number} out of range {lowest}-65535 in {value!r}")
    return number
