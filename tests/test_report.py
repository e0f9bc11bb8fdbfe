"""The report page without a browser: self-contained, escaped, its graphs laid out; the same
graphs as Mermaid in ``access --format mermaid`` and ``diff --format markdown``; the trend."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from report_fixtures import EVIL, hostile_store
from snapdiff.cli import main
from snapdiff.demo import load_demo
from snapdiff.diff.registry import REGISTRY, Section
from snapdiff.report import diff_report
from snapdiff.report.graph import COL_W, NODE_W, PAD, ROW_H, Graph, Node, layout, mermaid, svg
from snapdiff.report.page import json_for_script
from snapdiff.snapshot import SnapshotView


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    load_demo(path).store.close()
    return path


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def test_demo_report_is_one_file_with_nothing_to_fetch(demo_db, tmp_path):
    out = tmp_path / "r.html"
    code, _ = _run("report", "--store", str(demo_db), "-o", str(out))
    assert code == 0
    page = out.read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace, never loaded
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"\bsrc=", page)
    assert "@import" not in page and "url(" not in page.replace("url(#arrow)", "")


def test_hostile_display_name_is_escaped(tmp_path):
    hostile_store(tmp_path / "evil.db").close()
    out = tmp_path / "evil.html"
    code, _ = _run(
        "report", "week-a", "week-b", "--store", str(tmp_path / "evil.db"), "-o", str(out)
    )
    assert code == 0
    page = out.read_text()
    assert EVIL not in page
    assert "<img" not in page and page.count("<script") == 2
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in page  # markup: escaped
    assert "\\u003cimg src=x onerror" in page  # data block: escaped


def test_json_for_script_cannot_close_the_script():
    s = json_for_script({"a": "</script><!-- & \u2028"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert s == '{"a":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}'


def test_layout_columns_and_centring():
    g = Graph("t")
    g.chain([Node("p", 0, "principal", "Alice"), Node("a", 2, "assignment", "Owner")])
    g.chain([Node("p", 0, "principal", "Alice"), Node("g", 1, "group", "G"), Node("a", 2, "x", "")])
    g.chain([Node("a", 2, "assignment", "Owner"), Node("r1", 3, "resource", "kv1")])
    g.chain([Node("a", 2, "assignment", "Owner"), Node("r2", 3, "resource", "kv2")])
    pos, width, height = layout(g)
    # four layers, left to right; the tallest column (two resources) sets the height
    assert width == 2 * PAD + 3 * COL_W + NODE_W and height == 2 * ROW_H + 2 * PAD
    assert [pos[k][0] for k in ("p", "g", "a", "r1")] == [PAD + i * COL_W for i in range(4)]
    assert pos["r1"][1] == PAD and pos["r2"][1] == PAD + ROW_H
    assert pos["p"][1] == PAD + ROW_H // 2  # a single node sits in the middle
    assert g.edges == [("p", "a"), ("p", "g"), ("g", "a"), ("a", "r1"), ("a", "r2")]
    assert g.nodes["a"].kind == "assignment"  # the first node of a key is kept
    drawn = svg(g, "x")
    assert drawn.count('class="edge"') == 5 and drawn.count("<rect") == 5


def test_labels_are_escaped_in_svg_and_mermaid():
    g = Graph('a "quoted" <b>')
    g.chain([Node("p", 0, "principal", '<b>x</b> "q" ```'), Node("r", 1, "resource", "r&d")])
    drawn = svg(g, "id")
    assert "<b>" not in drawn and "&lt;b&gt;x&lt;/b&gt;" in drawn and "r&amp;d" in drawn
    m = mermaid(g)
    assert m.splitlines()[1] == '  n0(["#lt;b#gt;x#lt;/b#gt; #quot;q#quot; #96;#96;#96;"])'
    assert "```" not in m


def test_access_format_mermaid(demo_db):
    code, out = _run(
        "access",
        "week-1",
        "--store",
        str(demo_db),
        "--principal",
        "Eve Contractor",
        "--min-c",
        "8",
        "--format",
        "mermaid",
    )
    assert code == 0
    block = out.split("```mermaid\n", 1)[1].split("```", 1)[0]
    # Eve holds Owner at the subscription: web01 (C9) and kv-fab-prod-app (C9) under it
    assert '(["Eve Contractor (eve.contractor@fabrikamdemo.onmicrosoft.com)"])' in block
    assert '["Owner<br/>at subscription 3f2b7c1e…"]' in block
    assert '["web01<br/>C9 I9 A7"]' in block and '["kv-fab-prod-app<br/>C9 I9 A5"]' in block
    assert block.count("-->") == 3
    code, out = _run("access", "--store", str(demo_db), "--format", "mermaid")
    assert code == 2 and "give --resource or --principal" in out


def test_diff_markdown_embeds_the_report_graphs(demo_db):
    code, out = _run(
        "diff",
        "week-0",
        "week-1",
        "--store",
        str(demo_db),
        "--section",
        "access",
        "--format",
        "markdown",
    )
    assert code == 1
    paths = out.split("## Paths", 1)[1]
    assert paths.count("```mermaid") == 2  # Eve's and Dave's gains reach C9 resources
    assert "Fabrikam VM Operator" in paths and '(["Dave Ops"])' in paths


def test_report_refuses_to_overwrite(demo_db, tmp_path):
    out = tmp_path / "r.html"
    out.write_text("mine")
    code, msg = _run("report", "--store", str(demo_db), "-o", str(out))
    assert code == 2 and "is not a snapdiff report; give --force" in msg
    assert out.read_text() == "mine"
    code, _ = _run("report", "--store", str(demo_db), "-o", str(out), "--force")
    assert code == 0 and out.read_text().startswith("<!doctype html>")
    code, _ = _run("report", "week-1", "--store", str(demo_db), "-o", str(out))  # its own page
    assert code == 0 and "snapdiff snapshot overview" in out.read_text()
    code, msg = _run("report", "--store", str(demo_db), "-o", str(tmp_path / "no" / "r.html"))
    assert code == 2 and "no folder" in msg


def test_trend_with_three_snapshots(tmp_path):
    store = hostile_store(tmp_path / "t.db")
    from report_fixtures import (  # a third week: the Owner assignment stays
        CAROL_ID,
        EVIL_ID,
        OWNER,
        READER,
        RG,
        SUB,
        _ra,
        _snapshot,
    )

    scope = f"/subscriptions/{SUB}/resourceGroups/{RG}"
    _snapshot(
        store,
        "week-c",
        [
            _ra(1, CAROL_ID, READER, scope),
            _ra(2, EVIL_ID, OWNER, scope),
            _ra(3, CAROL_ID, OWNER, scope),
        ],
    )
    store.close()
    out = tmp_path / "t.html"
    code, _ = _run("report", "--store", str(tmp_path / "t.db"), "-o", str(out))
    assert code == 0
    page = out.read_text()
    trend = page.split('<section id="trend">', 1)[1].split("</section>", 1)[0]
    assert "<title>privileged assignments per snapshot</title>" in trend
    # one Owner in week b, two in week c; none in week a
    assert re.findall(r"<title>(week-\w): (\d+)</title>", trend) == [
        ("week-a", "1"),
        ("week-b", "1"),
        ("week-c", "1"),
        ("week-a", "0"),
        ("week-b", "1"),
        ("week-c", "2"),
        # exposed resources: the vault has no network rules, so Azure's default (public
        # network access allowed) lets the Internet reach it every week
        ("week-a", "1"),
        ("week-b", "1"),
        ("week-c", "1"),
    ]


@dataclass
class _Exposure:
    """The JSON shape of the exposure section's changes: findings with a path of hops."""

    changes: list[dict] = field(default_factory=list)
    not_compared: list[dict] = field(default_factory=list)


KV = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-crown/providers/Microsoft.KeyVault/vaults/kv-crown"
PIP = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-crown/providers/Microsoft.Network/publicIPAddresses/pip-crown"


class _ExposureSection(Section[_Exposure]):
    name, order, title, result = "exposure", 70, "Internet exposure", _Exposure
    default = False

    def compute(self, ctx):
        hops = [
            {"kind": "public-ip", "name": "pip-crown", "id": PIP, "detail": "20.1.2.3 (Standard)"},
            {
                "kind": "nsg-rule",
                "name": "nsg-crown/allow-https",
                "id": None,
                "detail": "Allow Tcp 443 from Internet",
            },
        ]
        return _Exposure(
            [
                {
                    "change": "reachable",
                    "resource": KV,
                    "short": "kv-crown (key vault)",
                    "type": "microsoft.keyvault/vaults",
                    "cia": [9, 8, 7],
                    "protocol": "Tcp",
                    "ports": "443",
                    "path": hops,
                },
                {
                    "change": "unreachable",
                    "resource": KV,
                    "short": "kv-crown (key vault)",
                    "type": "microsoft.keyvault/vaults",
                    "cia": [9, 8, 7],
                    "protocol": "Tcp",
                    "ports": "22",
                    "path": hops,
                },
            ],
            [{"subject": "exposure of vm1", "reason": "NSG nsg-vm1 not readable in B"}],
        )

    def counts(self, result, diff):
        return {"reachable": 1, "unreachable": 1}


def test_any_section_with_paths_is_drawn(tmp_path, monkeypatch):
    """A section the report does not know (exposure's shape) still becomes rows, notes and
    graphs: only what became reachable is drawn, ending at the resource."""
    monkeypatch.setitem(REGISTRY, "exposure", _ExposureSection())
    store = hostile_store(tmp_path / "x.db")
    a, b = (SnapshotView(store, i) for i in (1, 2))
    page = diff_report(a, b)
    store.close()
    assert "not compared (exposure): exposure of vm1: NSG nsg-vm1 not readable in B" in page
    figures = re.findall(r'<details class="figure" id="(path-exposure[^"]*)"', page)
    assert figures == ["path-exposure-changes-0"]
    svg_part = page.split('id="path-exposure-changes-0"', 1)[1].split("</svg>", 1)[0]
    labels = re.findall(
        r'<text x="\d+" y="\d+" font-size="12" fill="#202124">([^<]*)</text>', svg_part
    )
    assert labels == ["pip-crown", "nsg-crown/allow-https", "kv-crown"]
    assert "kv-crown (key vault) reachable Tcp 443" in svg_part  # the caption
    rows = json.loads(page.split('id="report-data">', 1)[1].split("</script>", 1)[0])["tables"][0]
    strings = rows["strings"]
    names = [
        (strings[r[0]], strings[r[1]], r[2]) for r in rows["rows"] if strings[r[0]] == "exposure"
    ]
    assert ("exposure", "reachable", "kv-crown (key vault)") in names
    assert ("exposure", "unreachable", "kv-crown (key vault)") in names


def test_alternative_rules_side_by_side_nsg_rules_in_series():
    from snapdiff.report.paths import hop_graphs

    sql = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/sql1"
    vm = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
    findings = [
        {
            "resource": sql,
            "cia": [9, 1, 1],
            "path": [
                {"kind": "firewall-rule", "name": "office", "id": None, "detail": "203.0.113.10"},
                {"kind": "firewall-rule", "name": "vpn", "id": None, "detail": "198.51.100.0/24"},
            ],
        },
        {
            "resource": vm,
            "cia": None,
            "path": [
                {"kind": "public-ip", "name": "pip1", "id": "pip1-id", "detail": "20.1.2.3"},
                {"kind": "nsg-rule", "name": "nsg-subnet/allow-rdp", "id": None, "detail": ""},
                {"kind": "nsg-rule", "name": "nsg-nic/allow-rdp", "id": None, "detail": ""},
            ],
        },
    ]
    (one, two), skipped = hop_graphs("exposure", findings)
    assert skipped == 0
    assert {k: n.layer for k, n in one.graph.nodes.items()} == {"h0": 0, "h1": 0, "res": 1}
    assert one.graph.edges == [("h0", "res"), ("h1", "res")]
    assert [n.layer for n in two.graph.nodes.values()] == [0, 1, 2, 3]
    assert two.graph.edges == [("h0", "h1"), ("h1", "h2"), ("h2", "res")]
    assert two.graph.nodes["res"].sub == "untagged"


def test_one_snapshot_store_gives_the_overview(tmp_path):
    from report_fixtures import CAROL_ID, READER, RG, SUB, _ra, _snapshot
    from snapdiff.store import Store

    store = Store(tmp_path / "one.db")
    _snapshot(
        store, "only", [_ra(1, CAROL_ID, READER, f"/subscriptions/{SUB}/resourceGroups/{RG}")]
    )
    store.close()
    out = tmp_path / "one.html"
    code, _ = _run("report", "--store", str(tmp_path / "one.db"), "-o", str(out))
    assert code == 0
    page = out.read_text()
    assert "<title>snapdiff snapshot overview</title>" in page
    assert "snapshot #1 &#x27;only&#x27;" in page
    # Carol only reads: no principal holds a privileged capability
    assert '<td data-col="0">principals with privileged access</td><td data-col="1">0</td>' in page
