"""Sources plug in through the registry alone: a toy source is collected, stored and read
back with no change anywhere else."""

from __future__ import annotations

from typing import Any

import pytest

from fakeazure.cassettes import fake_options
from fakeazure.server import serve
from snapdiff.collect import collect
from snapdiff.collect.credentials import StaticTokenCredential
from snapdiff.collect.fetcher import FetchFailed
from snapdiff.collect.sources import REGISTRY, CollectContext, load_builtin_sources, ordered
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store
from test_cli import clean_tenant

WIDGETS = "toy:widgets"


class ToyWidgets:
    """Lists Contoso.Toy widgets in every subscription (needs the subscriptions source)."""

    name = "toy"
    calls = (WIDGETS,)
    needs = ("subscriptions",)

    def run(self, ctx: CollectContext) -> int:
        listed = 0
        for sub in ctx.provided["subscriptions"]:
            scope = f"/subscriptions/{sub}"
            try:
                listed += len(
                    ctx.fetcher.list(
                        WIDGETS,
                        scope.lower(),
                        f"{scope}/providers/Contoso.Toy/widgets",
                        {"api-version": "2024-01-01"},
                    )
                )
            except FetchFailed as e:  # recorded on its fetch row; the run goes on
                ctx.note(f"toy: {scope}: {e}")
        return listed


def test_the_builtin_sources_run_in_the_order_azure_needs():
    names = [s.name for s in ordered(load_builtin_sources().values())]
    assert names == [
        "subscriptions",
        "resourcegraph",
        "managementgroups",
        "authorization",
        "graph",
        "per-resource",
    ]


def test_ordered_refuses_a_need_nobody_provides():
    class Lost:
        name, calls, needs = "lost", (), ("nowhere",)

        def run(self, ctx: CollectContext) -> None: ...

    with pytest.raises(ValueError, match="needs nowhere"):
        ordered([*load_builtin_sources().values(), Lost()])


@pytest.mark.loopback
def test_a_toy_source_added_through_the_registry_alone_is_collected(tmp_path, monkeypatch):
    load_builtin_sources()
    monkeypatch.setitem(REGISTRY, "toy", ToyWidgets())
    tenant = clean_tenant()
    sub1, sub2 = (s["subscriptionId"] for s in tenant.subscriptions)
    widgets = [
        {
            "id": f"/subscriptions/{sub1}/providers/Contoso.Toy/widgets/w{i}",
            "name": f"w{i}",
            "type": "Contoso.Toy/widgets",
        }
        for i in range(3)
    ]
    tenant.responses[f"/subscriptions/{sub1}/providers/contoso.toy/widgets"] = widgets
    tenant.forbidden.add(f"/subscriptions/{sub2}/providers/contoso.toy/widgets")
    with serve(tenant) as (base, _):
        opts = fake_options(base)
        store = Store(tmp_path / "s.db")
        result = collect(store, StaticTokenCredential(), opts)
    assert result.status == "complete", result.sources  # a 403 is a definitive answer
    toy = {s["name"]: s for s in store.sources(result.snapshot_id)}["toy"]
    assert toy["status"] == "forbidden" and toy["outcomes"] == {"forbidden": 1, "ok": 1}
    view = SnapshotView(store, result.snapshot_id)
    got: Any = view.fetch(WIDGETS, f"/subscriptions/{sub1}".lower())
    assert got.ok and [w["name"] for w in got.items()] == ["w0", "w1", "w2"]
    refused: Any = view.fetch(WIDGETS, f"/subscriptions/{sub2}".lower())
    assert refused.status == "forbidden"  # never an empty list
