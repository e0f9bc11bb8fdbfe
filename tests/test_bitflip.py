"""Bit-flip property test (issue 15): flip random bits (seeded) in a small store and in a
bundle; every reader must refuse (exit 2; verify: 1 or 2) or give exactly the output it gives
for the undamaged file. Never a different result with exit 0.

Snapshots are named by label, not id: a label is the one thing a finished snapshot may change
(so the digest does not cover it); a flipped label names nothing and is refused.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakeazure.synthetic import synthetic_tenant
from fakeazure.writer import tenant_fetches, write_snapshot
from snapdiff.cli import main
from snapdiff.store import Store

FLIPS = 200
SEED = 15
N = 4  # resources in the synthetic tenant: small, so 6 readers x 200 flips stay quick


def invoke(*args: str | Path) -> tuple[int, str]:
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r.exit_code, r.output


def tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.exists() else {}


def manifest_of(bundle: Path) -> Any:
    conn = sqlite3.connect(f"file:{bundle}?mode=ro&immutable=1", uri=True)
    try:
        data = json.loads(conn.execute("SELECT json FROM manifest").fetchone()[0])
    finally:
        conn.close()
    for k in ("exported_at", "exported_from", "manifest_sha256"):
        data.pop(k)
    return data


def imported(store: Path) -> Any:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT uid, status, digest, (SELECT group_concat(hash) FROM"
            " (SELECT hash FROM bodies ORDER BY hash)) FROM snapshots"
        ).fetchall()
    finally:
        conn.close()


def readers(work: Path, target: Path, store: Path, bundle: bool) -> dict[str, Callable[[], Any]]:
    """Each reader of ``target``, returning what must not change: exit code and output."""
    ref = (lambda label: f"{target}:latest") if bundle else (lambda label: label)
    where = () if bundle else ("--store", target)
    out, exp, imp = work / "out", work / "exp.snapdiff", work / "imp.db"

    def build() -> Any:
        shutil.rmtree(out, ignore_errors=True)
        code, text = invoke("build", ref("w1"), "-o", out, *where)
        return code, text.replace(str(work), "W"), tree(out)

    def export() -> Any:
        exp.unlink(missing_ok=True)
        code, text = invoke("export", "latest" if bundle else "w1", "-o", exp, "--store", target)
        return code, text, manifest_of(exp) if code == 0 else None

    def import_() -> Any:
        for p in work.glob("imp.db*"):
            p.unlink()
        code, text = invoke("import", target, "--store", imp)
        return code, text, imported(imp) if code == 0 else None

    found: dict[str, Callable[[], Any]] = {
        "build": build,
        "diff": lambda: invoke("diff", "w0", ref("w1"), *(("--store", store) if bundle else where)),
        "access": lambda: invoke("access", ref("w1"), *where),
        "export": export,
        "verify": lambda: invoke("verify", target) if bundle else invoke("verify", *where),
    }
    if bundle:
        found["import"] = import_
    return found


@pytest.fixture(scope="module")
def ramdir() -> Iterator[Path]:
    """A folder in memory when the system has one: the readers that write (export, import)
    would otherwise spend most of the test waiting for SQLite's syncs to reach the disk."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="snapdiff-bitflip-", dir=base) as d:
        yield Path(d)


@pytest.fixture(scope="module")
def files(ramdir: Path) -> tuple[Path, Path]:
    d = ramdir / "clean"
    d.mkdir()
    store = d / "clean.db"
    with Store(store) as s:
        write_snapshot(s, tenant_fetches(synthetic_tenant(N, seed=1)), label="w0")
        t1 = synthetic_tenant(N, seed=1, churn_week=1, churn=0.5)
        write_snapshot(s, tenant_fetches(t1), label="w1")
    bundle = d / "clean.snapdiff"
    assert invoke("export", "w1", "-o", bundle, "--store", store)[0] == 0
    return store, bundle


@pytest.mark.parametrize("kind", ["store", "bundle"])
def test_flipped_bits_are_refused_or_change_nothing(files, ramdir, monkeypatch, kind):
    monkeypatch.setattr("os.fsync", lambda fd: None)  # durability is not under test here
    clean_store, clean_bundle = files
    tmp_path = ramdir / kind
    tmp_path.mkdir()
    store = tmp_path / "w0.db"  # the store diff reads w0 from (the store itself, for kind=store)
    shutil.copy(clean_store, store)
    clean = clean_bundle if kind == "bundle" else clean_store
    target = tmp_path / ("t.snapdiff" if kind == "bundle" else "t.db")
    if kind == "store":
        store = target
    work = tmp_path / "work"
    work.mkdir()

    def place(data: bytes) -> None:
        for p in target.parent.glob(f"{target.name}*"):
            p.unlink()
        target.write_bytes(data)
        target.chmod(0o600)

    original = clean.read_bytes()
    place(original)
    checks = readers(work, target, store, kind == "bundle")
    expected = {name: f() for name, f in checks.items()}
    assert all(v[0] in (0, 1) for v in expected.values()), expected  # the clean file reads

    rng = random.Random(f"{SEED}-{kind}")
    outcomes = {"refused": 0, "same": 0}
    wrong: list[str] = []
    for _ in range(FLIPS):
        offset, bit = rng.randrange(len(original)), rng.randrange(8)
        damaged = bytearray(original)
        damaged[offset] ^= 1 << bit
        for name, f in checks.items():
            place(bytes(damaged))
            got = f()
            refused = got[0] == 2 or (name == "verify" and got[0] == 1)
            if refused:
                outcomes["refused"] += 1
            elif got == expected[name]:
                outcomes["same"] += 1
            else:
                wrong.append(f"{name}: byte {offset} bit {bit}: exit {got[0]}, output differs")
    assert not wrong, "\n".join(wrong[:20])
    assert outcomes["refused"] > 0 and outcomes["same"] > 0, outcomes  # both paths were taken
