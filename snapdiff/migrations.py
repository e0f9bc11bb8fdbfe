"""Schema migrations of the snapshot store, applied in order by ``Store``.

Each migration is a SQL script (or a function); its index in ``MIGRATIONS`` plus one is the schema version it
produces. The store runs each in one transaction together with the version bump. Never edit a
released migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .digest import migrate as snapshot_digests

V1_INITIAL = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            label TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL CHECK (status IN ('running','complete','partial','failed')),
            tenant_id TEXT,
            cloud TEXT,
            scope TEXT,
            tool_version TEXT,
            host TEXT,
            pid INTEGER,
            error TEXT
        );
        CREATE TABLE sources (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            pages INTEGER NOT NULL DEFAULT 0,
            requests INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            detail TEXT,
            PRIMARY KEY (snapshot_id, name)
        );
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            call TEXT NOT NULL,
            target TEXT NOT NULL,
            status TEXT NOT NULL,
            http_status INTEGER,
            pages INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
        CREATE INDEX fetches_lookup ON fetches (snapshot_id, call, target);
        CREATE TABLE bodies (
            hash TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE exchanges (
            id INTEGER PRIMARY KEY,
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            fetch_id INTEGER REFERENCES fetches(id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            page INTEGER,
            method TEXT NOT NULL,
            url TEXT NOT NULL,
            request_body TEXT,
            status INTEGER,
            headers TEXT,
            body_hash TEXT REFERENCES bodies(hash),
            started_at TEXT,
            elapsed_ms REAL,
            error TEXT
        );
        CREATE INDEX exchanges_fetch ON exchanges (fetch_id, page);
        CREATE INDEX exchanges_snapshot ON exchanges (snapshot_id);
        CREATE INDEX exchanges_body ON exchanges (body_hash);
"""

V2_REDACTIONS_AND_IMMUTABILITY = """
        CREATE TABLE redactions (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            exchange_id INTEGER,
            url TEXT,
            path TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX redactions_snapshot ON redactions (snapshot_id);
        -- A finished snapshot is immutable: only its label may change, and it may be deleted.
        CREATE TRIGGER snapshots_frozen BEFORE UPDATE ON snapshots
        WHEN OLD.status != 'running' AND (
            NEW.status IS NOT OLD.status OR NEW.uid IS NOT OLD.uid
            OR NEW.started_at IS NOT OLD.started_at OR NEW.finished_at IS NOT OLD.finished_at
            OR NEW.tenant_id IS NOT OLD.tenant_id OR NEW.scope IS NOT OLD.scope)
        BEGIN SELECT RAISE(ABORT, 'snapshot is finished and immutable'); END;
        CREATE TRIGGER exchanges_frozen_insert BEFORE INSERT ON exchanges
        WHEN (SELECT status FROM snapshots WHERE id = NEW.snapshot_id) != 'running'
        BEGIN SELECT RAISE(ABORT, 'snapshot is finished and immutable'); END;
        CREATE TRIGGER exchanges_frozen_update BEFORE UPDATE ON exchanges
        WHEN (SELECT status FROM snapshots WHERE id = OLD.snapshot_id) != 'running'
        BEGIN SELECT RAISE(ABORT, 'snapshot is finished and immutable'); END;
        CREATE TRIGGER fetches_frozen_insert BEFORE INSERT ON fetches
        WHEN (SELECT status FROM snapshots WHERE id = NEW.snapshot_id) != 'running'
        BEGIN SELECT RAISE(ABORT, 'snapshot is finished and immutable'); END;
        CREATE TRIGGER fetches_frozen_update BEFORE UPDATE ON fetches
        WHEN (SELECT status FROM snapshots WHERE id = OLD.snapshot_id) != 'running'
        BEGIN SELECT RAISE(ABORT, 'snapshot is finished and immutable'); END;
        CREATE TRIGGER sources_frozen_update BEFORE UPDATE ON sources
        WHEN (SELECT status FROM snapshots WHERE id = OLD.snapshot_id) != 'running'
        BEGIN SELECT RAISE(ABORT, 'snapshot is finished and immutable'); END;
"""

V3_EXPLORE_VIEWS = """
        -- Derived rows for sqlite-utils / Datasette (bodies are compressed, so SQL cannot see
        -- into them). Filled by snapdiff.maintenance.index_snapshot; not covered by the
        -- immutability triggers, since they can be rebuilt from the bodies at any time.
        CREATE TABLE row_index (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
            indexed_at TEXT NOT NULL,
            resources INTEGER NOT NULL,
            role_assignments INTEGER NOT NULL
        );
        CREATE TABLE resource_rows (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            type TEXT,
            name TEXT,
            resource_group TEXT,
            subscription_id TEXT,
            location TEXT,
            tags TEXT,
            PRIMARY KEY (snapshot_id, id)
        ) WITHOUT ROWID;
        CREATE TABLE role_assignment_rows (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            scope TEXT,
            principal_id TEXT,
            principal_type TEXT,
            role_definition_id TEXT,
            PRIMARY KEY (snapshot_id, id)
        ) WITHOUT ROWID;
        CREATE VIEW resources_by_snapshot AS
            SELECT s.id AS snapshot_id, s.label AS snapshot_label, s.started_at AS taken_at,
                   s.status AS snapshot_status, r.id, r.type, r.name, r.resource_group,
                   r.subscription_id, r.location, r.tags
            FROM resource_rows r JOIN snapshots s ON s.id = r.snapshot_id;
        CREATE VIEW role_assignments_by_snapshot AS
            SELECT s.id AS snapshot_id, s.label AS snapshot_label, s.started_at AS taken_at,
                   s.status AS snapshot_status, a.id, a.scope, a.principal_id, a.principal_type,
                   a.role_definition_id
            FROM role_assignment_rows a JOIN snapshots s ON s.id = a.snapshot_id;
"""

V4_DELTA_BODIES = """
        -- Codec per body ('zlib' for everything written before), and delta bases.
        ALTER TABLE bodies ADD COLUMN codec TEXT NOT NULL DEFAULT 'zlib';
        ALTER TABLE bodies ADD COLUMN base TEXT REFERENCES bodies(hash);
        ALTER TABLE bodies ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX bodies_base ON bodies (base);
        -- The same fetch in earlier snapshots, to find a page's previous version.
        CREATE INDEX fetches_history ON fetches (call, target, snapshot_id);
"""

V5_SOURCE_OUTCOMES_AND_COVERAGE = """
        -- Per source: how many fetches ended ok / notfound / not_applicable / forbidden / failed
        -- (JSON), and what the identity could not see (one line per forbidden area). Sources
        -- may now also be 'interrupted' (cut off or never reached). Older rows keep NULLs.
        ALTER TABLE sources ADD COLUMN outcomes TEXT;
        ALTER TABLE sources ADD COLUMN coverage TEXT;
        CREATE INDEX snapshots_started ON snapshots (started_at, id);
"""

V6_SNAPSHOT_OWNER_BOOT_ID_AND_LOCK = """
        -- Who owns a running snapshot: the kernel boot id (a reboot ends every collector) and
        -- whether the collector holds its lock in <store>-owners (snapdiff.owner).
        ALTER TABLE snapshots ADD COLUMN boot_id TEXT;
        ALTER TABLE snapshots ADD COLUMN owner_lock INTEGER NOT NULL DEFAULT 0;
"""

BATCHED_EXCHANGES = """
        -- An inner response of an ARM /batch request is stored as its own
        -- exchange (URL, status, kept headers, body); batch_id names the exchange that carried it.
        ALTER TABLE exchanges ADD COLUMN batch_id INTEGER REFERENCES exchanges(id);
"""

ROW_INDEX = """
        -- The row index (snapdiff.rowindex): derived from the bodies, dropped and rebuilt at
        -- will, so not covered by the immutability triggers. One row per resource, role
        -- assignment, group membership and management group; raw hashes the stored text,
        -- hash the row after the default noise rules; body and span locate a resource's JSON;
        -- cols: which of type, name, subscriptionId, resourceGroup the row itself holds.
        CREATE TABLE index_state (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            built_at TEXT NOT NULL,
            rows INTEGER NOT NULL
        );
        CREATE TABLE index_rows (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            name TEXT NOT NULL,
            sub TEXT NOT NULL,
            rg TEXT NOT NULL,
            raw BLOB NOT NULL,
            hash BLOB NOT NULL,
            cia TEXT,
            body TEXT,
            span_start INTEGER,
            span_end INTEGER,
            cols INTEGER NOT NULL,
            PRIMARY KEY (snapshot_id, kind, id)
        ) WITHOUT ROWID;
"""

RESUMES = """
        -- collect --resume: what a snapshot reused, and from which snapshot (fetches per source).
        -- from_snapshot_id has no foreign key: the older snapshot may be pruned later.
        CREATE TABLE resumes (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
            from_snapshot_id INTEGER NOT NULL,
            from_uid TEXT NOT NULL,
            from_started_at TEXT NOT NULL,
            oldest_answer TEXT NOT NULL,
            reused TEXT NOT NULL,  -- JSON: source -> fetches reused
            exchanges INTEGER NOT NULL  -- exchange rows copied (not requests of this run)
        );
"""

# A migration is a SQL script, or a function run inside the migration's transaction (when it
# must compute something SQL cannot, such as a SHA-256).
INDEX_BUCKETS = """
        -- Row index buckets: each row falls in one of rowindex.NBUCKETS buckets (a hash of its
        -- lower-cased id); index_buckets holds, per snapshot and kind, one digest per bucket (of
        -- raw, and of hash), so two snapshots compare digests first and rows only where they
        -- differ.
        ALTER TABLE index_rows ADD COLUMN bucket INTEGER;
        CREATE INDEX index_rows_bucket ON index_rows (snapshot_id, kind, bucket);
        CREATE TABLE index_buckets (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            raw BLOB NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (snapshot_id, kind)
        ) WITHOUT ROWID;
"""

MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    V1_INITIAL,
    V2_REDACTIONS_AND_IMMUTABILITY,
    V3_EXPLORE_VIEWS,
    V4_DELTA_BODIES,
    V5_SOURCE_OUTCOMES_AND_COVERAGE,
    V6_SNAPSHOT_OWNER_BOOT_ID_AND_LOCK,
    BATCHED_EXCHANGES,
    snapshot_digests,  # snapshots.digest, digest_sources, digest_origin (snapdiff.digest)
    ROW_INDEX,
    RESUMES,  # collect --resume's provenance; read as absent by older stores' readers
    INDEX_BUCKETS,
]

SCHEMA_VERSION = len(MIGRATIONS)

# Schema versions whose migration adds only derived tables: a store one of these behind is
# still read as it is by reading commands (which never change a store), without the index.
DERIVED_ONLY = frozenset({9, 10, 11})


def readable_without_migrating(version: int) -> bool:
    """Whether a store of ``version`` can be read, unmigrated, by this snapdiff."""
    return 0 < version < SCHEMA_VERSION and all(
        v in DERIVED_ONLY for v in range(version + 1, SCHEMA_VERSION + 1)
    )
