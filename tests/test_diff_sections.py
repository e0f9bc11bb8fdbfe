"""The differ's section registry: order and CLI values, the JSON schema generated from the
dataclasses (and kept in docs), a section added as one module, renderer complexity."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from snapdiff.cli import main
from snapdiff.diff.context import DiffContext
from snapdiff.diff.model import Diff, FieldChange
from snapdiff.diff.registry import (
    REGISTRY,
    Section,
    fail_on_values,
    section,
    section_names,
    sections,
)
from snapdiff.diff.render_json import render_json
from snapdiff.diff.render_markdown import render_markdown
from snapdiff.diff.render_text import render_text
from snapdiff.diff.schema import SCHEMA, build_schema, schema_errors, schema_json, type_schema
from snapdiff.diff.textout import TextOut
from snapdiff.naming.ids import row_parts
from test_diff import _offline_and_frozen, base, changed_state, run_diff  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def test_builtin_sections_in_report_order():
    assert section_names() == ("resources", "rbac", "cia", "groups", "mgmt", "access", "exposure")
    assert fail_on_values() == (
        "any", "resources", "rbac", "privileged", "cia", "groups", "mgmt", "access", "exposure"
    )  # fmt: skip
    assert [s.title for s in sections()] == [
        "Resources",
        "Role assignments",
        "CIA tags",
        "Group membership",
        "Management groups",
        "Access",
        "Internet exposure",
    ]


def test_schema_in_docs_is_the_generated_one():
    doc = (ROOT / "docs" / "diff-schema.json").read_text()
    assert doc == schema_json(), (
        "regenerate: python -m snapdiff.diff.schema > docs/diff-schema.json"
    )
    assert json.loads(doc) == SCHEMA


def test_schema_follows_the_dataclasses():
    for s in sections():
        props = SCHEMA["properties"][s.name]
        assert props["type"] == ["object", "null"]
        own = s.json_schema() is not None  # a section with its own JSON form may add fields
        fields = set(s.result.__dataclass_fields__)
        assert fields <= set(props["properties"]) if own else fields == set(props["properties"])
    changes = SCHEMA["properties"]["resources"]["properties"]["changed"]["items"]["properties"]
    assert changes["changes"]["items"]["properties"]["kind"]["enum"] == [
        "changed",
        "added",
        "removed",
    ]
    cia = SCHEMA["properties"]["cia"]["properties"]["changed"]["items"]["properties"]
    assert cia["before"]["type"] == ["object", "null"]
    assert SCHEMA["properties"]["sections"]["items"]["enum"] == list(section_names())
    with pytest.raises(TypeError):
        type_schema(set[str])


# -- a section added in one module ---------------------------------------------------------------
@dataclass
class TypeChange:
    type: str
    before: int
    after: int


@dataclass
class TypesSection:
    changed: list[TypeChange] = field(default_factory=list)


class ResourceTypes(Section[TypesSection]):
    """Resources per type, where the number changed: a realistic small section."""

    name, order, title, result = "types", 90, "Resource types", TypesSection

    def compute(self, ctx: DiffContext) -> TypesSection:
        def per_type(rows: dict) -> dict[str, int]:
            out: dict[str, int] = {}
            for row in rows.values():
                t = row_parts(row)[0]
                out[t] = out.get(t, 0) + 1
            return out

        a, b = per_type(ctx.a.resources()), per_type(ctx.b.resources())
        return TypesSection(
            [
                TypeChange(t, a.get(t, 0), b.get(t, 0))
                for t in sorted(a.keys() | b.keys())
                if a.get(t, 0) != b.get(t, 0)
            ]
        )

    def counts(self, result: TypesSection, diff: Diff) -> dict[str, int]:
        return {"types_changed": len(result.changed)}

    def summary(self, counts: dict[str, int]) -> str:
        return f"types: {counts['types_changed']} types changed in number"

    def render_text(self, result: TypesSection, out: TextOut) -> None:
        for c in result.changed:
            out.item("~", f"{c.type}: {c.before} -> {c.after}")
            out.fields([FieldChange("count", "changed", c.before, c.after)])

    def render_markdown(self, result: TypesSection) -> list[str]:
        return [f"- {c.type}: {c.before} -> {c.after}" for c in result.changed]


@pytest.fixture
def types_section() -> Iterator[None]:
    section(ResourceTypes)
    try:
        yield
    finally:
        del REGISTRY["types"]


def test_a_section_added_in_one_module_shows_everywhere(tmp_path, types_section):
    assert section_names()[-1] == "types" and "types" in fail_on_values()
    d = run_diff(tmp_path, base(), changed_state())
    assert d.sections[-1] == "types"
    vm, kv = d.results["types"].changed  # a second VM added, a key vault removed
    assert (kv.type, kv.before, kv.after) == ("microsoft.keyvault/vaults", 1, 0)
    assert (vm.type, vm.before, vm.after) == ("microsoft.compute/virtualmachines", 1, 2)
    assert d.total("types") == 2 and d.counts()["types"] == {"types_changed": 2}
    text, md = render_text(d), render_markdown(d)
    assert "  types: 2 types changed in number" in text
    assert text.endswith(
        "\nResource types\n  ~ microsoft.compute/virtualmachines: 1 -> 2\n      ~ count: 1 -> 2\n"
        "  ~ microsoft.keyvault/vaults: 1 -> 0\n      ~ count: 1 -> 0\n"
    )
    assert md.endswith(
        "\n## Resource types\n\n- microsoft.compute/virtualmachines: 1 -> 2\n"
        "- microsoft.keyvault/vaults: 1 -> 0\n"
    )
    doc = json.loads(render_json(d))
    assert doc["types"]["changed"][1] == {"type": kv.type, "before": 1, "after": 0}
    assert schema_errors(doc, build_schema()) == []
    assert schema_errors(doc) != []  # the module-level schema predates the section
    only = run_diff(tmp_path / "only", base(), changed_state(), sections=["types"])
    assert only.sections == ["types"] and list(only.results) == ["types"]


def test_an_unchanged_section_is_left_out_of_the_reports(tmp_path, types_section):
    d = run_diff(tmp_path, base(), base())
    assert d.results["types"] == TypesSection()
    assert "Resource types" not in render_text(d) and "Resource types" not in render_markdown(d)
    assert "types: 0 types changed in number" in render_text(d)


def test_unknown_section_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["diff", "--store", str(tmp_path / "x.db"), "--section", "x"])
    assert result.exit_code == 2 and "'x' is not one of" in result.output


def test_no_function_in_the_differ_is_complex():
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C901"]
        + ["--config", "lint.mccabe.max-complexity=15", "snapdiff/diff", "snapdiff/naming"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_old_names_still_import():
    from snapdiff.diff import SCHEMA as package_schema
    from snapdiff.diff.model import FAIL_ON, SECTIONS
    from snapdiff.diff.model import SCHEMA as model_schema

    assert section_names() == SECTIONS and fail_on_values() == FAIL_ON
    assert model_schema is SCHEMA and package_schema is SCHEMA


class TypesAsMap(ResourceTypes):
    """The same section with its own JSON form and schema (as a section with an existing
    ``to_dict``/``SCHEMA`` would plug in)."""

    def to_json(self, result: TypesSection) -> dict[str, list[int]]:
        return {c.type: [c.before, c.after] for c in result.changed}

    def json_schema(self) -> dict:
        pair = {"type": "array", "items": {"type": "integer"}}
        return {"type": "object", "additionalProperties": pair}


def test_a_section_may_bring_its_own_json_form_and_schema(tmp_path):
    section(TypesAsMap)
    try:
        d = run_diff(tmp_path, base(), changed_state())
        doc = json.loads(render_json(d))
        assert doc["types"] == {
            "microsoft.compute/virtualmachines": [1, 2],
            "microsoft.keyvault/vaults": [1, 0],
        }
        schema = build_schema()
        assert schema["properties"]["types"]["type"] == ["object", "null"]
        assert schema_errors(doc, schema) == []
        doc["types"]["microsoft.keyvault/vaults"] = "1 -> 0"
        assert schema_errors(doc, schema) == [
            "$.types.microsoft.keyvault/vaults: expected array, got str"
        ]
    finally:
        del REGISTRY["types"]
