"""Moved to ``snapdiff.naming.calls``; this name stays for old imports."""

from ..naming.calls import API, FOLLOW_UPS, PER_RESOURCE, Call

__all__ = ["API", "FOLLOW_UPS", "PER_RESOURCE", "Call"]
