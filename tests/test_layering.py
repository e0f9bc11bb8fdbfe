"""Layering, checked on the source: every import statement (module level, inside functions,
under ``if TYPE_CHECKING``) of every module, relative imports resolved."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "snapdiff"
SDKS = ("azure", "msgraph", "msgraph_core", "kiota_abstractions", "kiota_authentication_azure")

# package -> what no module in it may import (prefix match on dotted names)
FORBIDDEN = {
    "snapdiff.diff": ("snapdiff.securicad", "snapdiff.collect", "fakeazure", *SDKS),
    "snapdiff.securicad": ("snapdiff.diff", "snapdiff.collect", "fakeazure", *SDKS),
    # an analysis reads snapshots (snapshot.py, naming), never another analysis or a renderer
    "snapdiff.exposure": (
        "snapdiff.diff",
        "snapdiff.access",
        "snapdiff.securicad",
        "snapdiff.collect",
        "snapdiff.commands",
        "fakeazure",
        *SDKS,
    ),
    "snapdiff.naming": (
        "snapdiff.securicad",
        "snapdiff.collect",
        "snapdiff.diff",
        "fakeazure",
        "snapdiff.commands",
        *SDKS,
    ),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in ``source``; ``from X import y`` yields
    both ``X`` and ``X.y`` (y may be a submodule)."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                root = base[: len(base) - (node.level - 1)]
                mod = ".".join(root + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            out += [(node.lineno, f"{mod}.{alias.name}") for alias in node.names]
    return out


def violations(path: Path) -> list[str]:
    module = module_name(path)
    rules = [bad for pkg, bad in FORBIDDEN.items() if module == pkg or module.startswith(pkg + ".")]
    if not rules:
        return []
    names = imported_names(path.read_text(), module, path.name == "__init__.py")
    return [
        f"{path.relative_to(PKG.parent)}:{line} imports {name}"
        for line, name in names
        for bad in rules[0]
        if name == bad or name.startswith(bad + ".")
    ]


def test_layers_hold_for_every_import_statement():
    found = [v for path in sorted(PKG.rglob("*.py")) for v in violations(path)]
    assert found == []


def test_only_collect_imports_the_sdks():
    found = []
    for path in sorted(PKG.rglob("*.py")):
        module = module_name(path)
        if module.startswith("snapdiff.collect"):
            continue
        for line, name in imported_names(path.read_text(), module, path.name == "__init__.py"):
            if name.split(".")[0] in SDKS:
                found.append(f"{module}:{line} imports {name}")
    assert found == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f():\n    from ..securicad.scad import parse_scad\n", "snapdiff.securicad.scad"),
        ("if True:\n    import snapdiff.securicad\n", "snapdiff.securicad"),
        ("from .. import securicad\n", "snapdiff.securicad"),
        ("def f():\n    import azure.core\n", "azure.core"),
    ],
)
def test_the_checker_sees_lazy_and_relative_imports(source, expected):
    names = [n for _, n in imported_names(source, "snapdiff.diff.tags", False)]
    assert expected in names


def test_the_differ_and_builder_share_naming_not_each_other():
    """The ``scad`` parser, call names and id rules have one home that both use."""
    diff_imports = {
        n
        for p in (PKG / "diff").rglob("*.py")
        for _, n in imported_names(p.read_text(), module_name(p), p.name == "__init__.py")
    }
    build_imports = {
        n
        for p in (PKG / "securicad").rglob("*.py")
        for _, n in imported_names(p.read_text(), module_name(p), p.name == "__init__.py")
    }
    assert "snapdiff.naming.scad" in diff_imports and "snapdiff.naming.scad" in build_imports
    assert "snapdiff.naming.calls" in diff_imports and "snapdiff.naming.calls" in build_imports


def test_the_package_never_imports_the_fake_azure_or_vcrpy():
    """tests/fakeazure and vcrpy are test support: nothing that ships may import them."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        module = module_name(path)
        for line, name in imported_names(path.read_text(), module, path.name == "__init__.py"):
            if name.split(".")[0] in ("fakeazure", "vcr") or name.startswith("snapdiff.fake"):
                found.append(f"{module}:{line} imports {name}")
    assert found == []
