"""Nothing destroyed, nothing silently wrong, bundles you can trust (issue 15): the demo and
export never replace what they did not make; every reader checks the snapshot digest; verify
names the damaged snapshot and source; signed bundles; damaged metadata; no -wal/-shm left."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from snapdiff import digest, signing
from snapdiff.cli import main
from snapdiff.store import Store

DEMO_DATA = Path(__file__).resolve().parents[1] / "snapdiff" / "demo_data"


def run(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def one_line_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    for n in needles:
        assert n in result.output, result.output


def sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for s in statements:
            conn.execute(s)
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    r = run("demo", "--store", path, "-o", path.parent / "out")
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture
def store(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    shutil.copy(demo_db, path)
    return path


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two OpenSSH ed25519 key pairs written by cryptography (what ssh-keygen writes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    d = tmp_path_factory.mktemp("keys")
    out = {}
    for name, password in (("a", None), ("b", None), ("enc", b"s3cret")):
        key = Ed25519PrivateKey.generate()
        enc = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        (d / name).write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, enc)
        )
        pub = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        (d / f"{name}.pub").write_bytes(pub + f" {name}@site\n".encode())
        out[name], out[f"{name}.pub"] = d / name, d / f"{name}.pub"
    return out


# -- nothing destroyed -----------------------------------------------------------------------
def test_demo_refuses_a_real_store_a_bundle_and_any_other_file(store, tmp_path):
    sql(  # a store the demo did not make: a snapshot that is not a packaged demo week
        store,
        "DELETE FROM meta WHERE key = 'made_by'",
        "DROP TRIGGER snapshots_frozen",
        "UPDATE snapshots SET uid = 'f' || substr(uid, 2) WHERE id = 1",
    )
    bundle = tmp_path / "w.snapdiff"
    shutil.copy(DEMO_DATA / "week-0.snapdiff", bundle)
    other = tmp_path / "notes.txt"
    other.write_text("mine\n")
    for path in (store, bundle, other):
        before = path.read_bytes()
        one_line_error(run("demo", "--store", path, "-o", tmp_path / "o"), "--store a new path")
        assert path.read_bytes() == before
        assert not Path(f"{path}-wal").exists()


def test_demo_refuses_a_device_even_as_root(tmp_path, monkeypatch):
    # /dev/null itself: the demo must not unlink it (as root it could).
    one_line_error(run("demo", "--store", "/dev/null", "-o", tmp_path / "o"), "/dev/null")
    assert Path("/dev/null").exists() and not Path("/dev/null").is_file()


def test_demo_rebuilds_its_own_store(demo_db, tmp_path):
    path = tmp_path / "d.db"
    shutil.copy(demo_db, path)
    r = run("demo", "--store", path, "-o", tmp_path / "o")
    assert r.exit_code == 0, r.output
    with Store(path, readonly=True) as s:
        assert [x.label for x in s.snapshots()] == ["week-0", "week-1"]


def test_export_force_overwrites_only_a_bundle(store, tmp_path):
    other = tmp_path / "other.db"
    shutil.copy(store, other)
    text = tmp_path / "x.snapdiff"
    text.write_text("not a bundle")
    for target, needle in ((other, "is a snapdiff store"), (text, "not a bundle")):
        before = target.read_bytes()
        one_line_error(run("export", "week-1", "-o", target, "--force", "--store", store), needle)
        assert target.read_bytes() == before
    bundle = tmp_path / "b.snapdiff"
    assert run("export", "week-0", "-o", bundle, "--store", store).exit_code == 0
    r = run("export", "week-1", "-o", bundle, "--force", "--store", store)
    assert r.exit_code == 0, r.output


# -- digests ------------------------------------------------------------------------------
def test_every_snapshot_has_a_digest_and_it_survives_export_and_import(store, tmp_path):
    with Store(store, readonly=True) as s:
        for snap in s.snapshots():
            recorded, parts, origin = digest.stored(s.conn, snap.id)
            assert recorded == digest.compute(s.conn, snap.id).sha256
            assert "resourcegraph" in parts
            assert origin == digest.AT_IMPORT  # the shipped demo bundles predate digests
    bundle = tmp_path / "w1.snapdiff"
    assert run("export", "week-1", "-o", bundle, "--store", store).exit_code == 0
    with Store(bundle, readonly=True) as b, Store(store, readonly=True) as s:
        assert digest.stored(b.conn, 1)[0] == digest.stored(s.conn, 2)[0]
    other = tmp_path / "o.db"
    assert run("import", bundle, "--store", other).exit_code == 0
    with Store(other, readonly=True) as o, Store(store, readonly=True) as s:
        assert digest.stored(o.conn, 1)[:2] == digest.stored(s.conn, 2)[:2]
        assert digest.stored(o.conn, 1)[2] == digest.AT_IMPORT  # carried as it was


def test_deleted_rows_are_refused_by_every_reader(store, tmp_path):
    sql(store, "DELETE FROM exchanges WHERE source = 'resourcegraph'")
    for args in (
        ("build", "week-1", "-o", tmp_path / "o"),
        ("diff",),
        ("diff", "week-0", "week-1"),
        ("access", "week-1"),
        ("history", "/subscriptions/x/resourceGroups/rg"),
        ("export", "week-1", "-o", tmp_path / "x.snapdiff"),
    ):
        one_line_error(
            run(*args, "--store", store),
            "does not match its digest",
            "resourcegraph",
            "snapdiff verify",
        )
    assert not (tmp_path / "o").exists() and not (tmp_path / "x.snapdiff").exists()
    r = run("verify", "--store", store)
    assert r.exit_code == 1
    assert "snapshot 2 (week-1): rows of source resourcegraph changed or were deleted" in r.output
    assert "prune removes it" not in r.output  # orphans left by damage are not to be pruned


def test_export_after_deleted_fetches_is_one_line(store, tmp_path):
    sql(store, "PRAGMA foreign_keys = OFF", "DELETE FROM fetches WHERE id = 5")
    one_line_error(
        run("export", "week-0", "-o", tmp_path / "x.snapdiff", "--store", store),
        "snapdiff verify",
    )


def test_a_changed_field_is_caught_and_named(store, tmp_path):
    sql(
        store,
        "DROP TRIGGER fetches_frozen_update",
        "UPDATE fetches SET error = 'x' WHERE id = (SELECT max(id) FROM fetches"
        " WHERE source = 'keyvault' AND snapshot_id = 2)",
    )
    r = run("build", "week-1", "-o", tmp_path / "o", "--store", store)
    one_line_error(r, "keyvault")
    assert "keyvault" in run("verify", "--store", store).output


def test_a_lost_digest_is_refused(store, tmp_path):
    sql(store, "UPDATE snapshots SET digest = NULL WHERE id = 2")
    one_line_error(run("build", "2", "-o", tmp_path / "o", "--store", store), "lost its digest")
    assert "has no digest" in run("verify", "--store", store).output


def test_bundle_read_directly_checks_its_manifest_and_digest(store, tmp_path):
    bundle = tmp_path / "w1.snapdiff"
    assert run("export", "week-1", "-o", bundle, "--store", store).exit_code == 0
    assert run("build", f"{bundle}:latest", "-o", tmp_path / "ok").exit_code == 0
    sql(bundle, "DELETE FROM exchanges WHERE source = 'resourcegraph'")
    for args in (
        ("build", f"{bundle}:latest", "-o", tmp_path / "o"),
        ("diff", "week-0", str(bundle), "--store", str(store)),
    ):
        one_line_error(run(*args), "snapdiff verify")
    assert "tampered" in run("verify", bundle).output


def test_old_bundle_without_digest_read_directly_checks_its_rows_hash(tmp_path):
    bundle = tmp_path / "week-1.snapdiff"
    shutil.copy(DEMO_DATA / "week-1.snapdiff", bundle)
    assert run("build", bundle, "-o", tmp_path / "ok").exit_code == 0
    sql(bundle, "DELETE FROM exchanges WHERE source = 'resourcegraph'")
    one_line_error(run("build", bundle, "-o", tmp_path / "o"), "rows do not match", "verify")


def test_import_refuses_a_damaged_bundle_before_copying_anything(store, tmp_path):
    bundle = tmp_path / "w1.snapdiff"
    assert run("export", "week-1", "-o", bundle, "--store", store).exit_code == 0
    sql(bundle, "UPDATE snapshots SET digest = 'x' || digest")  # the manifest says otherwise
    target = tmp_path / "t.db"
    one_line_error(run("import", bundle, "--store", target), "refusing", "tampered")
    assert not target.exists()


def test_migration_computes_digests_once_and_says_so(tmp_path):
    """A store written before digests (schema v7): the bundle file minus its manifest."""
    old = tmp_path / "old.db"
    shutil.copy(DEMO_DATA / "week-0.snapdiff", old)
    sql(old, "DROP TABLE manifest")
    with Store(old) as s:  # writable: migrates
        recorded, _parts, origin = digest.stored(s.conn, 1)
        assert origin == digest.AT_MIGRATION and recorded == digest.compute(s.conn, 1).sha256
    assert run("build", "1", "-o", tmp_path / "o", "--store", old).exit_code == 0


# -- signatures ---------------------------------------------------------------------------------
def test_signed_bundle_verifies_with_its_key_only(store, keys, tmp_path):
    bundle = tmp_path / "s.snapdiff"
    r = run("export", "week-1", "-o", bundle, "--store", store, "--sign", keys["a"])
    assert r.exit_code == 0, r.output
    fp = signing.load_public_key(keys["a.pub"]).fingerprint
    r = run("verify", bundle, "--trust", keys["b.pub"], "--trust", keys["a.pub"])
    assert r.exit_code == 0 and f"signed by {fp} (trusted)" in r.output, r.output
    r = run("verify", bundle, "--trust", keys["b.pub"])
    assert r.exit_code == 1 and "not a trusted key" in r.output
    target = tmp_path / "t.db"
    one_line_error(run("import", bundle, "--trust", keys["b.pub"], "--store", target), fp)
    assert not target.exists()
    assert run("import", bundle, "--trust", keys["a.pub"], "--store", target).exit_code == 0


def test_unsigned_bundle_is_refused_when_trust_is_required(store, keys, tmp_path):
    bundle = tmp_path / "u.snapdiff"
    assert run("export", "week-1", "-o", bundle, "--store", store).exit_code == 0
    target = tmp_path / "t.db"
    one_line_error(run("import", bundle, "--trust", keys["a.pub"], "--store", target), "not signed")
    assert not target.exists()
    assert "not signed" in run("verify", bundle, "--trust", keys["a.pub"]).output


def test_allowed_signers_file_in_the_environment(store, keys, tmp_path):
    bundle = tmp_path / "s.snapdiff"
    assert run("export", "1", "-o", bundle, "--store", store, "--sign", keys["a"]).exit_code == 0
    pub = keys["a.pub"].read_text().strip()
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'# site A\nci@site-a,me@site-a namespaces="git,snapdiff-bundle" {pub}\n')
    env = {"SNAPDIFF_TRUSTED_KEYS": str(allowed)}
    assert run("import", bundle, "--store", tmp_path / "t.db", env=env).exit_code == 0
    assert run("build", bundle, "-o", tmp_path / "o", env=env).exit_code == 0
    # The same key, but allowed for git signatures only: not trusted for bundles.
    allowed.write_text(f'me@site-a namespaces="git" {pub}\n{keys["b.pub"].read_text()}')
    allowed.write_text(f'me@site-a namespaces="git" {pub}\nother@b {keys["b.pub"].read_text()}')
    one_line_error(run("build", bundle, "-o", tmp_path / "o2", env=env), "not a trusted key")
    one_line_error(
        run("import", bundle, "--store", tmp_path / "t2.db", env=env), "not a trusted key"
    )


def test_a_changed_manifest_breaks_the_signature(store, keys, tmp_path):
    bundle = tmp_path / "s.snapdiff"
    assert run("export", "1", "-o", bundle, "--store", store, "--sign", keys["a"]).exit_code == 0
    text = sqlite3.connect(bundle).execute("SELECT json FROM manifest").fetchone()[0]
    sig = sqlite3.connect(bundle).execute("SELECT sshsig FROM signature").fetchone()[0]
    trusted = [signing.load_public_key(keys["a.pub"])]
    assert signing.verify(sig, text.encode(), trusted).origin == str(keys["a.pub"])
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(sig, text.replace("week", "weak").encode(), trusted)


def test_encrypted_key_needs_its_passphrase(store, keys, tmp_path):
    out = tmp_path / "e.snapdiff"
    one_line_error(
        run("export", "1", "-o", out, "--store", store, "--sign", keys["enc"]),
        "SNAPDIFF_KEY_PASSPHRASE",
    )
    one_line_error(
        run(
            "export",
            "1",
            "-o",
            out,
            "--store",
            store,
            "--sign",
            keys["enc"],
            env={"SNAPDIFF_KEY_PASSPHRASE": "wrong"},
        ),
        "wrong passphrase",
    )
    assert not out.exists()
    r = run(
        "export",
        "1",
        "-o",
        out,
        "--store",
        store,
        "--sign",
        keys["enc"],
        env={"SNAPDIFF_KEY_PASSPHRASE": "s3cret"},
    )
    assert r.exit_code == 0, r.output
    assert run("verify", out, "--trust", keys["enc.pub"]).exit_code == 0


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen")
def test_signatures_cross_check_with_ssh_keygen(store, tmp_path):
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci@site", "-f", key], check=True
    )
    bundle = tmp_path / "s.snapdiff"
    assert run("export", "1", "-o", bundle, "--store", store, "--sign", key).exit_code == 0
    conn = sqlite3.connect(bundle)
    text, sig = conn.execute("SELECT m.json, s.sshsig FROM manifest m, signature s").fetchone()
    conn.close()
    (tmp_path / "manifest.json").write_text(text)
    (tmp_path / "manifest.json.sig").write_text(sig)
    allowed = tmp_path / "allowed"
    allowed.write_text(f"ci@site {Path(f'{key}.pub').read_text()}")
    # ssh-keygen accepts our signature ...
    done = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            allowed,
            "-I",
            "ci@site",
            "-n",
            "snapdiff-bundle",
            "-s",
            tmp_path / "manifest.json.sig",
        ],
        input=text.encode(),
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    # ... and we accept ssh-keygen's.
    (tmp_path / "manifest.json.sig").unlink()
    subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "sign",
            "-q",
            "-f",
            key,
            "-n",
            "snapdiff-bundle",
            tmp_path / "manifest.json",
        ],
        check=True,
        capture_output=True,
    )
    theirs = (tmp_path / "manifest.json.sig").read_text()
    assert signing.verify(theirs, text.encode(), signing.load_allowed_signers(allowed))


# -- damaged metadata and side files ------------------------------------------------------------
@pytest.mark.parametrize(
    ("statements", "needle"),
    [
        (["UPDATE meta SET value = 'eight' WHERE key = 'schema_version'"], "not a version number"),
        (["DELETE FROM meta"], "no schema_version"),
        (["PRAGMA foreign_keys = OFF", "DROP TABLE snapshots"], "table snapshots is missing"),
    ],
)
def test_damaged_metadata_is_one_line_naming_the_fix(store, tmp_path, statements, needle):
    sql(store, *statements)
    before = store.read_bytes()
    for args in (("build", "latest", "-o", tmp_path / "o"), ("label", "1", "x"), ("snapshots",)):
        one_line_error(run(*args, "--store", store), needle, "restore the store from a backup")
    assert store.read_bytes() == before
    assert run("verify", "--store", store).exit_code in (1, 2)


def test_reading_commands_leave_no_wal_or_shm(store, tmp_path):
    for args in (
        ("build", "week-1", "-o", tmp_path / "o"),
        ("diff",),
        ("snapshots",),
        ("verify",),
        ("access", "week-1"),
    ):
        assert run(*args, "--store", store).exit_code in (0, 1)
        assert sorted(p.name for p in store.parent.glob("s.db*")) == ["s.db"], args


def test_a_read_only_shm_is_named(store, monkeypatch):
    shm = Path(f"{store}-shm")
    shm.write_bytes(b"")
    real = os.access
    monkeypatch.setattr(
        "snapdiff.explain.os.access", lambda p, m: str(p) != str(shm) and real(p, m)
    )
    one_line_error(run("label", "1", "x", "--store", store), f"{shm} is not writable")


def test_verify_runs_integrity_check_and_quick_check_on_request(store):
    """An index that no longer matches its table (here: rewritten to index another column):
    integrity_check finds it, quick_check by design does not look."""
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX exchanges_body ON exchanges (source)'"
        " WHERE name = 'exchanges_body'"
    )
    conn.commit()
    conn.close()
    full = run("verify", "--store", store)
    assert full.exit_code == 1 and "missing from index exchanges_body" in full.output
    quick = run("verify", "--quick", "--store", store)
    assert "missing from index" not in quick.output


def test_a_column_readers_do_not_use_is_still_caught_by_export_and_verify(store, tmp_path):
    """Readers prove the columns they use; a changed URL (no reader reads it) still stops
    export, which would carry it, and verify names it."""
    sql(
        store,
        "DROP TRIGGER exchanges_frozen_update",
        "UPDATE exchanges SET url = url || '&x' WHERE id = (SELECT max(id) FROM exchanges"
        " WHERE source = 'web' AND snapshot_id = 2)",
    )
    assert run("build", "week-1", "-o", tmp_path / "o", "--store", store).exit_code == 0
    one_line_error(
        run("export", "week-1", "-o", tmp_path / "x.snapdiff", "--store", store), "verify"
    )
    assert "rows of source web changed" in run("verify", "--store", store).output


def test_demo_rebuilds_a_demo_store_from_an_older_snapdiff(demo_db, tmp_path):
    """No made_by row (written before it existed), but only the packaged demo weeks: ours."""
    path = tmp_path / "old-demo.db"
    shutil.copy(demo_db, path)
    sql(path, "DELETE FROM meta WHERE key = 'made_by'")
    assert run("demo", "--store", path, "-o", tmp_path / "o").exit_code == 0
    sql(
        path,
        "DELETE FROM meta WHERE key = 'made_by'",
        "DROP TRIGGER snapshots_frozen",
        "UPDATE snapshots SET uid = 'f' || substr(uid, 2) WHERE id = 1",  # not a demo week
    )
    before = path.read_bytes()
    one_line_error(run("demo", "--store", path, "-o", tmp_path / "o"), "--store a new path")
    assert path.read_bytes() == before
