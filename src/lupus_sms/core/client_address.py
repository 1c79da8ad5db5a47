"""The client's address: the socket's peer, or what a trusted proxy says it is.

X-Forwarded-For is written by whoever sends the request, so it is read only when the peer
is one of `TRUSTED_PROXIES`. Then the header is read from the right (the hop nearest to us)
and the first address that is not a trusted proxy is the client. Anything unreadable stops
the walk: the peer itself is the client.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request

Networks = tuple[IPv4Network | IPv6Network, ...]


def client_address(request: Request, trusted_proxies: Networks) -> str:
    peer = request.client.host if request.client else ""
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return peer or "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        if not _is_address(hop):
            break
        client = hop
        if not _trusted(hop, trusted_proxies):
            break
    return client


def _trusted(address: str, networks: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
