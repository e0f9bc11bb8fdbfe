"""Azure's read quotas: the fake Azure's model of them (figures from the reference, by hand),
the collector's pacer on a fake clock, and the real collector against the quota-enforcing fake
on loopback, paced and with pacing off."""

from __future__ import annotations

import json
import socket
from dataclasses import replace

import pytest

from fakeazure.cassettes import FIXED_INTERVAL
from fakeazure.quota import AZURE, Limits, Quota, graph_cost, principal_of
from fakeazure.server import FakeAzure, serve
from fakeazure.synthetic import synthetic_tenant
from snapdiff.collect import CollectOptions
from snapdiff.collect.clouds import resolve_cloud
from snapdiff.collect.collector import Collector
from snapdiff.collect.credentials import StaticTokenCredential
from snapdiff.collect.pacing import (
    AZURE_READS,
    TENANT,
    Pacer,
    ReadQuota,
    bucket_of,
    reads_left,
)
from snapdiff.collect.scope import Scope
from snapdiff.securicad.api import build, render
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

SUB_A = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001"
SUB_B = "/subscriptions/bbbbbbbb-0000-4000-8000-000000000002"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


# -- the fake's model ---------------------------------------------------------------------------
def test_arm_bucket_is_250_reads_refilled_25_a_second_per_subscription_and_principal():
    t = FakeTime()
    q = Quota(AZURE, "tenant-1", clock=t)
    got = [q.arm_read(f"{SUB_A}/resourcegroups", "p1") for _ in range(250)]
    assert all(v.status is None for v in got)
    assert got[0].headers["x-ms-ratelimit-remaining-subscription-reads"] == "249"
    assert got[-1].headers["x-ms-ratelimit-remaining-subscription-reads"] == "0"
    assert got[0].headers["x-ms-ratelimit-remaining-subscription-global-reads"] == "3749"
    refused = q.arm_read(f"{SUB_A}/resourcegroups", "p1")
    assert refused.status == 429 and refused.headers["Retry-After"] == "1"
    err = refused.body["error"]
    assert err["code"] == "SubscriptionRequestsThrottled"
    assert (
        "Number of 'read' requests for subscription 'aaaaaaaa-0000-4000-8000-000000000001'"
        in (err["message"])
    )
    # Another subscription, another principal and the tenant scope have buckets of their own.
    assert q.arm_read(f"{SUB_B}/resourcegroups", "p1").status is None
    assert q.arm_read(f"{SUB_A}/resourcegroups", "p2").status is None
    tenant = q.arm_read("/providers/microsoft.management/managementgroups", "p1")
    assert tenant.status is None
    assert tenant.headers == {"x-ms-ratelimit-remaining-tenant-reads": "249"}
    t.now += 0.05  # a token and a quarter back at 25 a second
    assert q.arm_read(f"{SUB_A}/resourcegroups", "p1").status is None
    assert q.arm_read(f"{SUB_A}/resourcegroups", "p1").status == 429
    t.now += 10  # full again, never more than 250
    assert [q.arm_read(SUB_A, "p1").status for _ in range(251)].count(429) == 1
    assert q.throttled["arm"] == 3 and q.admitted["arm"] == 250 + 3 + 1 + 250


def test_the_global_subscription_bucket_is_shared_by_every_principal():
    t = FakeTime()
    q = Quota(AZURE, "tenant-1", clock=t)
    for p in range(15):
        assert all(q.arm_read(SUB_A, f"p{p}").status is None for _ in range(250))
    sixteenth = q.arm_read(SUB_A, "p15")  # its own bucket is full, the global one empty
    assert sixteenth.status == 429
    assert sixteenth.headers["x-ms-ratelimit-remaining-subscription-reads"] == "250"
    assert sixteenth.headers["x-ms-ratelimit-remaining-subscription-global-reads"] == "0"


def test_resource_graph_allows_15_queries_in_any_5_seconds():
    t = FakeTime()
    q = Quota(AZURE, "tenant-1", clock=t)
    for i in range(15):
        v = q.arg_query("p1")
        assert v.status is None and v.headers["x-ms-user-quota-remaining"] == str(14 - i)
        t.now += 0.1
    refused = q.arg_query("p1")
    assert refused.status == 429
    assert refused.headers["x-ms-user-quota-remaining"] == "0"
    assert refused.headers["x-ms-user-quota-resets-after"] == "00:00:04"  # 3.5 s, whole seconds
    assert refused.body["error"]["details"][0]["code"] == "RateLimiting"
    t.now += 3.6  # the first query leaves the window
    assert q.arg_query("p1").status is None


def test_graph_resource_units_by_the_documented_table():
    assert graph_cost("GET", "/v1.0/groups/g/members") == 3
    assert graph_cost("GET", "/v1.0/groups/g/members?$select=id&$top=999") == 2
    assert graph_cost("GET", "/v1.0/groups/g/transitiveMembers?$select=id") == 4
    assert graph_cost("POST", "/v1.0/directoryObjects/getByIds") == 3
    assert graph_cost("GET", "/v1.0/users?$top=5") == 1
    assert graph_cost("GET", "/v1.0/groups/g?$select=id&$top=5") == 1  # never under 1
    assert graph_cost("GET", "/v1.0/groups/g/members?$expand=manager") == 4


def test_graph_bucket_by_tenant_size_answers_429_with_throttle_headers():
    t = FakeTime()
    small = Quota(AZURE, "tenant-1", users=10, clock=t)  # S: 3,500 RU per 10 s
    assert small.graph_ru == 3500
    assert Quota(AZURE, "t", users=500, clock=t).graph_ru == 5000
    assert Quota(AZURE, "t", users=501, clock=t).graph_ru == 8000
    url = "/v1.0/groups/g/transitiveMembers"  # 5 RU
    got = [small.graph_request("GET", url, "app") for _ in range(700)]
    assert all(v.status is None for v in got) and got[0].headers["x-ms-resource-unit"] == "5"
    assert "x-ms-throttle-limit-percentage" not in got[0].headers
    assert got[-1].headers["x-ms-throttle-limit-percentage"] == "1.0"
    refused = small.graph_request("GET", url, "app")
    assert refused.status == 429 and refused.headers["Retry-After"] == "1"
    assert refused.headers["x-ms-throttle-scope"] == "Tenant_Application/Read/app/tenant-1"
    assert refused.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
    assert refused.body["error"]["code"] == "TooManyRequests"
    assert refused.body["error"]["innerError"]["status"] == "429"


def test_scaled_limits_keep_the_shape():
    s = AZURE.scaled(10)
    assert (s.arm_bucket, s.arm_refill, s.arg_queries) == (25, 250.0, 15)
    assert s.arg_window == pytest.approx(0.05) and s.graph_window == pytest.approx(0.1)
    t = FakeTime()
    q = Quota(s, "t", users=10, clock=t)
    assert q.graph_ru == 350
    assert [q.arm_read(SUB_A, "p").status for _ in range(26)].count(429) == 1
    assert q.arm_read(SUB_A, "p").headers["Retry-After"] == "0.004"  # not rounded to 1 s


def test_every_batch_item_takes_a_token_and_the_batch_itself_none():
    tenant = synthetic_tenant(20, subscriptions=1)
    app = FakeAzure(tenant, "http://fake")
    t = FakeTime()
    app.throttle = Quota(AZURE.scaled(10), tenant.tenant_id, clock=t)  # 25 reads
    sub = tenant.subscriptions[0]["id"]
    auth = {"Authorization": "Bearer x"}
    items = {
        "requests": [
            {"name": str(i), "httpMethod": "GET", "url": f"{sub}?api-version=2022-12-01"}
            for i in range(20)
        ]
    }
    status, headers, body = app.handle("POST", "/batch", json.dumps(items).encode(), auth)
    assert status == 200 and headers["x-ms-ratelimit-remaining-tenant-reads"] == "25"
    left = [r["headers"]["x-ms-ratelimit-remaining-subscription-reads"] for r in body["responses"]]
    assert left == [str(24 - i) for i in range(20)]
    _, _, body = app.handle("POST", "/batch", json.dumps(items).encode(), auth)
    codes = [r["httpStatusCode"] for r in body["responses"]]
    assert codes == [200] * 5 + [429] * 15
    assert body["responses"][5]["content"]["error"]["code"] == "SubscriptionRequestsThrottled"
    assert principal_of("Bearer x") != principal_of("Bearer y")


def test_without_a_quota_the_fake_answers_as_before():
    tenant = synthetic_tenant(20, subscriptions=1)
    app = FakeAzure(tenant, "http://fake")
    sub = tenant.subscriptions[0]["id"]
    codes = {app.handle("GET", f"{sub}?api-version=2022-12-01", b"")[0] for _ in range(400)}
    assert codes == {200}


# -- the pacer ----------------------------------------------------------------------------------
def test_bucket_of_names_the_subscription_or_the_tenant():
    assert bucket_of(f"https://management.azure.com{SUB_A.upper()}/resourceGroups/x?a=1") == (
        "subscription:aaaaaaaa-0000-4000-8000-000000000001"
    )
    assert bucket_of("https://management.azure.com/subscriptions?api-version=1") == TENANT
    assert bucket_of("https://m/providers/Microsoft.Management/managementGroups/x") == TENANT
    h = {
        "X-Ms-Ratelimit-Remaining-Subscription-Reads": "17",
        "x-ms-ratelimit-remaining-tenant-reads": "200",
        "x-ms-ratelimit-remaining-resource": "Microsoft.Compute/GetVM3Min;3",
    }
    assert reads_left(h, "subscription:x") == 17 and reads_left(h, TENANT) == 200


def test_pacer_spends_the_bucket_then_goes_at_the_refill_rate():
    t = FakeTime()
    p = Pacer(quota=AZURE_READS, sleep=t.sleep, clock=t)
    url = f"https://m{SUB_A}/resourceGroups/rg?api-version=1"
    for _ in range(225):  # 250 less the reserve of 25
        assert p.take_for(url) == 0
    assert p.take_for(url) == pytest.approx(0.04)  # one token at 25 a second
    assert p.take_for(url) == pytest.approx(0.04)
    assert p.slowed == 2 and p.waited == pytest.approx(0.08)
    assert p.take_for(f"https://m{SUB_B}?api-version=1") == 0  # another bucket is full


def test_pacer_takes_a_batch_from_each_bucket_it_reads():
    t = FakeTime()
    p = Pacer(quota=ReadQuota(25, 250.0), sleep=t.sleep, clock=t)
    a, b = bucket_of(SUB_A), bucket_of(SUB_B)
    assert p.take({a: 20, b: 2}) == 0
    waited = p.take({a: 10, b: 10})  # a: 25 - 30 = -5, 2.5 + 5 tokens short at 250 a second
    assert waited == pytest.approx(7.5 / 250)
    assert t.slept == [waited]


def test_pacer_believes_a_lower_count_and_empties_on_429():
    t = FakeTime()
    p = Pacer(quota=AZURE_READS, sleep=t.sleep, clock=t)
    url = f"https://m{SUB_A}?api-version=1"
    p.observe(url, 200, {"x-ms-ratelimit-remaining-subscription-reads": "30"})  # others read too
    for _ in range(5):
        assert p.take_for(url) == 0
    assert p.take_for(url) > 0
    p.observe(url, 200, {"x-ms-ratelimit-remaining-subscription-reads": "249"})  # never raised
    assert p.take_for(url) > 0
    other = f"https://m{SUB_B}?api-version=1"
    # A provider's own window is not the read bucket: it does not slow the reads down.
    p.observe(other, 200, {"x-ms-ratelimit-remaining-resource": "Microsoft.Compute/Get3Min;2"})
    assert p.take_for(other) == 0
    p.observe(other, 429, {"Retry-After": "1"})
    assert p.take_for(other) == pytest.approx(26 / 25)


def test_a_pacer_without_quota_never_waits():
    t = FakeTime()
    p = Pacer(quota=None, sleep=t.sleep, clock=t)
    assert all(p.take_for(f"https://m{SUB_A}") == 0 for _ in range(1000))
    assert t.slept == [] and p.slowed == 0


# -- the collector against the quota-enforcing fake -----------------------------------------------
SCALE = 10  # buckets of 25 reads refilled at 250 a second
N = 2000  # about 300 reads through /batch, in one subscription


def _collect(
    tmp_path, name: str, quota: Limits | None, read_quota: ReadQuota | None, batch: bool = True
):
    with socket.socket() as s:  # the tenant's vault URIs and next links name the port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tenant = synthetic_tenant(N, subscriptions=1, base=f"http://127.0.0.1:{port}")
    with (
        serve(tenant, port=port, quota=quota) as (base, app),
        Store(tmp_path / f"{name}.db") as store,
    ):
        opts = CollectOptions(
            cloud=resolve_cloud("custom", arm=base, graph=base),
            scope=Scope.from_env(environ={"APP_INSIGHTS_INTERVAL": FIXED_INTERVAL}),
            read_quota=read_quota,
            batch=batch,
        )
        collector = Collector(store, StaticTokenCredential(), opts)
        result = collector.run()
        assert result.status == "complete", result
        throttled = store.conn.execute(
            "SELECT count(*) FROM exchanges WHERE snapshot_id = ? AND status = 429",
            (result.snapshot_id,),
        ).fetchone()[0]
        view = SnapshotView(store, result.snapshot_id)
        built = build(view)
        files = render(built.active_directory).replace(base.encode(), b"http://fake-azure")
        counted = sum(app.throttle.throttled.values()) if app.throttle else 0
        return files, throttled, counted, collector.pacer, len(app.batched)


@pytest.mark.loopback
def test_pacing_is_what_keeps_the_collector_out_of_a_429_storm(tmp_path):
    scaled = AZURE.scaled(SCALE)
    reads = ReadQuota(scaled.arm_bucket, scaled.arm_refill)  # the pacer knows the fake's bucket
    free, free_429, _, _, inner = _collect(tmp_path, "free", None, reads)
    paced, paced_429, paced_counted, pacer, _ = _collect(tmp_path, "paced", scaled, reads)
    storm, storm_429, storm_counted, _, _ = _collect(tmp_path, "storm", scaled, None)
    seen = {"inner": inner, "free": free_429, "paced": paced_429, "storm": storm_429}
    assert inner > 10 * scaled.arm_bucket, seen  # the run reads far more than one bucket holds
    # Paced, the run waits for the bucket instead of being refused.
    assert free_429 == 0 and paced_429 <= 3 and paced_counted == paced_429, seen
    assert pacer.slowed > 0 and pacer.waited > 0
    # The same run with pacing off: the fake refuses many reads (every one is stored) ...
    assert storm_429 >= 30 and storm_counted == storm_429, seen
    # ... and every run still ends with the same securiCAD JSON.
    assert paced == free and storm == free


@pytest.mark.loopback
def test_single_gets_are_paced_too(tmp_path):
    """``--no-batch``: every per-resource GET (and every retry) takes its token first. One at
    a time the collector sends fewer than 250 GETs a second here, so the bucket is smaller and
    slower: 10 reads refilled at 40 a second."""
    scaled = replace(AZURE.scaled(SCALE), arm_bucket=10, arm_refill=40.0)
    reads = ReadQuota(scaled.arm_bucket, scaled.arm_refill)
    _, paced_429, counted, pacer, inner = _collect(tmp_path, "single", scaled, reads, batch=False)
    assert inner == 0  # nothing went through /batch
    assert paced_429 <= 3 and counted == paced_429, paced_429
    assert pacer.slowed > 100  # most GETs waited once the first bucket was spent


def test_batches_take_turns_between_buckets():
    from snapdiff.collect.batch import Job, _by_turns, _Item

    def batch(sub: str, n: int) -> list[_Item]:
        job = Job("storage:blob", f"{sub}/x{n}", f"{sub}/x{n}", {}, False)
        return [_Item(job, f"https://m{sub}/x{n}")]

    batches = [batch(SUB_A, 1), batch(SUB_A, 2), batch(SUB_A, 3), batch(SUB_B, 4), batch("", 5)]
    order = [b[0].url.rsplit("/x", 1)[1] for b in _by_turns(batches)]
    assert order == ["1", "4", "5", "2", "3"]  # A, B, tenant, then the rest of A in order
