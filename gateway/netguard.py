"""Outbound targets must not reach into the gateway's own network unless allowed.

A webhook or callback URL is written by a tenant; without this check it could make the
gateway call cloud metadata services, the database port or other internal hosts.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

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


# -- connecting to the address that was checked -------------------------------------

Resolver = Callable[[str, int], list[str]]
"""Host name and port to the addresses it stands for; tests inject their own."""

MAX_URL_LENGTH = 4096


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise TargetRefused(f"target host {host!r} does not resolve: {exc}") from exc
    return [str(info[4][0]) for info in infos]


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as a number stands for, in any spelling.

    ``2130706433``, ``0x7f000001``, ``0177.0.0.1`` and ``127.1`` all reach 127.0.0.1
    through the C resolver, so they are read the way it reads them.
    """
    bare = host.strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    if address is None and _NUMERIC_HOST.fullmatch(bare):
        try:
            address = ipaddress.ip_address(socket.inet_aton(bare))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refused_reason(address: IPAddress, allowed: Iterable[str] = ()) -> str | None:
    """Why the gateway will not connect to ``address``, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in ipaddress.ip_network(a, strict=False) for a in allowed):
        return None
    if any(address in network for network in BLOCKED_NETWORKS) or (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        return (
            f"{address}, a private or reserved address; an operator can allow it "
            "in outbox.allow_private_targets"
        )
    return None


def check_url_form(url: str) -> SplitResult:
    """The URL's parts, if it is an http(s) URL with a host and no credentials."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"target URL is longer than {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"target {url!r} is not an http(s) URL with a host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("target URL carries credentials; they are not allowed")
    return parts


def resolve_checked(
    url: str, allowed: Iterable[str] = (), resolver: Resolver | None = None
) -> str:
    """The one address the gateway will connect to for ``url``, after checking.

    Every address the name resolves to must pass, so a name that mixes a public and
    a private address is refused as a whole.
    """
    parts = check_url_form(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        found = (resolver or system_resolver)(host, port)
        if not found:
            raise TargetRefused(f"target host {host!r} resolves to no address")
        addresses = [literal_address(a) or ipaddress.ip_address(a) for a in found]
    allowed = list(allowed)
    for address in addresses:
        if reason := refused_reason(address, allowed):
            raise TargetRefused(f"target {host} resolves to {reason}")
    return str(addresses[0])


class GuardedTransport(httpx.HTTPTransport):
    """Resolves, checks, then connects to exactly the checked address.

    The request keeps its ``Host`` header and, for https, the name is sent as SNI and
    verified against the certificate, so only the socket's address changes. A name
    that re-resolves to a private address between two requests is checked again.
    """

    def __init__(
        self,
        *,
        allowed: Iterable[str] = (),
        resolver: Resolver | None = None,
        **options: Any,
    ):
        super().__init__(**options)
        self.allowed = list(allowed)
        self.resolver = resolver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        address = resolve_checked(url, self.allowed, self.resolver)
        host = request.url.host
        request.url = request.url.copy_with(host=address)
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        return super().handle_request(request)


def guarded_client(
    *,
    timeout: float,
    allowed: Iterable[str] = (),
    resolver: Resolver | None = None,
) -> httpx.Client:
    """An httpx client that never follows a redirect and never reaches a private
    address unless allowed."""
    return httpx.Client(
        transport=GuardedTransport(allowed=allowed, resolver=resolver),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        headers={"User-Agent": "komus-gateway"},
    )


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NUMERIC_HOST = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}", re.I)
