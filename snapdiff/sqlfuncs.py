"""SQL functions over a snapdiff store, for Datasette and sqlite-utils (both load them through
their ``prepare_connection`` plugin hook; see pyproject's entry points) or any sqlite3
connection (``register(conn)``):

    snapdiff_body(body_hash)  -> the body as text (JSON), delta bases followed

    select url, status, snapdiff_body(body_hash) from exchanges where snapshot_id = 2
"""

from __future__ import annotations

import sqlite3

from . import bodies


def register(conn: sqlite3.Connection) -> None:
    def body(h: str | None) -> str | None:
        if h is None:
            return None
        try:
            return bodies.read(conn, h).decode("utf-8", errors="replace")
        except bodies.BodyError as e:  # SQL has no exceptions to show: say what is wrong
            return f"snapdiff: body {h[:12]}: {e}"

    conn.create_function("snapdiff_body", 1, body, deterministic=True)


try:  # the plugin hooks, when pluggy (Datasette's and sqlite-utils' plugin system) is there
    import pluggy
except ImportError:  # pragma: no cover - sqlite-utils depends on pluggy
    pass
else:

    @pluggy.HookimplMarker("datasette")
    @pluggy.HookimplMarker("sqlite_utils")
    def prepare_connection(conn: sqlite3.Connection) -> None:
        """Both tools' hook: called on every connection they open."""
        register(conn)
