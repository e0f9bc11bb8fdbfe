"""The collection scope, read from the same environment variables as the old collector."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

_INTERVAL = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?)?/\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?)?$"
)

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def check_subscriptions(subs: list[str], origin: str) -> list[str]:
    """Subscription ids are GUIDs: anything else would only collect a ``failed`` snapshot."""
    bad = [s for s in subs if not _GUID.match(s)]
    if bad:
        raise ValueError(
            f"{origin}: {bad[0]!r} is not a subscription id"
            " (a GUID like 00000000-0000-0000-0000-000000000000)"
        )
    return subs


def parse_list(value: str | None, origin: str = "value") -> list[str]:
    """``""``/``"[]"`` → [], ``'["a","b"]'`` → JSON list, ``"a,b"`` → split, else one item.

    ``origin`` (the option or variable it came from) starts the error message."""
    if value is None:
        return []
    value = value.strip()
    if not value or value == "[]":
        return []
    if "[" in value:
        try:
            parsed = json.loads(value)
        except ValueError:
            raise ValueError(f"{origin}: {value!r} is not a JSON list") from None
        if not isinstance(parsed, list):
            raise ValueError(f"{origin}: {value!r} is not a JSON list")
        return [str(v).strip() for v in parsed if str(v).strip()]
    return [v.strip() for v in value.split(",") if v.strip()]


def validate_interval(value: str) -> str:
    """Check ``start/end`` as the old collector's regex meant to, and that the dates are real."""
    if not _INTERVAL.match(value):
        raise ValueError(
            f"APP_INSIGHTS_INTERVAL {value!r} is not YYYY-MM-DD[THH:MM:SS[.ffffff]]/YYYY-MM-DD[...]"
        )
    try:
        start, end = (datetime.fromisoformat(p) for p in value.split("/"))
    except ValueError as e:
        raise ValueError(f"APP_INSIGHTS_INTERVAL {value!r}: {e}") from None
    if start > end:
        raise ValueError(f"APP_INSIGHTS_INTERVAL {value!r} ends before it starts")
    return value


def default_interval(now: datetime | None = None) -> str:
    now = (now or datetime.now(timezone.utc)).replace(tzinfo=None, microsecond=0)
    return f"{(now - timedelta(days=90)).isoformat()}/{now.isoformat()}"


@dataclass
class Scope:
    subscriptions: list[str] = field(default_factory=list)  # [] = every visible subscription
    resource_groups: list[str] = field(default_factory=list)  # [] = every resource group
    app_insights_interval: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_env(
        cls,
        subscriptions: str | None = None,
        resource_groups: str | None = None,
        interval: str | None = None,
        environ: dict[str, str] | None = None,
    ) -> Scope:
        env = os.environ if environ is None else environ
        sub_origin = "--subscriptions" if subscriptions is not None else "AZURE_SUBSCRIPTION_ID"
        subs = check_subscriptions(
            parse_list(
                subscriptions if subscriptions is not None else env.get("AZURE_SUBSCRIPTION_ID"),
                sub_origin,
            ),
            sub_origin,
        )
        rgs = parse_list(
            resource_groups
            if resource_groups is not None
            else env.get("AZURE_RESOURCE_GROUP_NAMES"),
            "--resource-groups" if resource_groups is not None else "AZURE_RESOURCE_GROUP_NAMES",
        )
        iv = interval if interval is not None else env.get("APP_INSIGHTS_INTERVAL")
        return cls(
            subscriptions=list(dict.fromkeys(subs)),
            resource_groups=list(dict.fromkeys(rgs)),
            app_insights_interval=validate_interval(iv) if iv else default_interval(),
        )
