"""Write a snapshot straight into a store, without HTTP: for unit fixtures and benchmarks.

Recorded snapshots (through the collector and cassettes) are the real thing; this writer makes
the same rows (fetches, paged exchanges, bodies) so that builder and differ unit tests and the
100,000-resource benchmarks need no server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from snapdiff.redact import redact_body
from snapdiff.store import Store, utcnow

from .shapes import MEMBER_FIELDS, PRINCIPAL_KINDS, arg_page, objects_by_ids, select


@dataclass
class FakeFetch:
    call: str
    target: str
    pages: list[Any] = field(default_factory=list)  # bodies, one per page
    status: str = "ok"
    http_status: int | None = 200


def _dump(obj: Any) -> bytes:
    """The body as the collector would store it: serialised, then redacted like a capture."""
    raw = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    redacted, _ = redact_body(raw)
    return redacted or raw


def _selected(member: dict[str, Any]) -> dict[str, Any]:
    """A group member as Graph returns it to the collector's ``$select``."""
    return select(member, MEMBER_FIELDS)


def write_snapshot(
    store: Store,
    fetches: list[FakeFetch],
    *,
    status: str = "complete",
    tenant_id: str = "00000000-0000-0000-0000-0000000000t0",
    scope: dict[str, Any] | None = None,
    label: str | None = None,
    sources: dict[str, str] | None = None,
) -> int:
    """Store ``fetches`` as a finished snapshot; source statuses default from the fetches."""
    sid = store.begin_snapshot(
        tenant_id=tenant_id,
        cloud="AzureCloud",
        scope=scope or {"subscriptions": [], "resource_groups": [], "app_insights_interval": ""},
        label=label,
    )
    derived: dict[str, str] = {}
    pages: dict[str, int] = {}
    for f in fetches:
        source = f.call.split(":", 1)[0]
        fid = store.start_fetch(sid, source, f.call, f.target)
        for n, body in enumerate(f.pages, 1):
            store.add_exchange(
                snapshot_id=sid,
                fetch_id=fid,
                source=source,
                method="GET",
                url=f"https://fake.invalid/{f.call}/{f.target}?page={n}",
                request_body=None,
                status=f.http_status if f.status == "ok" else 200,
                headers={},
                body=_dump(body),
                started_at=utcnow(),
                elapsed_ms=0.0,
                page=n,
            )
        if f.status != "ok":
            store.add_exchange(
                snapshot_id=sid,
                fetch_id=fid,
                source=source,
                method="GET",
                url=f"https://fake.invalid/{f.call}/{f.target}",
                request_body=None,
                status=f.http_status,
                headers={},
                body=_dump({"error": {"code": f.status, "message": "fixture"}}),
                started_at=utcnow(),
                elapsed_ms=0.0,
            )
        store.finish_fetch(fid, f.status, http_status=f.http_status, pages=len(f.pages))
        pages[source] = pages.get(source, 0) + len(f.pages)
        if f.status == "failed" or derived.get(source) == "failed":
            derived[source] = "failed"
        elif f.status == "forbidden":
            derived[source] = "forbidden"
        else:
            derived.setdefault(source, "ok")
    derived.update(sources or {})
    for name, st in sorted(derived.items()):
        store.set_source(
            sid, name, status=st, pages=pages.get(name, 0), requests=pages.get(name, 0)
        )
    store.finish_snapshot(sid, status)
    return sid


def arg_pages(rows: list[dict[str, Any]], page_size: int = 1000) -> list[dict[str, Any]]:
    """Resource Graph response bodies for ``rows``, 1,000 a page, with ``$skipToken`` chaining."""
    rows = sorted(rows, key=lambda r: r["id"].lower())
    starts = range(0, len(rows), page_size) or range(1)
    return [arg_page(rows, s, page_size, f"page{n + 1}") for n, s in enumerate(starts)]


def tenant_fetches(tenant: Any, arg_page_size: int = 1000) -> list[FakeFetch]:
    """The fetches the collector would store for ``tenant`` (a ``fakeazure.tenant.Tenant``),
    without HTTP: Resource Graph pages, role assignments and definitions, Graph members and
    every per-resource listing of ``snapdiff.naming.calls``. For benchmarks at 100,000
    resources, where serving and collecting over loopback would measure the wrong thing."""
    from snapdiff.naming.calls import FOLLOW_UPS, PER_RESOURCE

    out = [
        FakeFetch("subscriptions:list", "", [{"value": tenant.subscriptions}]),
        FakeFetch(
            "resourcegraph:resourcecontainers",
            "batch-0",
            arg_pages(tenant.containers, arg_page_size),
        ),
        FakeFetch("resourcegraph:resources", "batch-0", arg_pages(tenant.resources, arg_page_size)),
        FakeFetch("managementgroups:list", "", [{"value": tenant.management_groups}]),
    ]
    for mg in tenant.management_groups:
        detail = tenant.mg_details.get(mg["id"].lower())
        if detail is not None:
            out.append(FakeFetch("managementgroups:get", mg["id"].lower(), [detail]))
    groups: set[str] = set()
    for scope, items in sorted(tenant.role_assignments.items()):
        out.append(FakeFetch("authorization:roleAssignments", scope, [{"value": items}]))
        groups |= {
            a["properties"]["principalId"]
            for a in items
            if a["properties"].get("principalType") == "Group"
        }
    scopes = [f"/subscriptions/{s['subscriptionId']}".lower() for s in tenant.subscriptions]
    scopes += [mg["id"].lower() for mg in tenant.management_groups]
    for call_name, listed in (
        ("authorization:denyAssignments", tenant.deny_assignments),
        ("authorization:roleEligibilityScheduleInstances", tenant.eligibility),
    ):
        for scope in scopes:
            out.append(FakeFetch(call_name, scope, [{"value": listed.get(scope, [])}]))
        for items in listed.values():
            groups |= {
                a["properties"]["principalId"]
                for a in items
                if a["properties"].get("principalType") == "Group"
            }
    for guid, body in sorted(tenant.role_definitions.items()):
        out.append(FakeFetch("authorization:roleDefinition", guid, [body]))
    out += _principal_names(tenant)
    members = {k.lower(): v for k, v in tenant.groups.items()}
    queue, seen = sorted(groups), set()
    while queue:  # nested groups too, as the collector follows them
        gid = queue.pop(0)
        if gid.lower() in seen:
            continue
        seen.add(gid.lower())
        direct = members.get(gid.lower(), [])
        out.append(FakeFetch("graph:members", gid, [{"value": [_selected(m) for m in direct]}]))
        queue += [m["id"] for m in direct if str(m.get("@odata.type", "")).endswith(".group")]
    for row in tenant.resources:
        rid = row["id"].lower()
        for spec in PER_RESOURCE.get(str(row.get("type", "")).lower(), ()):
            if spec.data_plane:
                name = row["name"].lower()
                path = f"/kv/{name}/{spec.suffix}"
            else:
                path = rid + spec.suffix.lower()
            body = tenant.responses.get(path)
            if path in tenant.forbidden or body is None:
                out.append(
                    FakeFetch(
                        spec.call,
                        rid,
                        [],
                        status="forbidden" if body is not None else "notfound",
                        http_status=403 if body is not None else 404,
                    )
                )
                continue
            out.append(
                FakeFetch(spec.call, rid, [{"value": body}] if isinstance(body, list) else [body])
            )
            follow = FOLLOW_UPS.get(spec.call)
            if follow is None or not isinstance(body, list):
                continue
            for item in body:
                sub = tenant.responses.get(item["id"].lower() + follow.suffix.lower(), [])
                out.append(FakeFetch(follow.call, item["id"].lower(), [{"value": sub}]))
    return out


def _principal_names(tenant: Any) -> list[FakeFetch]:
    """What getByIds returns for every principal holding a role assignment or an eligible one
    (the collector asks for them sorted and de-duplicated, 1,000 ids a request)."""
    listings = [*tenant.role_assignments.values(), *tenant.eligibility.values()]
    ids = sorted(
        {
            str(a["properties"].get("principalId") or "").lower()
            for items in listings
            for a in items
            if a["properties"].get("principalId")
        }
    )
    known = tenant.directory_objects()
    out = []
    for n in range(0, len(ids), 1000):
        found = objects_by_ids(known, ids[n : n + 1000], PRINCIPAL_KINDS)
        out.append(FakeFetch("principals:getByIds", f"ids-{n // 1000:04d}", [{"value": found}]))
    return out
