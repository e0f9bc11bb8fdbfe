"""Short forms a person reads: principals by name first and id second, resources and scopes by
resource group and name instead of a 150-character ARM id (the full id under ``-v`` and in
JSON). Pure functions of what the result dataclasses carry; the text, Markdown and HTML
reports share them."""

from __future__ import annotations

import re
from contextvars import ContextVar

from .ids import resource_group_of, subscription_of

ELLIPSIS = "…"
WIDTH = 120  # text reports stay within this many columns where they can

# Full ids and every member of a collapsed group: ``snapdiff diff -v`` sets it while rendering.
VERBOSE: ContextVar[bool] = ContextVar("snapdiff_diff_verbose", default=False)


def verbose() -> bool:
    return VERBOSE.get()


def short_id(object_id: str, n: int = 8) -> str:
    """The first ``n`` characters of an object id and an ellipsis (the whole id under -v)."""
    if verbose() or len(object_id) <= n + 1:
        return object_id
    return object_id[:n] + ELLIPSIS


def principal(
    pid: str,
    display: str | None = None,
    upn: str | None = None,
    kind: str | None = None,
) -> str:
    """``Engineer 149 <eng149@contoso.com> (User 339e0f9b…)``: name, then UPN (users) or appId
    (service principals), then type and short object id; the full id when nothing names it."""
    kind = (kind or "")[:1].upper() + (kind or "")[1:]
    if not display:
        return f"{kind} {pid}".strip()
    out = display
    tail = [f"{kind} {short_id(pid)}".strip()]
    if upn and upn != display:
        if "@" in upn:
            out += f" <{upn}>"
        else:
            tail.append(f"app {short_id(upn)}")
    return f"{out} ({', '.join(tail)})"


def _split(rid: str) -> list[str]:
    return [s for s in rid.strip().split("/") if s]


def resource(rid: str) -> str:
    """``rg-app-compute/vm-app-01 (virtualMachines)``; nested resources keep their parents:
    ``rg-net/vnet-hub/default (virtualNetworks/subnets)``. Scopes that are not resources
    read as ``subscription 3f2b7c1e…``, ``resource group rg-app``, ``management group mg-x``.
    The full id under -v, and for ids this does not recognise."""
    if verbose():
        return rid
    segs = _split(rid)
    low = [s.lower() for s in segs]
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        provider_path = segs[i + 1 :]
        if len(low) >= 2 and low[0] == "providers" and low[1] == "microsoft.management":
            return f"management group {segs[-1]}" if len(segs) >= 4 else rid
        if len(provider_path) >= 3 and len(provider_path) % 2 == 1:
            types = provider_path[1::2]
            names = provider_path[2::2]
            rg = resource_group_of(rid)
            where = [rg] if rg else [f"subscription {short_id(subscription_of(rid) or '')}"]
            return f"{'/'.join([*where, *names])} ({'/'.join(types)})"
        return rid
    if len(low) == 2 and low[0] == "subscriptions":
        return f"subscription {short_id(segs[1])}"
    if len(low) == 4 and low[0] == "subscriptions" and low[2] == "resourcegroups":
        return f"resource group {segs[3]}"
    if not segs:
        return "/"
    return rid


def clip(text: str, width: int = WIDTH) -> str:
    """``text`` cut to ``width`` columns with an ellipsis (whole under -v)."""
    if verbose() or len(text) <= width:
        return text
    return text[: width - 1] + ELLIPSIS


def cia(values: list[int] | tuple[int, ...] | None) -> str:
    return f"C{values[0]} I{values[1]} A{values[2]}" if values else "untagged"


_IDS = re.compile(
    r"/(?:subscriptions|providers/Microsoft\.Management/managementGroups)/[^\s(),;]+", re.I
)


def shorten_ids(text: str) -> str:
    """Every ARM id or scope inside a message (a cause, a reason) in its short form."""
    if verbose():
        return text
    return _IDS.sub(lambda m: resource(m.group(0)), text)
