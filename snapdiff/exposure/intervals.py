"""Sets of integers as sorted disjoint closed intervals: TCP/UDP ports and IPv4 addresses.

NSG rules name ports as ``*``, ``22``, ``8080-8090`` or lists of those, and sources as CIDR
prefixes, single addresses or lists; both become an ``Intervals`` so that "which ports are
open" is set arithmetic, not a guess from one rule.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

MAX_PORT = 65535
MAX_IPV4 = 2**32 - 1


class Intervals:
    """An immutable set of integers held as sorted, disjoint, non-adjacent ``(lo, hi)`` pairs."""

    __slots__ = ("spans", "_lows")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()):
        merged: list[tuple[int, int]] = []
        for lo, hi in sorted(s for s in spans if s[0] <= s[1]):
            if merged and lo <= merged[-1][1] + 1:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        self.spans: tuple[tuple[int, int], ...] = tuple(merged)
        self._lows = [lo for lo, _ in merged]

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Intervals) and self.spans == other.spans

    def __hash__(self) -> int:
        return hash(self.spans)

    def __repr__(self) -> str:
        return f"Intervals({list(self.spans)})"

    def __or__(self, other: Intervals) -> Intervals:
        return Intervals(self.spans + other.spans)

    def __and__(self, other: Intervals) -> Intervals:
        out, i, j = [], 0, 0
        a, b = self.spans, other.spans
        while i < len(a) and j < len(b):
            lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return Intervals(out)

    def __sub__(self, other: Intervals) -> Intervals:
        out = []
        for lo, hi in self.spans:
            cur = lo
            for olo, ohi in other.spans:
                if ohi < cur or olo > hi:
                    continue
                if olo > cur:
                    out.append((cur, olo - 1))
                cur = max(cur, ohi + 1)
                if cur > hi:
                    break
            if cur <= hi:
                out.append((cur, hi))
        return Intervals(out)

    def contains(self, other: Intervals) -> bool:
        return not (other - self)

    def __contains__(self, n: int) -> bool:
        i = bisect_right(self._lows, n) - 1
        return i >= 0 and n <= self.spans[i][1]

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.spans)

    def cuts(self) -> set[int]:
        """The points where membership changes: each ``lo`` and each ``hi + 1``."""
        return {p for lo, hi in self.spans for p in (lo, hi + 1)}


ALL_PORTS = Intervals([(0, MAX_PORT)])
NO_PORTS = Intervals()


def parse_ports(values: Iterable[str]) -> Intervals | None:
    """``*``, ``22``, ``8080-8090`` (and lists of them) as port intervals; None when a value is
    not a port spec (then the rule cannot be read)."""
    return _parse_ports(tuple(str(v) for v in values))


@lru_cache(maxsize=65536)
def _parse_ports(values: tuple[str, ...]) -> Intervals | None:
    spans = []
    for v in values:
        v = str(v).strip()
        if v in ("*", "Any", "any", ""):
            return ALL_PORTS
        lo, sep, hi = v.partition("-")
        try:
            a, b = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            return None
        if not 0 <= a <= b <= MAX_PORT:
            return None
        spans.append((a, b))
    return Intervals(spans)


def format_ports(ports: Intervals) -> str:
    """``22, 80, 8080-8090``; ``all`` for every port."""
    if ports == ALL_PORTS:
        return "all"
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports.spans)


@lru_cache(maxsize=65536)
def ipv4_interval(text: str) -> tuple[int, int] | None:
    """``10.0.0.0/8`` or ``198.51.100.17`` as an address interval; None for IPv6 or junk."""
    addr, _, bits = str(text).strip().partition("/")
    parts = addr.split(".")
    if (
        len(parts) == 4
        and all(p.isdigit() and len(p) <= 3 for p in parts)
        and (not bits or (bits.isdigit() and int(bits) <= 32))
    ):  # the common case, without ipaddress's cost
        octets = [int(p) for p in parts]
        if all(o <= 255 for o in octets) and not any(len(p) > 1 and p[0] == "0" for p in parts):
            n = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
            host = 32 - (int(bits) if bits else 32)
            lo = (n >> host) << host
            return lo, lo + (1 << host) - 1
    try:
        net = ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None
    if net.version != 4:
        return None
    return int(net.network_address), int(net.broadcast_address)


def ipv4_range(start: str, end: str) -> tuple[int, int] | None:
    """A firewall rule's ``startIpAddress``..``endIpAddress``; None when either is not IPv4."""
    try:
        a, b = ipaddress.ip_address(str(start)), ipaddress.ip_address(str(end))
    except ValueError:
        return None
    if a.version != 4 or b.version != 4 or int(a) > int(b):
        return None
    return int(a), int(b)


# Not reachable from the Internet: RFC 1918, shared address space (RFC 6598), loopback,
# link-local, "this network", multicast and reserved. What is left is "the Internet".
_NOT_INTERNET = Intervals(
    iv
    for iv in (
        ipv4_interval(p)
        for p in (
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "224.0.0.0/3",
        )
    )
    if iv
)
INTERNET = Intervals([(0, MAX_IPV4)]) - _NOT_INTERNET


def format_addresses(addrs: Intervals) -> list[str]:
    """Address intervals as CIDR prefixes (single addresses without ``/32``); an interval that
    is not one prefix reads ``first-last``."""
    out = []
    for lo, hi in addrs.spans:
        parts = cidrs(lo, hi)
        out += parts if len(parts) == 1 else [f"{_dotted(lo)}-{_dotted(hi)}"]
    return out


def _dotted(n: int) -> str:
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def cidrs(lo: int, hi: int) -> list[str]:
    """The fewest CIDR prefixes covering ``lo``..``hi``."""
    out = []
    while lo <= hi:
        size = (lo & -lo) if lo else 1 << 32  # the largest block aligned at lo ...
        while size > hi - lo + 1:  # ... that fits
            size >>= 1
        out.append(_dotted(lo) if size == 1 else f"{_dotted(lo)}/{33 - size.bit_length()}")
        lo += size
    return out
