"""No token, secret, key or connection string in any cassette, store or bundle.

The raw fake tenant is full of (fake) secrets; the redactor itself finds them there, and then
none of their values may appear in a cassette file or in any stored body, URL or header.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fakeazure.demo import demo_tenant
from fakeazure.scenarios import faults_tenant
from snapdiff import bodies
from snapdiff.redact import REDACTED, redact_obj

CASSETTES = sorted((Path(__file__).resolve().parents[1] / "cassettes").glob("*.json"))
SHAPES = [
    re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),  # JWTs (access tokens)
    re.compile(
        r"(?i)(AccountKey|SharedAccessKey|InstrumentationKey|Password)=(?!REDACTED)[^;\"\\\s]{4,}"
    ),
    re.compile(r"(?i)[?&]sig=(?!REDACTED)[^&\"\\\s]{4,}"),
    re.compile(r"(?i)client_secret=(?!REDACTED)"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY"),
    re.compile(r"(?i)bearer [a-z0-9._-]{6,}"),
    re.compile(r"fake-token"),  # the static bearer token used for recording
]


def _values_at(obj: Any, path: str) -> Any:
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path[1:]):
        key, idx = part
        obj = obj[int(idx)] if idx else obj[key]
    return obj


def raw_secrets() -> set[str]:
    """Every secret value the redactor finds in the raw demo and fault tenants."""
    found: set[str] = set()
    for tenant in (demo_tenant(0), demo_tenant(1), faults_tenant()):
        for body in tenant.responses.values():
            _, hits = redact_obj(body)
            for path, reason in hits:
                value = _values_at(body, path)
                if isinstance(value, str) and value != REDACTED:
                    found.add(
                        value if reason in ("secret-key", "secret-setting") else _secret_part(value)
                    )
        for row in tenant.resources:
            _, hits = redact_obj(row)
            found |= {
                _secret_part(_values_at(row, p))
                for p, r in hits
                if r not in ("secret-key", "secret-setting")
            }
            found |= {_values_at(row, p) for p, r in hits if r in ("secret-key", "secret-setting")}
    return {s for s in found if isinstance(s, str) and len(s) >= 6}


def _secret_part(value: str) -> str:
    m = re.search(
        r"(?i)(?:AccountKey|SharedAccessKey|InstrumentationKey|Password|sig)=([^;&\s]+)", value
    )
    return m.group(1) if m else value


SECRETS = raw_secrets()


def test_the_fake_tenant_really_has_secrets():
    assert len(SECRETS) >= 5  # otherwise this file proves nothing


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.name)
def test_no_secret_in_cassettes(cassette):
    text = cassette.read_text()
    unescaped = json.loads(text)  # bodies are JSON strings inside JSON
    flat = json.dumps(unescaped)
    for shape in SHAPES:
        assert not shape.search(text), f"{cassette.name}: {shape.pattern}"
    for secret in SECRETS:
        assert secret not in text and secret not in flat, f"{cassette.name} holds a secret value"
    for inter in unescaped["interactions"]:
        assert "authorization" not in {k.lower() for k in inter["request"]["headers"]} or all(
            v == ["REDACTED"] or v == "REDACTED"
            for k, v in inter["request"]["headers"].items()
            if k.lower() == "authorization"
        )


def _store_text(path: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(path)
    parts = []
    for (h,) in conn.execute("SELECT hash FROM bodies").fetchall():
        parts.append(bodies.read(conn, h).decode("utf-8", "replace"))
    for row in conn.execute("SELECT url, request_body, headers, error FROM exchanges"):
        parts.extend(str(v) for v in row)
    for row in conn.execute("SELECT path, reason, url FROM redactions"):
        parts.extend(str(v) for v in row)
    conn.close()
    return "\n".join(parts) + "\n" + path.read_bytes().decode("latin-1")


def test_no_secret_in_stores_or_bundles(demo_store, edge_snapshot, faults_snapshot, tmp_path):
    from snapdiff.bundle import export_snapshot

    store, r0, _ = demo_store
    bundle = tmp_path / "w0.snapdiff"
    export_snapshot(store, r0.snapshot_id, bundle)
    for path in (store.path, edge_snapshot[0].path, faults_snapshot[0].path, bundle):
        text = _store_text(Path(path))
        for shape in SHAPES:
            assert not shape.search(text), f"{path}: {shape.pattern}"
        for secret in SECRETS:
            assert secret not in text, f"{path} holds a secret value"


def test_the_snapshot_records_what_was_redacted(demo_store):
    store, r0, _ = demo_store
    report = store.redactions(r0.snapshot_id)
    reasons = {r["reason"] for r in report}
    assert {"secret-key", "secret-setting", "connection-string", "sas-signature"} <= reasons
    assert all(REDACTED not in r["path"] and "fake" not in r["path"].lower() for r in report)
