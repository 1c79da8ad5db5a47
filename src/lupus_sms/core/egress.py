"""Requests to a URL a user typed (a clinic's alert webhook): public hosts only.

A clinic admin chooses the URL, and the worker posts a patient's words to it. Unchecked, that
URL could name 127.0.0.1, the cloud's metadata address or a host on the private network
(server-side request forgery). So, at save time and again at send time:

- only https, except in a development set-up that itself runs on plain http;
- the host is resolved **once**, and every address it has must be public;
- the request goes to the address that was checked, with the name in the Host header and in
  TLS (SNI and the certificate check): a second DNS answer (rebinding) cannot move it;
- no redirect is followed, and no proxy from the environment is used (a proxy would resolve
  the name again).

`resolve` is the one place that asks DNS; tests replace it, so they need no network.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# What inet_aton also reads as an address: 2130706433, 0x7f000001, 127.1.
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")


class EgressRefused(Exception):
    """The URL may not be called; the message says why, for the person who set it."""


def check_url(url: str, *, allow_http: bool) -> tuple[str, int]:
    """The host and port of a URL we may call, or EgressRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EgressRefused("the URL is not valid") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise EgressRefused("enter a full https:// URL" if not allow_http else "enter a URL")
    if parts.username or parts.password:
        raise EgressRefused("put no user name or password in the URL")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def public_addresses(host: str, port: int) -> list[IPAddress]:
    """The host's addresses, resolved once; EgressRefused unless every one is public."""
    addresses = _literal(host)
    if addresses is None:
        try:
            addresses = [ipaddress.ip_address(found) for found in resolve(host, port)]
        except (OSError, ValueError):
            raise EgressRefused(f"the host {host} cannot be found") from None
    if not addresses:
        raise EgressRefused(f"the host {host} cannot be found")
    if not all(is_public(address) for address in addresses):
        raise EgressRefused(
            f"{host} is not a public internet address (private, local and reserved "
            "addresses are refused)"
        )
    return addresses


def resolve(host: str, port: int) -> list[str]:
    """Ask DNS (the system resolver) for the host's addresses."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in found))


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def send(
    request: httpx.Request,
    *,
    allow_http: bool,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Response:
    """Send to the checked address of the request's host; EgressRefused, or httpx errors."""
    host, port = check_url(str(request.url), allow_http=allow_http)
    address = public_addresses(host, port)[0]
    pinned = _pinned(request, address)
    with httpx.Client(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
    ) as client:
        return client.send(pinned)


def _pinned(request: httpx.Request, address: IPAddress) -> httpx.Request:
    """The same request, addressed to `address`, that still names its host."""
    headers = request.headers.copy()
    headers["Host"] = request.url.netloc.decode("ascii")
    extensions = dict(request.extensions)
    if request.url.scheme == "https":
        extensions["sni_hostname"] = request.url.host
    return httpx.Request(
        request.method,
        request.url.copy_with(host=str(address)),
        headers=headers,
        content=request.content,
        extensions=extensions,
    )


def _literal(host: str) -> list[IPAddress] | None:
    """An address written as the host (in any form the resolver would accept), or None."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return [ipaddress.ip_address(socket.inet_aton(host))]
        except OSError:
            return None
    return None
