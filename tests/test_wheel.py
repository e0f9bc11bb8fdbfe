"""The wheel stands on its own: built offline, installed in a fresh venv, the demo runs in an
empty folder with no checkout, no cassettes and no vcrpy."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _build_wheel(tmp: Path) -> Path:
    """Build from a copy of the sources, so the checkout gets no build/ or egg-info."""
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "snapdiff", src / "snapdiff", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, src], tmp)
    (wheel,) = dist.glob("snapdiff-*.whl")
    return wheel


def _venv(tmp: Path, wheel: Path) -> Path:
    """A fresh venv whose dependencies come from this env's site-packages (no network)."""
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(
        _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp)
        .strip()
        .splitlines()[-1]
    )
    here = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    # Plain path lines: this env's .pth files (the editable snapdiff) are not processed.
    (purelib / "deps.pth").write_text("\n".join(sorted(here)) + "\n")
    # vcrpy is a test dependency: prove the installed demo never imports it.
    (purelib / "vcr.py").write_text("raise ImportError('vcrpy must not be needed at run time')\n")
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "install", "--no-index", "--no-deps", "--ignore-installed",
          "--find-links", wheel.parent, "snapdiff"], tmp)  # fmt: skip
    return python


def test_wheel_installs_and_runs_the_demo_in_an_empty_folder(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "snapdiff/demo_data/week-0.snapdiff" in names
    assert "snapdiff/demo_data/week-1.snapdiff" in names
    assert not [n for n in names if n.startswith(("cassettes/", "tests/"))]

    python = _venv(tmp_path, wheel)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SNAPDIFF_"))}
    where = _run([python, "-c", "import snapdiff; print(snapdiff.__file__)"], empty, env)
    assert str(tmp_path / "venv") in where, where
    snapdiff = python.parent / ("snapdiff.exe" if os.name == "nt" else "snapdiff")
    out = _run([snapdiff, "demo"], empty, env)
    assert "(week-0, complete)" in out and "(week-1, complete)" in out
    assert (empty / "snapshots" / "demo.db").is_file()
    assert list((empty / "out" / "demo").glob("*.json"))
