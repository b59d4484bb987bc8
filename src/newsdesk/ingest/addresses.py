"""Which network addresses the fetcher may dial: public ones, and what the operator allows.

Do not rely on ipaddress.is_private alone (its ranges were wrong before Python 3.12.4): the
blocked ranges are listed here, and IPv6 forms that carry an IPv4 address are judged by it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from newsdesk.ingest.errors import BlockedAddressError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_PRIVATE = "private network address"
_DOCUMENTATION = "documentation address"
_LOOPBACK = "loopback address"
_LINK_LOCAL = "link-local address"
_MULTICAST = "multicast address"
_BENCHMARKING = "benchmarking address"
# First match wins, so narrower ranges come before the ranges that contain them.
_BLOCKED: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(cidr), reason)
    for cidr, reason in (
        ("0.0.0.0/32", "unspecified address"),
        ("0.0.0.0/8", "'this network' address"),
        ("10.0.0.0/8", _PRIVATE),
        ("100.64.0.0/10", "carrier-grade NAT address"),
        ("127.0.0.0/8", _LOOPBACK),
        # Public, but answered only inside Azure, by the host's agent (as 169.254.169.254 is
        # the metadata service on every cloud): no publisher serves feeds from it.
        ("168.63.129.16/32", "cloud host agent address"),
        ("169.254.0.0/16", _LINK_LOCAL),
        ("172.16.0.0/12", _PRIVATE),
        ("192.0.0.0/24", "IETF protocol address"),
        ("192.0.2.0/24", _DOCUMENTATION),
        ("192.88.99.0/24", "6to4 relay address"),
        ("192.168.0.0/16", _PRIVATE),
        ("198.18.0.0/15", _BENCHMARKING),
        ("198.51.100.0/24", _DOCUMENTATION),
        ("203.0.113.0/24", _DOCUMENTATION),
        ("224.0.0.0/4", _MULTICAST),
        ("255.255.255.255/32", "broadcast address"),
        ("240.0.0.0/4", "reserved address"),
        ("::/128", "unspecified address"),
        ("::1/128", _LOOPBACK),
        ("::/96", "IPv4-compatible address"),
        ("64:ff9b:1::/48", "local-use NAT64 address"),
        ("100::/64", "discard-only address"),
        ("2001:2::/48", _BENCHMARKING),
        ("2001:10::/28", "ORCHID address"),
        ("2001:db8::/32", _DOCUMENTATION),
        ("3fff::/20", _DOCUMENTATION),
        ("fc00::/7", "unique-local (private network) address"),
        ("fe80::/10", _LINK_LOCAL),
        ("fec0::/10", "site-local address"),
        ("ff00::/8", _MULTICAST),
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
# inet_aton's legacy spellings: 2130706433, 0177.0.0.1, 0x7f.1, 127.1 all mean 127.0.0.1.
_LEGACY_IPV4 = re.compile(r"(?:(?:0x[0-9a-f]*|[0-9]+)\.){0,3}(?:0x[0-9a-f]*|[0-9]+)\.?", re.I)

@dataclass(frozen=True)
class Allowance:
    """options.allow_private, split into host names and networks."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowance:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[] "), strict=False))
            except ValueError:
                hosts.add(normal_host(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        if normal_host(host) in self.hosts:
            return True
        candidates = [address, *(inner for inner, _form in embedded_ipv4(address))]
        return any(ip in network for ip in candidates for network in self.networks)


def normal_host(host: str) -> str:
    return unquote(host).strip("[] ").rstrip(".").lower()


def literal_address(host: str) -> IPAddress | None:
    """The address a host name spells directly, in any spelling a resolver would accept."""
    host = normal_host(host)
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if _LEGACY_IPV4.fullmatch(host):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(host))
    return None


def embedded_ipv4(address: IPAddress) -> list[tuple[ipaddress.IPv4Address, str]]:
    """The IPv4 addresses an IPv6 address carries and would deliver to, with the form's name."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [(address.ipv4_mapped, "an IPv4-mapped")]
    if address in _NAT64:
        return [(low32, "a NAT64")]
    if address in _IPV4_TRANSLATED:
        return [(low32, "an IPv4-translated")]
    if address.sixtofour is not None:
        return [(address.sixtofour, "a 6to4")]
    if address.teredo is not None:
        server, client = address.teredo
        return [(server, "a Teredo"), (client, "a Teredo")]
    return []


def blocked_reason(address: IPAddress) -> str | None:
    embedded = embedded_ipv4(address)
    if embedded:
        for inner, form in embedded:
            reason = blocked_reason(inner)
            if reason is not None:
                return f"{reason} {inner} inside {form} address"
        return None
    for network, reason in _BLOCKED:
        if address in network:
            return reason
    # ipaddress follows IANA's registry, which may list ranges newer than the table above.
    return None if address.is_global else "reserved address"


def refuse_if_blocked(host: str, address: IPAddress, allowance: Allowance) -> None:
    reason = blocked_reason(address)
    if reason is not None and not allowance.allows(host, address):
        raise BlockedAddressError(f"Refused to connect to {address} ({reason}) for host {host}; "
                                  "NEWSDESK_FETCH_ALLOW_PRIVATE lets a trusted one through")
