"""Collection: read every source into a new snapshot, recording each source's outcome.

Order: subscriptions → Resource Graph (containers, then resources) → management groups →
role assignments and definitions → Graph group members → per-resource calls (bounded
concurrency). A source that fails or is forbidden is recorded as such and the run goes on.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from azure.core import PipelineClient
from azure.core.pipeline import policies
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
from azure.mgmt.resourcegraph import ResourceGraphClient

from .. import __version__
from .. import status as st
from ..naming.calls import (
    API,
    ARG_CONTAINERS,
    ARG_RESOURCES,
    FOLLOW_UPS,
    INSIGHTS_TOPOLOGY,
    MANAGEMENT_GROUP_GET,
    MANAGEMENT_GROUPS_LIST,
    PER_RESOURCE,
    ROLE_ASSIGNMENTS,
    ROLE_DEFINITION,
    SUBSCRIPTIONS_GET,
    SUBSCRIPTIONS_LIST,
    source_of,
)
from ..naming.ids import scoped_resource_groups
from ..naming.rbac import group_principals, read_assignments
from ..status import SOURCES
from ..store import Store
from .capture import AllowHttpPolicy, ArgQuotaPolicy, CapturePolicy, Recorder
from .clouds import Cloud
from .fetcher import Fetcher, FetchFailed
from .pacing import Pacer
from .progress import Live, SourceProgress, Ticker
from .scope import Scope

ARG_BATCH = 300  # subscriptions per Resource Graph query (Microsoft's guidance)

__all__ = ["SOURCES", "CollectOptions", "CollectResult", "Collector", "collect"]


@dataclass
class CollectOptions:
    cloud: Cloud
    scope: Scope = field(default_factory=Scope)
    label: str | None = None
    tenant_id: str | None = None
    concurrency: int = 8
    arg_page_size: int = 1000  # Resource Graph's maximum; smaller only to exercise paging in tests
    retry_total: int = 6
    retry_backoff: float = 0.8
    progress: Callable[[str], None] = lambda msg: None  # one line per source
    detail: Callable[[str], None] = lambda msg: None  # one line per failed fetch (-v)
    batch: bool = True  # per-resource GETs through ARM's /batch (False: --no-batch)
    live: Live | None = None  # called a few times a second with per-source counts


@dataclass
class CollectResult:
    snapshot_id: int
    status: str
    seconds: float
    sources: list[dict[str, Any]]


def _kql_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Collector:
    def __init__(self, store: Store, credential: Any, opts: CollectOptions):
        self.store = store
        self.credential = credential
        self.opts = opts
        self.say = opts.progress
        self.note = opts.detail
        self._skip: set[str] = set()  # sources known to have nothing to fetch in this run
        self._mg_missing: str | None = None  # the management-group listing's outcome if not ok
        self._principal_ids: list[str] = []  # every principal holding a role assignment
        self.pacer = Pacer(budget=opts.concurrency)  # one budget for ARM and Graph
        self.batcher: Any = None

    # -- clients -----------------------------------------------------------------------------
    def _clients(self, recorder: Recorder) -> tuple[Any, Any, Any]:
        """Resource Graph through its SDK client; other ARM GETs and the Key Vault data plane
        through azure-core pipelines with the same retry, auth and capture policies."""
        cloud, o = self.opts.cloud, self.opts
        per_call = [AllowHttpPolicy()] if cloud.arm.startswith("http://") else []

        def retry() -> policies.RetryPolicy:
            return policies.RetryPolicy(
                retry_total=o.retry_total, retry_backoff_factor=o.retry_backoff
            )

        quota = ArgQuotaPolicy()
        rg = ResourceGraphClient(
            self.credential,
            base_url=cloud.arm,
            credential_scopes=[cloud.arm_scope],
            per_call_policies=per_call,
            per_retry_policies=[quota, CapturePolicy(recorder)],
            retry_policy=retry(),
        )

        def pipeline(auth: Any) -> list[Any]:
            return [
                policies.RequestIdPolicy(),
                policies.HeadersPolicy(),
                policies.UserAgentPolicy(sdk_moniker=f"snapdiff/{__version__}"),
                *per_call,
                retry(),
                auth,
                CapturePolicy(recorder),
            ]

        arm: ARMPipelineClient[HttpRequest, HttpResponse] = ARMPipelineClient(
            base_url=cloud.arm,
            policies=pipeline(ARMChallengeAuthenticationPolicy(self.credential, cloud.arm_scope)),
        )
        vault: PipelineClient[HttpRequest, HttpResponse] = PipelineClient(
            base_url=cloud.arm,
            policies=pipeline(
                policies.BearerTokenCredentialPolicy(self.credential, cloud.vault_scope)
            ),
        )
        return rg, arm, vault

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> CollectResult:
        started = time.time()
        scope = self.opts.scope
        sid = self.store.begin_snapshot(
            tenant_id=self.opts.tenant_id,
            cloud=self.opts.cloud.name,
            scope=scope.as_dict() | {"arm_endpoint": self.opts.cloud.arm},
            label=self.opts.label,
        )
        self.sid = sid
        self.recorder = Recorder(self.store, sid)
        rg, arm, vault = self._clients(self.recorder)
        self.fetcher = Fetcher(self.store, sid, rg=rg, arm=arm, vault=vault)
        self.fetcher.arg_page_size = self.opts.arg_page_size
        error = None
        ticker = Ticker(self._live, self.opts.live) if self.opts.live else None
        if ticker:
            ticker.__enter__()
        try:
            subs = self._subscriptions()
            rows = self._resource_graph(subs)
            self._management_groups()
            groups = self._authorization(subs)
            self._graph(groups)
            self._per_resource(rows)
        except KeyboardInterrupt:
            self._stop("interrupted")
            self.store.finish_snapshot(sid, "partial", "interrupted")
            raise
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
            self.say(f"collection stopped: {error}")
            self._stop(f"collection stopped: {error}")
        finally:
            if ticker:
                ticker.__exit__()
        got_data = any(c[st.OK] for c in self.fetcher.outcomes.values())
        status = st.snapshot_status(
            [s["status"] for s in self.store.sources(sid)],
            stopped=error is not None,
            got_data=got_data,
        )
        self.store.finish_snapshot(sid, status, error)
        return CollectResult(sid, status, time.time() - started, self.store.sources(sid))

    def _live(self) -> dict[str, SourceProgress]:
        f, r = self.fetcher, self.recorder
        names = set(r.requests) | set(f.outcomes)
        return {
            n: SourceProgress(r.requests.get(n, 0), f.pages.get(n, 0), sum(f.outcomes[n].values()))
            for n in sorted(names)
            if n != "unattributed"
        }

    def _stop(self, why: str) -> None:
        """The run ends early: the source in progress is cut off, the rest never reached."""
        f, have = self.fetcher, {s["name"] for s in self.store.sources(self.sid)}
        for name in sorted((set(f.outcomes) | set(self.recorder.requests)) - have):
            c: Mapping[str, int] = f.outcomes.get(name, {})
            self.store.set_source(
                self.sid,
                name,
                status=st.INTERRUPTED,
                pages=f.pages.get(name, 0),
                requests=self.recorder.requests.get(name, 0),
                errors=len(f.errors.get(name, [])),
                detail=f"cut off after {sum(c.values())} fetches: {why}",
                outcomes=dict(sorted(c.items())),
            )
        self.store.mark_interrupted(self.sid, why, skip=frozenset(self._skip))

    def _record_sources(self, only: str) -> None:
        """Record a source whose phase has ended: its status, counts and coverage."""
        f, name = self.fetcher, only
        if name not in f.outcomes and name not in self.recorder.requests:
            return
        errs = f.errors.get(name, [])
        missing = self._mg_missing if name == "authorization" else None
        lines = st.coverage_lines(self.store.forbidden_fetches(self.sid, name))
        if missing:
            lines.append(
                f"role assignments at management-group scopes not listed: the management-group"
                f" listing was {missing}"
                + (
                    f"; needs {st.area_of(MANAGEMENT_GROUPS_LIST)[1]}"
                    if missing == st.FORBIDDEN
                    else ""
                )
            )
        status = f.source_status(name, missing=missing)
        c: Mapping[str, int] = f.outcomes.get(name, {})
        self.store.set_source(
            self.sid,
            name,
            status=status,
            pages=f.pages.get(name, 0),
            requests=self.recorder.requests.get(name, 0),
            errors=len(errs),
            detail="; ".join(errs[:5]) + (f" (+{len(errs) - 5} more)" if len(errs) > 5 else "")
            if errs
            else (lines[-1] if missing == st.FAILED else None),
            outcomes=dict(sorted(c.items())),
            coverage="\n".join(lines) or None,
        )
        self.say(
            f"{name}: {status}, {sum(c.values())} fetches, {f.pages.get(name, 0)} pages, "
            f"{self.recorder.requests.get(name, 0)} requests"
        )

    # -- sources ---------------------------------------------------------------------------------
    def _subscriptions(self) -> list[str]:
        f, wanted = self.fetcher, self.opts.scope.subscriptions
        subs: list[str] = []
        params = {"api-version": API["subscriptions"]}
        if wanted:
            for sub in wanted:
                try:
                    body = f.get(SUBSCRIPTIONS_GET, sub.lower(), f"/subscriptions/{sub}", params)
                    subs.append(body.get("subscriptionId") or sub)
                    self.opts.tenant_id = self.opts.tenant_id or body.get("tenantId")
                except FetchFailed as e:
                    self.note(f"subscriptions: {sub}: {e}")
        else:
            try:
                items = f.list(SUBSCRIPTIONS_LIST, "", "/subscriptions", params)
            except FetchFailed as e:
                self._record_sources("subscriptions")
                raise RuntimeError(f"cannot list subscriptions: {e}") from None
            subs = [i["subscriptionId"] for i in items if i.get("subscriptionId")]
            if items and not self.opts.tenant_id:
                self.opts.tenant_id = items[0].get("tenantId")
        self.store.set_tenant(self.sid, self.opts.tenant_id)
        self._record_sources("subscriptions")
        if not subs:
            raise RuntimeError("no subscription could be read")
        return subs

    def _resource_graph(self, subs: list[str]) -> list[dict[str, Any]]:
        f = self.fetcher
        batches = [subs[i : i + ARG_BATCH] for i in range(0, len(subs), ARG_BATCH)]
        rg_filter = ""
        if self.opts.scope.resource_groups:
            containers: list[dict[str, Any]] = []
            for n, batch in enumerate(batches):
                q = "resourcecontainers | order by id asc"
                try:
                    containers += f.arg(ARG_CONTAINERS, f"batch-{n}", batch, q)
                except FetchFailed as e:
                    self.note(f"resourcegraph: containers batch {n}: {e}")
            names = self._included_rgs(containers)
            rg_filter = (
                " | where resourceGroup in~ (" + ", ".join(_kql_str(n) for n in sorted(names)) + ")"
            )
        else:
            for n, batch in enumerate(batches):
                try:
                    f.arg(
                        ARG_CONTAINERS,
                        f"batch-{n}",
                        batch,
                        "resourcecontainers | order by id asc",
                    )
                except FetchFailed as e:
                    self.note(f"resourcegraph: containers batch {n}: {e}")
        rows: list[dict[str, Any]] = []
        for n, batch in enumerate(batches):
            q = f"resources{rg_filter} | order by id asc"
            try:
                rows += f.arg(ARG_RESOURCES, f"batch-{n}", batch, q)
            except FetchFailed as e:
                self.note(f"resourcegraph: resources batch {n}: {e}")
        self._record_sources("resourcegraph")
        return rows

    def _included_rgs(self, containers: list[dict[str, Any]]) -> set[str]:
        """Resource groups named in the scope, plus those managed by a resource in one of them
        (AKS ``MC_*`` groups). Names compare case-insensitively, as ARM does."""
        wanted = self.opts.scope.resource_groups
        names = {str(c.get("name") or "") for c in scoped_resource_groups(containers, wanted)}
        return names | set(self.opts.scope.resource_groups)

    def _management_groups(self) -> None:
        f = self.fetcher
        params = {"api-version": API["managementgroups"]}
        try:
            mgs = f.list(
                MANAGEMENT_GROUPS_LIST,
                "",
                "/providers/Microsoft.Management/managementGroups",
                params,
            )
        except FetchFailed as e:
            self.note(f"managementgroups: {e}")
            if e.status != st.NOTFOUND:
                self._mg_missing = e.status
            mgs = []
        for mg in mgs:
            try:
                f.get(
                    MANAGEMENT_GROUP_GET,
                    mg["id"].lower(),
                    mg["id"],
                    params | {"$expand": "children"},
                )
            except FetchFailed as e:
                self.note(f"managementgroups: {mg.get('name')}: {e}")
        self._mg_ids = [mg["id"] for mg in mgs if mg.get("id")]
        self._record_sources("managementgroups")

    def _authorization(self, subs: list[str]) -> list[str]:
        f = self.fetcher
        params = {"api-version": API["authorization"]}
        assignments: list[dict[str, Any]] = []
        for sub in subs:
            try:
                assignments += f.list(
                    ROLE_ASSIGNMENTS,
                    f"/subscriptions/{sub}".lower(),
                    f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments",
                    params,
                )
            except FetchFailed as e:
                self.note(f"authorization: subscription {sub}: {e}")
        for mg_id in getattr(self, "_mg_ids", []):
            try:
                assignments += f.list(
                    ROLE_ASSIGNMENTS,
                    mg_id.lower(),
                    f"{mg_id}/providers/Microsoft.Authorization/roleAssignments",
                    params | {"$filter": "atScope()"},
                )
            except FetchFailed as e:
                self.note(f"authorization: {mg_id}: {e}")
        # Built-in role definitions repeat under every subscription with the same GUID:
        # fetch each GUID once, through the first id that names it.
        defs: dict[str, str] = {}
        listed = list(read_assignments(assignments))
        for a in listed:
            if a.role_definition_id:
                defs.setdefault(a.role_guid, a.role_definition_id)
        for guid, rd in sorted(defs.items()):
            try:
                f.get(ROLE_DEFINITION, guid, rd, params)
            except FetchFailed as e:
                self.note(f"authorization: role definition {guid}: {e}")
        self._record_sources("authorization")
        self._principal_ids = sorted({a.principal_id for a in listed if a.principal_id})
        return group_principals(listed)

    def _graph(self, groups: list[str]) -> None:
        ids = self._principal_ids
        if not groups:
            self._skip.add("graph")
        if not ids:
            self._skip.add("principals")
        if not groups and not ids:
            return
        from .graph import make_client

        if sys.version_info >= (3, 11):
            with asyncio.Runner() as runner:
                client = make_client(self.credential, self.opts.cloud, self.recorder)
                runner.run(self._graph_async(client, groups, ids))
        else:  # no asyncio.Runner: build the client on the loop that drives it

            async def run() -> None:
                client = make_client(self.credential, self.opts.cloud, self.recorder)
                await self._graph_async(client, groups, ids)

            asyncio.run(run())
        if groups:
            self._record_sources("graph")
        if ids:
            self._record_sources("principals")

    async def _graph_async(self, client: Any, groups: list[str], ids: list[str]) -> None:
        """Group members, then the names of every role-holding principal."""
        from .directory import fetch_names
        from .graph import collect_groups

        if groups:
            await collect_groups(
                client, self.fetcher, groups, self.note, self.pacer.budget, self.opts.batch
            )
        if ids:
            try:
                await fetch_names(client, self.fetcher, ids)
            except FetchFailed as e:
                self.note(f"principals: names from member listings only: {e}")

    def _batched(
        self, jobs: list[tuple[dict[str, Any], Any]], interval: str
    ) -> list[tuple[dict[str, Any], Any]]:
        """Run the ARM jobs through /batch; returns the jobs left for single requests (the
        Key Vault data plane, and everything when the batch endpoint does not exist)."""
        from .batch import ArmBatcher, Job

        def follow_ups(call: Any) -> Any:
            follow = FOLLOW_UPS.get(call.call)
            if follow is None:
                return None
            return lambda items: [
                Job(
                    follow.call,
                    item["id"].lower(),
                    item["id"] + follow.suffix,
                    {"api-version": follow.api_version},
                    True,
                )
                for item in items
                if isinstance(item, dict) and item.get("id")
            ]

        arm_jobs = [j for j in jobs if not j[1].data_plane]
        batch_jobs = [
            Job(
                c.call,
                r["id"].lower(),
                r["id"] + c.suffix,
                _params(c, interval),
                c.paged,
                follow_ups(c),
            )
            for r, c in arm_jobs
        ]
        self.batcher = ArmBatcher(
            self.fetcher,
            self.recorder,
            self.fetcher.arm,
            self.opts.cloud.arm,
            retry_total=self.opts.retry_total,
            retry_backoff=self.opts.retry_backoff,
            concurrency=self.pacer.budget,
            pacer=self.pacer,
            note=self.note,
        )
        if self.batcher.run(batch_jobs):  # no batch endpoint: everything goes alone
            return jobs
        return [j for j in jobs if j[1].data_plane]

    def _per_resource(self, rows: list[dict[str, Any]]) -> None:
        jobs: list[tuple[dict[str, Any], Any]] = []
        for row in rows:
            for call in PER_RESOURCE.get(str(row.get("type", "")).lower(), ()):
                jobs.append((row, call))
        planned = {source_of(c.call) for _, c in jobs}
        self._skip |= {source_of(c.call) for cs in PER_RESOURCE.values() for c in cs} - planned
        if not jobs:
            return
        interval = self.opts.scope.app_insights_interval
        if self.opts.batch:
            jobs = self._batched(jobs, interval)

        def run(job: tuple[dict[str, Any], Any]) -> None:
            row, call = job
            rid = row["id"]
            target = rid.lower()
            params = _params(call, interval)
            try:
                if call.data_plane:
                    uri = ((row.get("properties") or {}).get("vaultUri") or "").rstrip("/")
                    if not uri:
                        return
                    self.fetcher.list(call.call, target, f"{uri}/{call.suffix}", params, vault=True)
                elif call.paged:
                    items = self.fetcher.list(call.call, target, rid + call.suffix, params)
                    follow = FOLLOW_UPS.get(call.call)
                    if follow is not None:
                        for item in items:
                            try:
                                self.fetcher.list(
                                    follow.call,
                                    item["id"].lower(),
                                    item["id"] + follow.suffix,
                                    {"api-version": follow.api_version},
                                )
                            except FetchFailed as e:  # recorded on its fetch row too
                                self.note(f"{follow.call} {item['id']}: {e}")
                else:
                    self.fetcher.get(call.call, target, rid + call.suffix, params)
            except FetchFailed as e:  # recorded on its fetch row too
                if e.status != st.NOT_APPLICABLE:
                    self.note(f"{call.call} {rid}: {e}")

        with ThreadPoolExecutor(max_workers=self.pacer.budget) as pool:
            list(pool.map(run, jobs))
        if self.batcher is not None:
            self.say(
                f"per-resource: {self.batcher.batches} ARM batches"
                if self.batcher.supported
                else "per-resource: ARM batch unavailable, single GETs"
            )
        for source in sorted(planned):
            self._record_sources(source)


def _params(call: Any, interval: str) -> dict[str, str]:
    params = {"api-version": call.api_version, **dict(call.extra)}
    if call.call == INSIGHTS_TOPOLOGY:
        params["timespan"] = interval
    return params


def collect(store: Store, credential: Any, opts: CollectOptions) -> CollectResult:
    """Collect a new snapshot into ``store`` and return its id, status and sources."""
    return Collector(store, credential, opts).run()
