"""Exposure recomputed for what changed only, from the row index.

When the index is written (``rowindex.register_derived``), the whole exposure of the snapshot
is computed once through a ``TrackingNetwork`` that notes every lookup each target makes:

- ``exposure`` rows, one per target (VM, scale set, PaaS): its status (``f`` findings, ``u``
  unknown with the reason, ``""`` neither) and its *dependencies*, tokens naming what it read:
  ``row|<id>`` (a row, found or not), ``subnet|``, ``pool|``, ``cfg|``, ``nat|``, ``natcfg|``,
  ``lbrule|`` (an entry of the network's derived tables, filled from virtual network and load
  balancer rows), ``fetch|<call>|<target>`` (a per-resource listing), and the hops of its
  findings (what a diff's causes read on the other side). A row with an empty id holds the
  version: a hash of this package's code, so that results of other code are never reused.
- ``exposure-dep`` rows: per token, the targets that read it;
- ``exposure-contrib`` rows: per derived token, the rows that fill it.

Between two indexed snapshots, a target whose dependencies hold the same stored text on both
sides computes the same findings on both: the lookups of one side read what the other reads,
in the same order, until one differs; a row that fills a derived entry on one side only is
added or changed, and is named by the dependencies of the side that read it. So ``plan`` takes
the rows whose stored text differs (``rowindex.differing_resources``), the derived tokens they
fill on either side and the listings whose status or bodies differ; the targets depending on
any of them, on either side, are *affected* and computed again on both sides from the rows
their dependencies name (``RowReader`` parses only those). Every other target keeps the status
stored for it, identical on both sides, which is all the diff reports of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import rowindex
from ..snapshot import Fetch, SnapshotView
from .compute import Computer
from .model import Finding
from .network import Network
from .query import ExposureReport, check_target, is_target, report_of

KIND, DEPS, CONTRIB = "exposure", "exposure-dep", "exposure-contrib"
_NETWORK_FILLERS = ("microsoft.network/virtualnetworks", "microsoft.network/loadbalancers")
# Beyond these shares of rows touched or targets affected (and more than BROAD of them), the
# full computation is cheaper.
MAX_TOUCHED_SHARE = 0.25
MAX_AFFECTED_SHARE = 0.25
BROAD = 500


def _broad(n: int, share: float, total: int) -> bool:
    return n > BROAD and n > share * total


def _code_version() -> str:
    h = hashlib.blake2b(digest_size=8)
    for p in sorted(Path(__file__).parent.glob("*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


VERSION = _code_version()


# -- recording what each target reads ----------------------------------------------------------
class _Recorder:
    def __init__(self) -> None:
        self.deps: set[str] | None = None

    def add(self, token: str) -> None:
        if self.deps is not None:
            self.deps.add(token)


class _Tracked(dict[str, Any]):
    """A network table that notes each key looked up (found or not)."""

    def __init__(self, data: dict[str, Any], prefix: str, rec: _Recorder):
        super().__init__(data)
        self._prefix, self._rec = prefix, rec

    def get(self, key: Any, default: Any = None) -> Any:
        self._rec.add(self._prefix + str(key))
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._rec.add(self._prefix + str(key))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._rec.add(self._prefix + str(key))
        return super().__contains__(key)


class TrackingNetwork(Network):
    def __init__(self, rows: dict[str, dict[str, Any]], rec: _Recorder):
        super().__init__(rows)
        self._rec = rec
        self.nics = _Tracked(self.nics, "row|", rec)
        self.pips = _Tracked(self.pips, "row|", rec)
        self.route_tables = _Tracked(self.route_tables, "row|", rec)
        self.subnets = _Tracked(self.subnets, "subnet|", rec)
        self.by_pool = _Tracked(self.by_pool, "pool|", rec)
        self.by_nat = _Tracked(self.by_nat, "nat|", rec)
        self.nat_by_ipconfig = _Tracked(self.nat_by_ipconfig, "natcfg|", rec)
        self.pools_of_ipconfig = _Tracked(self.pools_of_ipconfig, "cfg|", rec)
        self.lb_rules = _Tracked(self.lb_rules, "lbrule|", rec)

    def nsg(self, nid: str) -> Any:
        self._rec.add("row|" + nid)
        return super().nsg(nid)


class _Fetches:
    """A snapshot's per-resource listings, noting each one read."""

    def __init__(self, view: SnapshotView, rec: _Recorder):
        self.view, self.rec = view, rec

    def fetch(self, call: str, target: str) -> Fetch | None:
        self.rec.add(fetch_token(call, target))
        return self.view.fetch(call, target)


def fetch_token(call: str, target: str) -> str:
    return f"fetch|{call}|{target}".lower()


def contributions(row: dict[str, Any]) -> list[str]:
    """The derived tokens a virtual network or load balancer row fills (none for others)."""
    net = Network({str(row.get("id", "")).lower(): row})
    out = [f"subnet|{k}" for k in net.subnets]
    for prefix, table in (
        ("pool|", net.by_pool),
        ("nat|", net.by_nat),
        ("natcfg|", net.nat_by_ipconfig),
        ("cfg|", net.pools_of_ipconfig),
        ("lbrule|", net.lb_rules),
    ):
        out += [prefix + k for k in table]
    return out


def _nsg_of_rule(rule_id: str) -> str:
    return rule_id.lower().split("/securityrules/")[0].split("/defaultsecurityrules/")[0]


def path_tokens(findings: list[Finding]) -> set[str]:
    """What a diff's causes look up for these findings, on either side."""
    out: set[str] = set()
    for f in findings:
        for h in f.path:
            if not h.id:
                continue
            hid = h.id.lower()
            if h.kind in ("nic", "public-ip"):
                out.add("row|" + hid)
            elif h.kind == "subnet":
                out.add("subnet|" + hid)
            elif h.kind == "nsg-rule":
                out.add("row|" + _nsg_of_rule(hid))
            elif h.kind in ("load-balancer-rule", "inbound-nat-rule", "inbound-nat-pool"):
                out.add("lbrule|" + hid)
    return out


# -- written with the row index ----------------------------------------------------------------
def derive(view: SnapshotView) -> list[tuple[str, rowindex.Entry]]:
    """The ``exposure``, ``exposure-dep`` and ``exposure-contrib`` rows of a snapshot; none
    when its exposure cannot be computed (rows Azure never sends): the index is written
    without them, and the diff takes the full path, which reports the error."""
    try:
        return list(_derive(view))
    except (ValueError, TypeError, KeyError, AttributeError):
        return []


def _derive(view: SnapshotView) -> Iterator[tuple[str, rowindex.Entry]]:
    rows = view.resources()
    rec = _Recorder()
    comp = Computer(TrackingNetwork(rows, rec))
    fetches = _Fetches(view, rec)
    readers: dict[str, list[str]] = {}
    fillers: dict[str, list[str]] = {}
    for key, row in rows.items():
        if str(row.get("type", "")).lower() in _NETWORK_FILLERS:
            for tok in contributions(row):
                fillers.setdefault(tok, []).append(str(row["id"]))  # as stored
        if not is_target(row):
            continue
        rec.deps = deps = {"row|" + key}
        found, unk = check_target(fetches, comp, row) or ([], None)
        rec.deps = None
        deps |= path_tokens(found)
        status = "u" if unk is not None else ("f" if found else "")
        rtype = str(row.get("type", "")).lower()
        # the rows it read as stored (ids keep their case): read back by primary key
        ids = {
            "id|" + str(rows[t[4:]]["id"]) for t in deps if t.startswith("row|") and t[4:] in rows
        }
        body = "\n".join(sorted(deps | ids))
        reason = unk.reason if unk is not None else ""
        yield KIND, rowindex.plain_entry(key, rtype, status, reason, str(row["id"]), body)
        for tok in deps:
            readers.setdefault(tok, []).append(key)
    n = sum(1 for row in rows.values() if is_target(row))
    # the version, how many targets and rows
    yield KIND, rowindex.plain_entry("", VERSION, "", str(n), str(len(rows)), "")
    for tok, keys in readers.items():
        yield DEPS, rowindex.plain_entry(tok, "", "", "", "", "\n".join(keys))
    for tok, keys in fillers.items():
        yield CONTRIB, rowindex.plain_entry(tok, "", "", "", "", "\n".join(keys))


rowindex.register_derived("exposure", (KIND, DEPS, CONTRIB), derive, VERSION)


# -- read by the diff --------------------------------------------------------------------------
@dataclass
class Head:
    """What the diff reports of a target that did not change: the same on both sides."""

    id: str
    type: str
    status: str  # f: has findings, u: unknown
    reason: str


@dataclass
class Plan:
    affected: set[str]  # lower-cased ids of the targets to compute again, on both sides
    rows: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]  # A's and B's, sorted
    unknown: dict[str, Head]  # the other targets whose exposure is not known (on both sides)
    compared: int  # the other targets with findings (the same on both sides)
    parsed: int  # rows parsed, both sides


def _lines(e: rowindex.Entry) -> list[str]:
    return (e.body or "").split("\n") if e.body else []


def _changed_fetches(a: SnapshotView, b: SnapshotView) -> set[str]:
    out = set()
    for call in set(a.calls()) | set(b.calls()):
        if call.startswith("resourcegraph:"):
            continue  # resource rows: compared through the index
        fa = {f.target: (f.status, f.page_hashes) for f in a.fetches(call)}
        fb = {f.target: (f.status, f.page_hashes) for f in b.fetches(call)}
        out |= {fetch_token(call, t) for t in fa.keys() | fb.keys() if fa.get(t) != fb.get(t)}
    return out


def _counts(view: SnapshotView) -> tuple[int, int] | None:
    """How many targets and rows the exposure rows of ``view`` were computed from; None when
    it has none written by this code."""
    head = rowindex.kind_entries(view, KIND, [""]).get("")
    return (int(head.sub), int(head.rg)) if head is not None and head.type == VERSION else None


def _heads(view: SnapshotView) -> dict[str, Head]:
    return {k: Head(*h) for k, h in rowindex.derived_heads(view, KIND).items() if k}


def plan(a: SnapshotView, b: SnapshotView) -> Plan | None:
    """What to compute again between two snapshots; None when the full computation must run:
    either has no index or none written by this code, they sit in two stores, or the change
    is too broad."""
    if a.store is not b.store or not (
        rowindex.is_indexed(a.store, a.id) and rowindex.is_indexed(b.store, b.id)
    ):
        return None
    ca, cb = _counts(a), _counts(b)
    if ca is None or cb is None:
        return None
    sides = (a, b)
    readers = (rowindex.RowReader(a), rowindex.RowReader(b))
    # rows whose stored text (or stored id) differs: changed ones are in both
    differ = rowindex.differing_resources(a, b)
    touched = {k: r[1] for k, r in differ[1].items()}
    touched.update((k, r[1]) for k, r in differ[0].items() if k not in differ[1])
    if _broad(len(touched), MAX_TOUCHED_SHARE, max(ca[1], cb[1])):
        return None
    tokens = {"row|" + k for k in touched} | _changed_fetches(a, b)
    for r, d in zip(readers, differ, strict=True):
        fill = [e for e in d.values() if e[1] in _NETWORK_FILLERS]
        for row in r.parse(fill).values():
            tokens.update(contributions(row))
    affected = {k for k, t in touched.items() if is_target({"type": t})}
    for v in sides:
        for e in rowindex.kind_entries(v, DEPS, tokens).values():
            affected.update(_lines(e))
    if _broad(len(affected), MAX_AFFECTED_SHARE, max(ca[0], cb[0])):
        return None
    # every token an affected target read, on either side, and those rows' stored ids: a row
    # of one side is either under an id the index rows of a side name, or differs (and its
    # id is in ``differ``), so every row is found by primary key
    need: set[str] = {"row|" + k for k in affected}
    for v in sides:
        for e in rowindex.kind_entries(v, KIND, affected).values():
            need.update(_lines(e))
    keys = {t[4:] for t in need if t.startswith("row|")}
    ids = {t[3:] for t in need if t.startswith("id|")}
    derived = [t for t in need if not t.startswith(("row|", "fetch|", "id|"))]
    loaded = []
    for v, r, d in zip(sides, readers, differ, strict=True):
        exact = set(ids)
        for e in rowindex.kind_entries(v, CONTRIB, derived).values():
            exact.update(_lines(e))
        exact.update(d[k][0] for k in keys | {i.lower() for i in exact} if k in d)
        loaded.append(dict(sorted(r.rows(exact).items())))
    # The other targets keep their stored status, the same on both sides (else: compute all).
    unknown = []
    compared = []
    for v in sides:  # targets with findings or unknown, read once (the others hold neither)
        heads = {k: h for k, h in _heads(v).items() if k not in affected}
        unknown.append({k: h for k, h in heads.items() if h.status == "u"})
        compared.append(sum(h.status == "f" for h in heads.values()))
    if unknown[0] != unknown[1] or compared[0] != compared[1]:
        return None
    rows = (loaded[0], loaded[1])
    return Plan(affected, rows, unknown[1], compared[1], sum(r.parsed for r in readers))


def partial_report(
    view: SnapshotView, rows: dict[str, dict[str, Any]], targets: Iterable[str]
) -> ExposureReport:
    """The exposure of ``targets`` alone, from ``rows`` (all they read), as ``compute`` would
    report them."""
    return report_of(view, rows, (rows[k] for k in sorted(targets) if k in rows))
