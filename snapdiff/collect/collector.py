"""Collection: read every source into a new snapshot, recording each source's outcome.

Order: subscriptions → Resource Graph (containers, then resources) → management groups →
role assignments and definitions → Graph group members → per-resource calls (bounded
concurrency). A source that fails or is forbidden is recorded as such and the run goes on.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from azure.core import PipelineClient
from azure.core.pipeline import policies
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
from azure.mgmt.resourcegraph import ResourceGraphClient

from .. import __version__
from .. import status as st
from ..errors import DiskFull, SnapdiffError
from ..naming.calls import (
    API,
    ARG_CONTAINERS,
    ARG_RESOURCES,
    DENY_ASSIGNMENTS,
    FOLLOW_UPS,
    INSIGHTS_TOPOLOGY,
    MANAGEMENT_GROUP_GET,
    MANAGEMENT_GROUPS_LIST,
    OPTIONAL_CALLS,
    PER_RESOURCE,
    ROLE_ASSIGNMENTS,
    ROLE_DEFINITION,
    ROLE_ELIGIBILITY,
    SUBSCRIPTIONS_GET,
    SUBSCRIPTIONS_LIST,
    absent_for,
    source_of,
)
from ..naming.ids import is_resource_group, scoped_resource_groups
from ..naming.rbac import group_principals, read_assignments
from ..refs import resolve
from ..status import SOURCES
from ..store import Store
from .capture import (
    ArgQuotaPolicy,
    CapturePolicy,
    Recorder,
    host_of,
)
from .clouds import Cloud, check_endpoints
from .credentials import check_credential
from .fetcher import Fetcher, FetchFailed
from .guard import Clock, CollectionStopped, Limits, RunGuard, Watchdog, describe
from .pacing import AZURE_READS, Pacer, PacingPolicy, ReadQuota
from .progress import Live, SourceProgress, Ticker
from .reserve import DiskReserve
from .resume import DEFAULT_MAX_AGE, INTERVAL, Reuser, find_resumable
from .retry import BudgetRetryPolicy
from .scope import Scope
from .security import LoopbackHttpPolicy, VaultChallengePolicy
from .sources import CollectContext, load_builtin_sources, ordered

log = logging.getLogger(__name__)

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
    retry_total: int = 6  # retries of a failed attempt; 429/503 go on within fetch_budget
    retry_backoff: float = 0.8
    connect_timeout: float = 10.0  # seconds, per attempt
    read_timeout: float = Limits.read_timeout  # seconds without a byte, per attempt
    fetch_budget: float = 600.0  # seconds one fetch may spend honouring Retry-After
    max_transport_failures: int = 25  # attempts in a row with no answer: Azure is unreachable
    watchdog: float = Limits.watchdog  # seconds with no answer at all: stop (0 = never)
    clock: Clock = time.monotonic  # with ``pause``: a fake time for tests
    pause: Callable[[float], None] | None = None
    progress: Callable[[str], None] = lambda msg: None  # one line per source
    detail: Callable[[str], None] = lambda msg: None  # one line per failed fetch (-v)
    batch: bool = True  # per-resource GETs through ARM's /batch (False: --no-batch)
    live: Live | None = None  # called a few times a second with per-source counts
    resume: str | None = None  # collect --resume: "latest" or a snapshot reference
    max_age: timedelta = DEFAULT_MAX_AGE  # --max-age: oldest answer a resume may reuse
    # ARM's read bucket the run paces itself to (None: no pacing, only Retry-After on 429s)
    read_quota: ReadQuota | None = AZURE_READS

    def limits(self) -> Limits:
        return Limits(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            fetch_budget=self.fetch_budget,
            max_transport_failures=self.max_transport_failures,
            watchdog=self.watchdog,
        )


@dataclass
class CollectResult:
    snapshot_id: int
    status: str
    seconds: float
    sources: list[dict[str, Any]]
    error: str | None = None


class ScopeMatchesNothing(SnapdiffError):
    """The scope names nothing that exists (``--resource-groups nosuchrg``): a usage error;
    the snapshot ends ``failed``."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled as Ctrl-C is."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _kql_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Collector:
    def __init__(self, store: Store, credential: Any, opts: CollectOptions):
        self.store = store
        self.credential = credential
        self.opts = opts
        self.say = opts.progress
        self.note = opts.detail
        self.guard = RunGuard(opts.limits(), opts.clock, opts.pause)
        self.guard.essential = {host_of(opts.cloud.arm)}  # without ARM there is no run
        self._skip: set[str] = set()  # sources known to have nothing to fetch in this run
        self._mg_missing: str | None = None  # the management-group listing's outcome if not ok
        self.pacer = Pacer(  # one budget for ARM and Graph; ARM reads kept to the quota
            budget=opts.concurrency,
            quota=opts.read_quota,
            sleep=self.guard.wait,  # a stop cuts the wait short
            clock=self.guard.clock,
        )
        self.batcher: Any = None
        self.reuser: Reuser | None = None  # --resume
        self._signals = _signals_as_interrupts()
        self.sources = dict(load_builtin_sources())  # name -> Source, run by ``_phases``
        self._reserve = DiskReserve(store.path)

    # -- clients -----------------------------------------------------------------------------
    def _clients(self, recorder: Recorder) -> tuple[Any, Any, Any]:
        """Resource Graph through its SDK client; other ARM GETs and the Key Vault data plane
        through azure-core pipelines with the same retry, auth and capture policies."""
        cloud, o = self.opts.cloud, self.opts
        per_call = [LoopbackHttpPolicy()]  # http to loopback only, decided per request

        def retry() -> policies.RetryPolicy:
            return BudgetRetryPolicy(self.guard, retries=o.retry_total, backoff=o.retry_backoff)

        def transport() -> RequestsTransport:
            return RequestsTransport(
                connection_timeout=o.connect_timeout, read_timeout=o.read_timeout
            )

        quota = ArgQuotaPolicy(sleep=self.guard.wait)  # a stop cuts the wait short
        rg = ResourceGraphClient(
            self.credential,
            base_url=cloud.arm,
            credential_scopes=[cloud.arm_scope],
            per_call_policies=per_call,
            per_retry_policies=[quota, CapturePolicy(recorder)],
            retry_policy=retry(),
            transport=transport(),
        )

        def pipeline(auth: Any, *paced: Any) -> list[Any]:
            return [
                policies.RequestIdPolicy(),
                policies.HeadersPolicy(),
                policies.UserAgentPolicy(sdk_moniker=f"snapdiff/{__version__}"),
                *per_call,
                retry(),
                *paced,  # per attempt: a retry is a read too
                auth,
                CapturePolicy(recorder),
            ]

        arm: ARMPipelineClient[HttpRequest, HttpResponse] = ARMPipelineClient(
            base_url=cloud.arm,
            policies=pipeline(
                ARMChallengeAuthenticationPolicy(self.credential, cloud.arm_scope),
                PacingPolicy(self.pacer),
            ),
            transport=transport(),
        )
        vault: PipelineClient[HttpRequest, HttpResponse] = PipelineClient(
            base_url=cloud.arm,
            policies=pipeline(VaultChallengePolicy(self.credential, cloud.vault_scope)),
            transport=transport(),
        )
        return rg, arm, vault

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> CollectResult:
        """Collect into a new snapshot; it ends ``complete``, ``partial`` or ``failed``, never
        ``running``: Ctrl-C, SIGTERM and SIGHUP end it ``partial`` and re-raise."""
        check_endpoints(self.opts.cloud)  # plain http on loopback only, however it was made
        with self._signals, self._reserve:
            return self._run()

    def _run(self) -> CollectResult:
        started = time.time()
        scope = self.opts.scope
        check_credential(self.credential, self.opts.cloud)  # before a snapshot row exists
        scope_row = scope.as_dict() | {"arm_endpoint": self.opts.cloud.arm}
        reuser = self._reuser(scope_row)  # refuses before anything is written
        if reuser is not None:  # the App Insights answers reused were asked over this interval
            interval = reuser.origin.scope.get(INTERVAL) or scope.app_insights_interval
            scope.app_insights_interval = interval
            scope_row[INTERVAL] = interval
        sid = self.store.begin_snapshot(
            tenant_id=self.opts.tenant_id,
            cloud=self.opts.cloud.name,
            scope=scope_row,
            label=self.opts.label,
        )
        self.sid = sid
        if reuser is not None:
            reuser.new_id = sid
        self.recorder = Recorder(self.store, sid, self.guard)
        rg, arm, vault = self._clients(self.recorder)
        self.fetcher = Fetcher(self.store, sid, rg=rg, arm=arm, vault=vault, guard=self.guard)
        self.fetcher.arg_page_size = self.opts.arg_page_size
        self.fetcher.optional_calls = OPTIONAL_CALLS
        self.fetcher.reuser = reuser
        self.reuser = reuser
        error = None
        with Watchdog(self.guard, say=self.say):
            try:
                self._sources()
            except KeyboardInterrupt as e:
                why = f"interrupted ({e})" if isinstance(e, Interrupted) else "interrupted"
                self.guard.stop(why)
                self._signals.finishing = True
                self._abandon_open_transaction()
                self._end(sid, "partial", why, why)
                raise
            except ScopeMatchesNothing as e:
                self.guard.stop(str(e))
                self._signals.finishing = True
                self._end(sid, st.FAILED, str(e), str(e))
                raise
            except (CollectionStopped, DiskFull) as e:
                error = self.guard.reason or str(e)
            except sqlite3.Error:
                raise  # the store cannot be written: a crash, not a failed collection
            except Exception as e:  # a bug of ours: the run stops, nothing stored as Azure's
                error = f"internal error: {describe(e)} (run with --debug for the traceback)"
                if log.isEnabledFor(logging.DEBUG):  # --debug or -vv: the traceback
                    log.warning("collection stopped", exc_info=True)
            if error is not None:
                self.guard.stop(error)
        self._signals.finishing = True  # from here a signal waits for the snapshot to close
        status = None
        if error is None:
            got_data = any(c[st.OK] for c in self.fetcher.outcomes.values())
            status = st.snapshot_status(
                [s["status"] for s in self.store.sources(sid)], stopped=False, got_data=got_data
            )
        error = self._end(sid, status, error, f"collection stopped: {error}")
        return CollectResult(
            sid,
            self.store.snapshot(sid).status,
            time.time() - started,
            self.store.sources(sid),
            error,
        )

    def _reuser(self, scope_row: dict[str, Any]) -> Reuser | None:
        """``--resume``: the snapshot to continue, its answers checked against ``--max-age``."""
        if self.opts.resume is None:
            return None
        ref = None if self.opts.resume == "latest" else resolve(self.store, self.opts.resume)
        from_id = find_resumable(
            self.store,
            cloud=self.opts.cloud.name,
            scope=scope_row,
            tenant_id=self.opts.tenant_id,
            snapshot_id=ref,
        )
        reuser = Reuser(self.store, from_id)
        reuser.check_age(self.opts.max_age)
        return reuser

    def _sources(self) -> None:
        if self.opts.live is None:
            return self._phases()
        with Ticker(self._live, self.opts.live):
            return self._phases()

    def _live(self) -> dict[str, SourceProgress]:
        f, r = self.fetcher, self.recorder
        names = set(r.requests) | set(f.outcomes)
        return {
            n: SourceProgress(r.requests.get(n, 0), f.pages.get(n, 0), sum(f.outcomes[n].values()))
            for n in sorted(names)
            if n != "unattributed"
        }

    def _phases(self) -> None:
        """Every registered source once, each after those it needs (``sources``)."""
        ctx = CollectContext(self.fetcher, self.opts, note=self.note, collector=self)
        for src in ordered(self.sources.values()):
            ctx.provided[src.name] = src.run(ctx)
            have = {s["name"] for s in self.store.sources(self.sid)}
            for name in dict.fromkeys(source_of(c) for c in src.calls):
                if name not in have and name not in self._skip:
                    self._record_sources(name)

    def _end(self, sid: int, status: str | None, error: str | None, why: str) -> str | None:
        """Finish the snapshot; a stopped run (``error``) first records what it cut off.
        ``status`` None: work it out from the sources. On a full disk the reserve is freed and
        the snapshot closed ``partial`` with "disk full" as its reason."""
        try:
            return self._close(sid, status, error, why)
        except DiskFull as e:
            if not self._reserve.release():
                return error or str(e)  # stays running: the next command recovers it
            full = str(e) if error is None or str(e) in error else f"{error}; {e}"
            log.info("%s: freed the disk reserve to close snapshot %d", e, sid)
            return self._close(sid, "partial", full, f"collection stopped: {full}")

    def _close(self, sid: int, status: str | None, error: str | None, why: str) -> str | None:
        if error is not None:
            self._stop(why)
        if status is None:
            got_data = any(c[st.OK] for c in self.fetcher.outcomes.values())
            status = st.snapshot_status(
                [s["status"] for s in self.store.sources(sid)],
                stopped=error is not None,
                got_data=got_data,
            )
        if self.reuser is not None:
            self.reuser.record()
        self.store.finish_snapshot(sid, status, error)
        return error

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
        # A source whose every fetch never started (``_not_started``) was never reached.
        have = {s["name"] for s in self.store.sources(self.sid)}
        for name, n, never in self.store.conn.execute(
            "SELECT source, count(*), sum(status = ? AND error LIKE 'never started%')"
            " FROM fetches WHERE snapshot_id = ? GROUP BY source",
            (st.INTERRUPTED, self.sid),
        ).fetchall():
            if name not in have and n == never:
                self.store.set_source(
                    self.sid,
                    name,
                    status=st.INTERRUPTED,
                    detail=f"never reached: {why} ({n} fetches never started)",
                )
        self.store.mark_interrupted(self.sid, why, skip=frozenset(self._skip))
        # Registered sources beyond the built-in list: never reached gets a row too.
        have = {s["name"] for s in self.store.sources(self.sid)}
        extra = {source_of(c) for src in self.sources.values() for c in src.calls}
        for name in sorted(extra - have - self._skip):
            self.store.set_source(
                self.sid, name, status=st.INTERRUPTED, detail=f"never reached: {why}"
            )

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
                raise CollectionStopped(f"cannot list subscriptions: {e}") from None
            subs = [i["subscriptionId"] for i in items if i.get("subscriptionId")]
            if items and not self.opts.tenant_id:
                self.opts.tenant_id = items[0].get("tenantId")
        self.store.set_tenant(self.sid, self.opts.tenant_id)
        self._record_sources("subscriptions")
        if not subs:
            raise CollectionStopped("no subscription could be read")
        return subs

    def _resource_graph(self, subs: list[str]) -> list[dict[str, Any]]:
        f = self.fetcher
        batches = [subs[i : i + ARG_BATCH] for i in range(0, len(subs), ARG_BATCH)]
        rg_filter = ""
        if self.opts.scope.resource_groups:
            containers: list[dict[str, Any]] = []
            listed = True  # every batch's containers read: a group not seen does not exist
            for n, batch in enumerate(batches):
                q = "resourcecontainers | order by id asc"
                try:
                    containers += f.arg(ARG_CONTAINERS, f"batch-{n}", batch, q)
                except FetchFailed as e:
                    listed = False
                    self.note(f"resourcegraph: containers batch {n}: {e}")
            if listed:
                self._check_resource_groups(containers, len(subs))
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

    def _check_resource_groups(self, containers: list[dict[str, Any]], subs: int) -> None:
        """A named resource group that exists nowhere: a warning; none at all: an error."""
        wanted = self.opts.scope.resource_groups
        found = {str(c.get("name") or "").lower() for c in containers if is_resource_group(c)}
        missing = [w for w in wanted if w.lower() not in found]
        where = f"{subs} subscription{'s' if subs != 1 else ''}"
        if len(missing) == len(wanted):
            raise ScopeMatchesNothing(
                f"--resource-groups matches nothing: no resource group named"
                f" {', '.join(missing)} in {where}"
            )
        if missing:
            self.say(f"warning: no resource group named {', '.join(missing)} in {where}")

    def _included_rgs(self, containers: list[dict[str, Any]]) -> set[str]:
        """Resource groups named in the scope, plus those managed by a resource in one of them
        (AKS ``MC_*`` groups). Names compare case-insensitively, as ARM does."""
        wanted = self.opts.scope.resource_groups
        names = {str(c.get("name") or "") for c in scoped_resource_groups(containers, wanted)}
        return names | set(self.opts.scope.resource_groups)

    def _management_groups(self) -> list[str]:
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
        self._record_sources("managementgroups")
        return [mg["id"] for mg in mgs if mg.get("id")]

    def _authorization(self, subs: list[str], mg_ids: list[str]) -> tuple[list[str], list[str]]:
        """Role assignments, deny and eligible ones, and role definitions; returns the groups
        holding a role and every principal holding one."""
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
        for mg_id in mg_ids:
            try:
                assignments += f.list(
                    ROLE_ASSIGNMENTS,
                    mg_id.lower(),
                    f"{mg_id}/providers/Microsoft.Authorization/roleAssignments",
                    params | {"$filter": "atScope()"},
                )
            except FetchFailed as e:
                self.note(f"authorization: {mg_id}: {e}")
        assignments += self._access_extras(subs, mg_ids)
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
        return group_principals(listed), sorted({a.principal_id for a in listed if a.principal_id})

    def _access_extras(self, subs: list[str], mg_ids: list[str]) -> list[dict[str, Any]]:
        """Deny assignments and PIM-eligible assignments per subscription and management group
        (what ``snapdiff access`` needs); returns the eligible ones, whose roles and groups
        are fetched like those of active assignments. A 403 on eligibility is normal."""
        f = self.fetcher
        scopes = [(f"/subscriptions/{s}", False) for s in subs]
        scopes += [(m, True) for m in mg_ids]
        eligible: list[dict[str, Any]] = []
        for scope, at_scope in scopes:
            flt = {"$filter": "atScope()"} if at_scope else {}
            try:
                f.list(
                    DENY_ASSIGNMENTS,
                    scope.lower(),
                    f"{scope}/providers/Microsoft.Authorization/denyAssignments",
                    {"api-version": API["authorization"]} | flt,
                )
            except FetchFailed as e:
                self.note(f"authorization: deny assignments at {scope}: {e}")
            try:
                eligible += f.list(
                    ROLE_ELIGIBILITY,
                    scope.lower(),
                    f"{scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
                    {"api-version": API["pim"]} | flt,
                )
            except FetchFailed as e:
                self.note(f"authorization: eligible assignments at {scope}: {e}")
        return eligible

    def _graph(self, groups: list[str], ids: list[str]) -> None:
        if not groups:
            self._skip.add("graph")
        if not ids:
            self._skip.add("principals")
        if not groups and not ids:
            return
        from .graph import make_client

        if sys.version_info >= (3, 11):
            with asyncio.Runner() as runner:
                client = self._graph_client(make_client)
                runner.run(self._graph_async(client, groups, ids))
        else:  # no asyncio.Runner: build the client on the loop that drives it

            async def run() -> None:
                client = self._graph_client(make_client)
                await self._graph_async(client, groups, ids)

            asyncio.run(run())
        if groups:
            self._record_sources("graph")
        if ids:
            self._record_sources("principals")

    async def _graph_async(self, client: Any, groups: list[str], ids: list[str]) -> None:
        """Group members, then the names of every role-holding principal."""
        from .directory import fetch_names
        from .members import collect_groups

        if groups:
            await collect_groups(
                client, self.fetcher, groups, self.note, self.pacer.budget, self.opts.batch
            )
        if ids:
            try:
                await fetch_names(client, self.fetcher, ids)
            except FetchFailed as e:
                self.note(f"principals: names from member listings only: {e}")

    def _batched(self, jobs: list[tuple[dict[str, Any], Any]], interval: str) -> list[Any]:
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
        batcher = ArmBatcher(
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
        self.batcher = batcher
        alone = batcher.run(batch_jobs)
        if batcher.unsupported():  # no batch endpoint: everything goes alone
            return jobs
        # Key Vault's data plane, and what /batch failed to carry, go as single requests.
        return [j for j in jobs if j[1].data_plane] + alone

    def _alone(self, job: Any) -> None:
        """A /batch job (``batch.Job``) run as single GETs, its follow-ups too."""
        try:
            if job.paged:
                data: Any = self.fetcher.list(job.call, job.target, job.path, job.params)
            else:
                data = self.fetcher.get(job.call, job.target, job.path, job.params)
        except FetchFailed as e:  # recorded on its fetch row too
            if e.status != st.NOT_APPLICABLE:
                self.note(f"{job.call} {job.target}: {e}")
            return
        for follow in job.then(data) if job.then is not None else ():
            self._alone(follow)

    def _in_parallel(self, jobs: list[Any], fn: Callable[[Any], None]) -> None:
        """Run ``fn`` over ``jobs`` on ``concurrency`` daemon threads; the first exception
        stops the run and is raised here. Daemon threads, so that an interrupt ends the
        process at once instead of waiting for requests still in flight."""
        todo: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for job in jobs:
            todo.put(job)
        raised: list[BaseException] = []

        def worker() -> None:
            while not self.guard.stopped:
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    fn(job)
                except BaseException as e:  # handed to the main thread below
                    raised.append(e)
                    self.guard.stop(self.guard.reason or f"{type(e).__name__}: {e}")
                    return

        threads = [
            threading.Thread(target=worker, name=f"snapdiff-fetch-{n}", daemon=True)
            for n in range(max(1, min(self.opts.concurrency, len(jobs))))
        ]
        for t in threads:
            t.start()
        try:
            for t in threads:
                t.join()
        except BaseException:  # Ctrl-C or a signal: nobody starts another fetch
            self.guard.stop("interrupted")
            raise
        if raised:
            raise raised[0]

    def _graph_client(self, make_client: Any) -> Any:
        o = self.opts
        return make_client(
            self.credential,
            o.cloud,
            self.recorder,
            self.guard,
            retries=o.retry_total,
            backoff=o.retry_backoff,
        )

    def _per_resource(self, rows: list[dict[str, Any]]) -> None:
        jobs: list[tuple[dict[str, Any], Any]] = []
        absent: list[tuple[str, str, str]] = []
        for row in rows:
            for call in PER_RESOURCE.get(str(row.get("type", "")).lower(), ()):
                why = absent_for(row, call)
                if why:
                    absent.append((call.call, row["id"].lower(), why))
                else:
                    jobs.append((row, call))
        planned = {source_of(c.call) for _, c in jobs} | {source_of(c) for c, _, _ in absent}
        self._skip |= {source_of(c.call) for cs in PER_RESOURCE.values() for c in cs} - planned
        for call_name, target, why in absent:
            self.fetcher.absent(call_name, target, why)
        if not jobs:
            for source in sorted(planned):
                self._record_sources(source)
            return
        todo = [(c.call, r["id"].lower()) for r, c in jobs]
        try:
            self._run_jobs(jobs)
            self.guard.check()  # workers end quietly on a stop: the run still stops here
        except BaseException as e:  # a stop, a signal: what never started is named
            why = self.guard.reason or (f"interrupted ({e})" if isinstance(e, Interrupted) else "")
            self._not_started(todo, why or "interrupted")
            raise
        if self.batcher is not None:
            self.say(
                f"per-resource: {self.batcher.batches} ARM batches"
                if self.batcher.supported
                else "per-resource: ARM batch unavailable, single GETs"
            )
        for source in sorted(planned):
            self._record_sources(source)

    def _not_started(self, todo: list[tuple[str, str]], why: str) -> None:
        """Record the per-resource fetches that never started as ``interrupted``."""
        self._abandon_open_transaction()
        started = set(
            self.store.conn.execute(
                "SELECT call, target FROM fetches WHERE snapshot_id = ?", (self.sid,)
            ).fetchall()
        )
        for call, target in dict.fromkeys(todo):
            if (call, target) not in started:
                fid = self.store.start_fetch(self.sid, source_of(call), call, target)
                self.store.finish_fetch(fid, st.INTERRUPTED, error=f"never started: {why}")

    def _abandon_open_transaction(self) -> None:
        """A signal that lands between ``BEGIN`` and the block that commits it leaves the
        connection inside a transaction; roll it back before the snapshot is closed (under
        the store's lock, so that no other thread's transaction is touched)."""
        with self.store._lock:
            if self.store.conn.in_transaction:
                self.store.conn.execute("ROLLBACK")

    def _run_jobs(self, jobs: list[tuple[dict[str, Any], Any]]) -> None:
        interval = self.opts.scope.app_insights_interval
        if self.opts.batch:
            singles: list[Any] = self._batched(jobs, interval)
        else:
            singles = list(jobs)

        def run(job: Any) -> None:
            if not isinstance(job, tuple):  # a /batch job handed back to single GETs
                return self._alone(job)
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

        self._in_parallel(singles, run)


class _signals_as_interrupts:
    """SIGTERM and SIGHUP raise ``Interrupted`` in the main thread while collecting. A signal
    already ignored (``nohup`` ignores SIGHUP) stays ignored. Once ``finishing`` is set, a
    signal no longer interrupts: the snapshot is being closed, and the run ends right after."""

    # SIGHUP does not exist on Windows
    SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))

    def __init__(self) -> None:
        self.finishing = False
        self.old: dict[int, Any] = {}

    def __enter__(self) -> _signals_as_interrupts:
        self.old = {}
        if threading.current_thread() is not threading.main_thread():
            return self
        for sig in self.SIGNALS:
            if signal.getsignal(sig) is signal.SIG_IGN:
                continue  # nohup, or a parent that wants this signal ignored
            self.old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        for sig in self.old:  # one interrupt: a second signal must not cut the cleanup
            signal.signal(sig, signal.SIG_IGN)
        if self.finishing:
            log.warning(
                "%s while closing the snapshot: finishing first", signal.Signals(signum).name
            )
            return
        raise Interrupted(signum)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.old.items():
            signal.signal(sig, handler)


def _params(call: Any, interval: str) -> dict[str, str]:
    params = {"api-version": call.api_version, **dict(call.extra)}
    if call.call == INSIGHTS_TOPOLOGY:
        params["timespan"] = interval
    return params


def collect(store: Store, credential: Any, opts: CollectOptions) -> CollectResult:
    """Collect a new snapshot into ``store`` and return its id, status and sources."""
    return Collector(store, credential, opts).run()
