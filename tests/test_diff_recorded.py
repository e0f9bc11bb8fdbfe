"""The differ on snapshots recorded through cassettes of the fake tenant (demo weeks and
variants): each section, noise, a forbidden source, a partial snapshot, different scopes,
and golden text / JSON / Markdown output through the CLI."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import _offline, copy_store
from snapdiff.cli import main
from snapdiff.diff.api import diff_snapshots
from snapdiff.diff.render_json import render_json
from snapdiff.diff.schema import schema_errors
from snapdiff.snapshot import SnapshotView

GOLDEN = Path(__file__).parent / "golden" / "diff"
UPDATE = os.environ.get("SNAPDIFF_UPDATE_GOLDEN") == "1"
_TIMES = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?")


@pytest.fixture(scope="module")
def variants(demo_store, tmp_path_factory):
    """The demo store plus week 1 collected without Graph rights and with a narrower scope."""
    store, r0, r1 = demo_store
    folder = tmp_path_factory.mktemp("variants")
    # A copy of the session's demo weeks (week 0 is not replayed again) plus the two variants.
    other, nograph, scoped = _offline(
        folder,
        ("demo-week1-nograph", "nograph"),
        ("demo-week1-scoped", "scoped"),
        into=copy_store(store, folder / "s.db"),
    )
    return store, r0, r1, other, r0, nograph, scoped


def as_json(d) -> dict:
    return json.loads(render_json(d))


def test_week_over_week_every_section(demo_store):
    store, r0, r1 = demo_store
    d = as_json(
        diff_snapshots(SnapshotView(store, r0.snapshot_id), SnapshotView(store, r1.snapshot_id))
    )
    assert schema_errors(d) == []
    res = d["resources"]
    assert {r["name"] for r in res["added"]} >= {"web03", "nic-web03"}
    assert [r["name"] for r in res["removed"]] == ["stfabstagingtmp01"]
    [move] = res["moved"]
    assert "mariadb-fab-legacy" in json.dumps(move) and "rg-app-staging" in json.dumps(move)
    [rename] = res["renamed"]
    assert "disk-orphan-backup" in json.dumps(rename) and "disk-backup-2026-11" in json.dumps(
        rename
    )
    nsg = next(c for c in res["changed"] if c["name"] == "nsg-web")
    assert any(ch["new"] == "Internet" for ch in nsg["changes"])
    assert not [c for c in res["changed"] if c["name"] in ("vnet-hub", "nsg-mgmt", "vmss-batch")]
    assert d["noise"]["ignored_changes"] > 0 and d["noise"]["resources_only_noise"] > 0
    rbac = d["rbac"]
    assert len(rbac["added"]) == 1 and rbac["added"][0]["privileged"]
    assert len(rbac["removed"]) == 1
    assert [r["role_name"] for r in rbac["definitions_changed"]] == ["Fabrikam VM Operator"]
    cia = d["cia"]["changed"]
    assert {c["change"] for c in cia} == {"added", "removed", "changed"}
    assert any(c["after"] and c["after"]["problems"] for c in cia)  # the malformed new tag
    assert d["groups"]["changed"] and all(g["privileged"] for g in d["groups"]["changed"])
    [mg] = d["mgmt"]["moved"]
    assert mg["id"].endswith("/mg-sandbox") and mg["new_parent_id"].endswith("/mg-landingzones")
    assert d["not_compared"] == []


def test_no_default_ignores_shows_the_noise(demo_store):
    store, r0, r1 = demo_store
    a, b = SnapshotView(store, r0.snapshot_id), SnapshotView(store, r1.snapshot_id)
    quiet = as_json(diff_snapshots(a, b))
    loud = as_json(diff_snapshots(a, b, default_ignores=False))
    assert len(loud["resources"]["changed"]) > len(quiet["resources"]["changed"])
    paths = {ch["path"] for c in loud["resources"]["changed"] for ch in c["changes"]}
    assert any("etag" in p for p in paths) and loud["noise"]["ignored_changes"] == 0


def test_forbidden_graph_in_one_snapshot_is_not_reported_as_removals(variants):
    _, _, _, other, week0, nograph, _ = variants
    assert nograph.status == "complete"  # forbidden is definitive: coverage, not failure
    d = as_json(
        diff_snapshots(
            SnapshotView(other, week0.snapshot_id), SnapshotView(other, nograph.snapshot_id)
        )
    )
    assert d["groups"]["changed"] == []  # nothing "removed" although B holds no members at all
    reasons = " ".join(n["reason"] for n in d["not_compared"] if n["section"] == "groups")
    assert "forbidden" in reasons
    assert any("B (#" in n and "limited coverage (graph" in n for n in d["notes"])
    assert d["rbac"]["added"]  # other sections still compared


def test_different_scopes_compare_only_the_common_part(variants):
    _, _, _, other, week0, _, scoped = variants
    d = as_json(
        diff_snapshots(
            SnapshotView(other, week0.snapshot_id), SnapshotView(other, scoped.snapshot_id)
        )
    )
    removed = {r["resource_group"].lower() for r in d["resources"]["removed"]}
    assert removed <= {"rg-app-prod", "rg-aks-prod"}  # nothing outside B's scope shows as deleted
    assert any("scope" in n for n in d["notes"])
    assert "web03" in {r["name"] for r in d["resources"]["added"]}


@pytest.mark.parametrize("fmt, ext", [("text", "txt"), ("json", "json"), ("markdown", "md")])
def test_golden_cli_output(demo_store, fmt, ext):
    store, _, _ = demo_store
    result = CliRunner().invoke(
        main, ["diff", "week-0", "week-1", "--store", str(store.path), "--format", fmt]
    )
    assert result.exit_code == 1, result.output  # changes found
    text = _TIMES.sub("<time>", result.output)
    text = re.sub(r'"uid": "[0-9a-f]{32}"', '"uid": "<uid>"', text)
    text = re.sub(r"\b[0-9a-f]{32}\b", "<uid>", text)
    path = GOLDEN / f"demo.{ext}"
    if UPDATE or not path.exists():
        assert UPDATE, f"missing {path}; run with SNAPDIFF_UPDATE_GOLDEN=1"
        path.write_text(text)
    assert text == path.read_text()


def _entry(text: str, head: str) -> str:
    """The lines of one access entry: its head line and the indented lines under it."""
    lines = text.splitlines()
    i = lines.index(head)
    out = [head]
    for line in lines[i + 1 :]:
        if not line.startswith("    "):
            break
        out.append(line)
    return "\n".join(out)


EVE = "Eve Contractor <eve.contractor@fabrikamdemo.onmicrosoft.com> (User 259e0f9b…)"


def test_golden_text_facts():
    """Facts the demo text report must hold, written from the demo tenant's script (week 1:
    Eve made Owner of the prod subscription, web01 raised to C9, nsg-web's SSH rule opened to
    the Internet, sg-app-contractors removed from sg-app-devs), not read from the output."""
    text = (GOLDEN / "demo.txt").read_text()
    # access is in the default diff, and names Eve's new access to a C>=8 resource first
    assert "\nAccess\n" in text and "  access: 4 gained, 8 lost, 8 raised" in text
    access = text.split("\nAccess\n", 1)[1]
    assert access.splitlines()[0] == f"  {EVE}"  # highest CIA value reached comes first
    eve = _entry(access, f"  {EVE}")
    assert "    + gained grant, run, secrets, write, delete, read on 51 resources" in eve
    assert "because new assignment: Owner at subscription 3f2b7c1e…" in eve
    assert "rg-app-prod/web01 (virtualMachines)  C9 I9 A7: grant, run" in eve
    # one entry per principal: Dave's two gains (role definition, group) sit under one head
    dave = _entry(access, "  Dave Ops <dave.ops@fabrikamdemo.onmicrosoft.com> (User e36e5b6a…)")
    assert "because role definition changed: Fabrikam VM Operator" in dave
    assert "because new member of group sg-platform-admins (Owner at management group" in dave
    assert access.count("Dave Ops <dave.ops") == 1
    # role assignments: the name before the id, the scope in short form
    assert f"  + Owner for {EVE}  [privileged]\n      on subscription 3f2b7c1e…" in text
    # the NSG change as rule lines, not a JSON fragment
    assert "  ~ rg-app-prod/nsg-web (networkSecurityGroups)\n" in text
    assert (
        "      - rule allow-ssh-from-hub 130 Inbound Allow Tcp from 10.0.1.0/24 to * port 22"
        in text
    )
    assert (
        "      + rule allow-ssh-from-hub 130 Inbound Allow Tcp from Internet to * port 22" in text
    )
    assert "securityRules[" not in text
    # short forms only: no ARM id, and every line within 120 columns
    assert "/subscriptions/" not in text and "/providers/" not in text
    assert max(len(line) for line in text.splitlines()) <= 120
    # sections sorted by the highest CIA value: web01 (C9) leads resources and CIA tags
    assert text.split("\nResources\n")[1].split("  ~ ")[1].startswith("rg-app-prod/web01 ")
    assert text.split("\nCIA tags\n")[1].startswith("  ~ rg-app-prod/web01 (virtualMachines)")
    assert "  ~ sg-app-devs (Group d3b3d335…)  [privileged]" in text
    assert "  > Sandbox (mg-sandbox) moved from 5f1c2d3e-8a7b-4c6d-9e0f-1a2b3c4d5e6f to" in text


def test_golden_markdown_and_json_facts():
    md = (GOLDEN / "demo.md").read_text()
    assert "\n## Access\n" in md and f"- **{EVE}**" in md
    assert f"| added | Owner | {EVE} | `subscription 3f2b7c1e…` | C9 I9 A10 | **yes** |" in md
    assert "`+ rule allow-ssh-from-hub 130 Inbound Allow Tcp from Internet to * port 22`" in md
    assert "/subscriptions/" not in md
    doc = json.loads((GOLDEN / "demo.json").read_text())
    assert "access" in doc["sections"] and schema_errors(doc) == []
    # JSON keeps the full ids and gains the names
    eve = next(c for c in doc["access"]["changes"] if c["principal_display"] == "Eve Contractor")
    assert eve["principal"] == "259e0f9b-0faf-5172-8346-5107130e0a67"
    assert eve["principal_upn"] == "eve.contractor@fabrikamdemo.onmicrosoft.com"
    assert eve["principal_type"] == "User" and eve["change"] == "gained"
    web01 = next(r for r in eve["resources"] if r["name"] == "web01" and r["cia"] == [9, 9, 7])
    assert web01["id"].startswith("/subscriptions/3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71/")
    [added] = doc["rbac"]["added"]
    assert added["principal_display"] == "Eve Contractor" and added["reach"] == [9, 9, 10]
    nsg = next(c for c in doc["resources"]["changed"] if c["name"] == "nsg-web")
    [rule] = nsg["rules"]
    assert rule["change"] == "changed" and rule["after"]["source"] == "Internet"
    assert rule["before"]["source"] == "10.0.1.0/24" and rule["after"]["ports"] == "22"
    assert doc["access"]["upper_bound"] == [] and doc["access"]["not_compared"] == []


def test_verbose_shows_full_ids(demo_store):
    store, _, _ = demo_store
    run = CliRunner().invoke(
        main, ["diff", "week-0", "week-1", "--store", str(store.path), "-v", "--section", "rbac"]
    )
    assert run.exit_code == 1
    eve = "Eve Contractor <eve.contractor@fabrikamdemo.onmicrosoft.com> (User 259e0f9b-0faf-5172-"
    assert eve in run.output
    assert "/roleAssignments/7452d4bb-8dbc-5492-9004-44c5e5abb205" in run.output


def test_exit_codes_and_fail_on(demo_store):
    store, _, _ = demo_store
    args = ["diff", "week-0", "week-0", "--store", str(store.path)]
    assert CliRunner().invoke(main, args).exit_code == 0
    args = ["diff", "week-0", "week-1", "--store", str(store.path), "--fail-on", "privileged"]
    assert CliRunner().invoke(main, args).exit_code == 1


# What changed between the demo weeks, per --fail-on value (read from the demo tenant's script:
# web03 added, Eve made Owner, nsg-web opened, web01 raised to C9, sg-app-contractors left
# sg-app-devs, mg-sandbox moved). access:c>=10: nobody's access changed on a C10 resource.
DEMO_FAILS = {
    "resources": 1,
    "rbac": 1,
    "privileged": 1,
    "cia": 1,
    "groups": 1,
    "mgmt": 1,
    "access": 1,
    "access:c>=9": 1,
    "access:c>=10": 0,
}


def _fail_on_values():
    from snapdiff.diff.registry import fail_on_values

    return sorted({*fail_on_values(), *DEMO_FAILS} - {"any"})


@pytest.mark.parametrize("value", _fail_on_values())
def test_fail_on_is_judged_even_when_section_leaves_it_out(demo_store, value):
    """Issue 15/17: `--section resources --fail-on mgmt` exited 0 while mgmt changed. Every
    --fail-on value is now computed whatever --section says: narrowing to any other section
    gives the exit code the value's own section gives."""
    from snapdiff.diff.registry import fail_on_sections, section_names

    store, _, _ = demo_store
    base = ["diff", "week-0", "week-1", "--store", str(store.path), "--fail-on", value]
    own = fail_on_sections(value)
    expected = CliRunner().invoke(main, [*base, *(a for n in own for a in ("--section", n))])
    assert expected.exit_code in (0, 1), expected.output
    if value in DEMO_FAILS:
        assert expected.exit_code == DEMO_FAILS[value]
    for other in section_names():
        if other in own:
            continue
        run = CliRunner().invoke(main, [*base, "--section", other, "--format", "json"])
        assert run.exit_code == expected.exit_code, (other, run.output[-300:])
        doc = json.loads(run.output)
        assert set(own) <= set(doc["sections"])  # computed and shown, and the note says why
        assert any(f"computed for --fail-on {value}" in n for n in doc["notes"]) or not (
            set(own) - {other}
        )
