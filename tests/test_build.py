"""Builder tests on recorded snapshots: golden files per kind, determinism, partial snapshots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from snapdiff.cli import main
from snapdiff.securicad import build, render
from snapdiff.securicad.kinds import load_builtin_kinds
from snapdiff.securicad.registry import REGISTRY
from snapdiff.snapshot import SnapshotView

GOLDEN = Path(__file__).parent / "golden" / "build"
UPDATE = os.environ.get("SNAPDIFF_UPDATE_GOLDEN") == "1"
ALWAYS = [
    "name",
    "parser_version",
    "managementGroups",
    "groups",
    "subscriptions",
    "roleAssignments",
    "resourceGroups",
]


def check_golden(name: str, obj: object) -> None:
    path = GOLDEN / name
    text = render(obj).decode() + "\n"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"missing golden file {path}; run with SNAPDIFF_UPDATE_GOLDEN=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from its golden file"


@pytest.mark.parametrize("which", ["week0", "week1", "edge"])
@pytest.mark.parametrize("mode", ["default", "bug-compatible"])
def test_golden_per_key(demo_store, edge_snapshot, which, mode):
    store, r0, r1 = demo_store
    if which == "edge":
        store, edge = edge_snapshot
        sid = edge.snapshot_id
    else:
        sid = (r0 if which == "week0" else r1).snapshot_id
    view = SnapshotView(store, sid)
    result = build(view, bug_compatible=mode == "bug-compatible", on_builder_error="raise")
    ad = result.active_directory
    for key in ALWAYS:
        assert key in ad
    for key, value in ad.items():
        check_golden(f"{which}/{mode}/{key}.json", value)
    check_golden(f"{which}/{mode}/_warnings.json", result.warnings)
    if result.insights is not None:
        check_golden(f"{which}/{mode}/_insights.json", result.insights)


def test_edge_placeholders_and_unreadable_config(edge_snapshot):
    store, res = edge_snapshot
    view = SnapshotView(store, res.snapshot_id)
    assert res.status == "partial" and view.incomplete_sources() == {
        "keyvault": "forbidden",
        "web": "failed",
    }
    for mode in (False, True):
        ad = build(view, bug_compatible=mode, on_builder_error="raise").active_directory
        vault = next(v for v in ad["keyVaults"] if v["name"] == "kv-fab-shared-ops")
        for coll in ("keys", "secrets", "certificates"):
            [placeholder] = vault[coll]
            assert placeholder["name"] == "test-component" and placeholder["collection"] == coll
        site = next(a for a in ad["appServices"] if a["name"] == "app-fab-portal")
        assert site["disabledFTPs"] == "AllAllowed" and site["ipSecurityRestrictions"] == []
        # Default mode still reads the auth settings (their own call); upstream's crash default
        # in bug-compatible mode.
        assert site["preventAnonymousAccess"] is (not mode)


def test_demo_covers_every_registered_kind(demo_store):
    store, r0, _ = demo_store
    load_builtin_kinds()
    ad = build(SnapshotView(store, r0.snapshot_id), on_builder_error="raise").active_directory
    missing = sorted(k for k in REGISTRY if k not in ad)
    assert missing == [], f"no demo resource of kinds {missing}"
    assert len(REGISTRY) == 25
    assert ad["hva_tags"] and ad["groups"] and ad["managementGroups"]


def test_same_name_resources_get_their_own_properties(demo_store):
    store, r0, _ = demo_store
    ad = build(SnapshotView(store, r0.snapshot_id), on_builder_error="raise").active_directory
    objects = [o for key in REGISTRY if key in ad for o in ad[key]]
    by_name: dict[tuple[str, str], list[dict]] = {}
    for o in objects:
        by_name.setdefault((o["provider"], o["name"]), []).append(o)
    twins = [v for v in by_name.values() if len(v) > 1]
    assert twins, "the demo has same-name resources in two resource groups"
    for pair in twins:
        assert len({o["resourceGroup"] for o in pair}) == len(pair)
        strip = [{k: v for k, v in o.items() if k not in ("id", "resourceGroup")} for o in pair]
        assert strip[0] != strip[1], f"{pair[0]['name']}: both objects carry the same properties"


def test_build_is_byte_identical_across_runs_and_hash_seeds(demo_store, tmp_path):
    store, _, r1 = demo_store
    outputs = set()
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = tmp_path / seed
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "snapdiff",
                "build",
                str(r1.snapshot_id),
                "--store",
                str(store.path),
                "-o",
                str(out),
                "-q",
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        assert proc.returncode == 0, proc.stderr
        built = [p for p in sorted(out.iterdir()) if not p.name.startswith(".")]
        outputs.add(tuple((p.name, p.read_bytes()) for p in built))
    assert len(outputs) == 1
    [files] = outputs
    assert [name.split("_2")[0] for name, _ in files] == [
        "active_directory",
        "application_insights",
    ]
    assert not files[0][1].endswith(b"\n")


def test_partial_snapshot_builds_what_it_holds(faults_snapshot, tmp_path):
    store, res = faults_snapshot
    result = build(SnapshotView(store, res.snapshot_id), on_builder_error="raise")
    assert result.incomplete == {"authorization": "failed"}
    assert set(result.coverage) == {"graph"}  # forbidden: definitive, but not visible
    ad = result.active_directory
    assert len(ad["roleAssignments"]) == 150  # sub 1's listing; sub 2's failed one adds nothing
    forbidden = [g for g in ad["groups"] if g["groupId"] == "g-forbidden"]
    # Forbidden: unknown (null), never an empty group ([]).
    assert forbidden == [{"groupId": "g-forbidden", "members": None}]
    assert any("g-forbidden" in w for w in result.warnings)
    cli = CliRunner().invoke(
        main, ["build", str(res.snapshot_id), "--store", str(store.path), "-o", str(tmp_path)]
    )
    assert cli.exit_code == 0 and "is partial" in cli.output
    assert "Missing: authorization failed (page 2: HTTP 5" in cli.output  # 5xx after retries
    assert "coverage: not visible to the collecting identity: graph" in cli.output
    strict = CliRunner().invoke(
        main,
        [
            "build",
            str(res.snapshot_id),
            "--store",
            str(store.path),
            "-o",
            str(tmp_path),
            "--strict",
        ],
    )
    assert strict.exit_code == 2 and "is partial: authorization failed" in strict.output
    assert "graph coverage incomplete (group members forbidden" in strict.output


def test_build_writes_the_spec_file_names(demo_store, tmp_path):
    store, r0, _ = demo_store
    result = CliRunner().invoke(
        main, ["build", "week-0", "--store", str(store.path), "-o", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    started = store.snapshot(r0.snapshot_id).started_at
    stamp = f"{started[:10]}_{started[11:13]}-{started[14:16]}"
    assert names == [
        ".snapdiff-builds.json",  # which snapshot each file came from (README, build)
        f"active_directory_{stamp}.json",
        f"application_insights_{stamp}.json",
    ]
    names.pop(0)
    ad = json.loads((tmp_path / names[0]).read_text())
    assert ad["name"] == "Scanned_Azure_Active_Directory" and ad["parser_version"] == 2
    assert "applicationInsights" not in ad
    assert isinstance(json.loads((tmp_path / names[1]).read_text()), list)
