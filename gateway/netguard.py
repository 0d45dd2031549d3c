"""Outbound targets must not reach into the gateway's own network unless allowed.

A webhook or callback URL is written by a tenant; without this check it could make the
gateway call cloud metadata services, the database port or other internal hosts.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from gateway.errors import FinalError

BLOCKED_NETWORKS = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, including 169.254.169.254 metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::ffff:0:0/96",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
]


class TargetRefused(FinalError):
    """The target resolves into a private, loopback, link-local or metadata range."""


def check_target(url: str, allowed: Iterable[str] = ()) -> None:
    """Refuse ``url`` unless each address it resolves to is public or allow-listed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"target {url!r} is not an http(s) URL with a host")
    allowed_networks = [ipaddress.ip_network(a, strict=False) for a in allowed]
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise TargetRefused(
            f"target host {parts.hostname!r} does not resolve: {exc}"
        ) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if any(address in network for network in allowed_networks):
            continue
        if any(address in network for network in BLOCKED_NETWORKS):
            raise TargetRefused(
                f"target {parts.hostname} resolves to {address}, a private or reserved "
                "address; an operator can allow it in outbox.allow_private_targets"
            )
