"""The collector's own sources, in the order Azure needs them: subscriptions, Resource Graph,
management groups, role assignments, Graph members and names, per-resource calls."""

from __future__ import annotations

from typing import Any

from ...naming.calls import (
    ARG_CONTAINERS,
    ARG_RESOURCES,
    DENY_ASSIGNMENTS,
    GRAPH_MEMBERS,
    GRAPH_TRANSITIVE_MEMBERS,
    MANAGEMENT_GROUP_GET,
    MANAGEMENT_GROUPS_LIST,
    PER_RESOURCE,
    PRINCIPALS_GET_BY_IDS,
    ROLE_ASSIGNMENTS,
    ROLE_DEFINITION,
    ROLE_ELIGIBILITY,
    SUBSCRIPTIONS_GET,
    SUBSCRIPTIONS_LIST,
)
from . import CollectContext, source


@source
class Subscriptions:
    name = "subscriptions"
    calls = (SUBSCRIPTIONS_GET, SUBSCRIPTIONS_LIST)
    needs: tuple[str, ...] = ()

    def run(self, ctx: CollectContext) -> Any:
        return ctx.collector._subscriptions()


@source
class ResourceGraph:
    name = "resourcegraph"
    calls = (ARG_CONTAINERS, ARG_RESOURCES)
    needs = ("subscriptions",)

    def run(self, ctx: CollectContext) -> Any:
        return ctx.collector._resource_graph(ctx.provided["subscriptions"])


@source
class ManagementGroups:
    name = "managementgroups"
    calls = (MANAGEMENT_GROUPS_LIST, MANAGEMENT_GROUP_GET)
    needs: tuple[str, ...] = ()

    def run(self, ctx: CollectContext) -> Any:
        return ctx.collector._management_groups()


@source
class Authorization:
    name = "authorization"
    calls = (ROLE_ASSIGNMENTS, ROLE_DEFINITION, DENY_ASSIGNMENTS, ROLE_ELIGIBILITY)
    needs = ("subscriptions", "managementgroups")

    def run(self, ctx: CollectContext) -> tuple[list[str], list[str]]:
        """(groups holding a role, every principal holding one)."""
        return ctx.collector._authorization(
            ctx.provided["subscriptions"], ctx.provided["managementgroups"]
        )


@source
class Graph:
    name = "graph"
    calls = (GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS, PRINCIPALS_GET_BY_IDS)
    needs = ("authorization",)

    def run(self, ctx: CollectContext) -> None:
        groups, principals = ctx.provided["authorization"]
        ctx.collector._graph(groups, principals)


@source
class PerResource:
    name = "per-resource"
    calls = tuple(c.call for calls in PER_RESOURCE.values() for c in calls)
    needs = ("resourcegraph",)

    def run(self, ctx: CollectContext) -> Any:
        ctx.collector._per_resource(ctx.provided["resourcegraph"])
